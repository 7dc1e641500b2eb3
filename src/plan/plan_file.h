// Plan files: a commission plan written in TOML (docs/plans.md) read into a core::Plan. Every
// refusal names the file and line ("plans/x.toml:42: unknown key 'ammount' …") so a merchant's
// engineer can fix the file without reading this code. Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>

#include "core/plan.h"
#include "core/result.h"

namespace guanxi::plan {

// Reads a plan from TOML text. `source_name` is only used in messages (usually the file path).
// Errors: code "invalid_plan", message "<source_name>:<line>: <reason>". A returned Plan has passed
// core::Plan::Validate().
core::Result<core::Plan> ParsePlan(std::string_view toml_text, std::string_view source_name);

// ParsePlan on the contents of `path`. A file that cannot be read gives code "plan_unreadable".
core::Result<core::Plan> LoadPlanFile(const std::string& path);

}  // namespace guanxi::plan
