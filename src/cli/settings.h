// The settings file of `guanxi serve` (TOML; docs/service.md lists every key): the shop's settings,
// the HTTP server's, and where the web app's files are. Unknown keys are refused, so that a misspelt
// setting does not silently keep its default. Pure functions of their input; safe on any thread.
#pragma once

#include <string>
#include <string_view>

#include "http/server.h"
#include "service/config.h"

namespace guanxi::cli {

struct Settings {
  service::ShopConfig shop;
  http::ServerOptions server;
  std::string public_url;
  std::string static_dir;  // empty: not set by the file
};

// Applies the settings in `text` (a TOML document) on top of `out`. Throws std::runtime_error naming
// `name`, the line and the key ("guanxi.toml:3: threads: must be an integer in 1..256").
void ParseSettings(std::string_view text, const std::string& name, Settings& out);

// The same, for the file at `path` (an unreadable file throws too).
void LoadSettingsFile(const std::string& path, Settings& out);

}  // namespace guanxi::cli
