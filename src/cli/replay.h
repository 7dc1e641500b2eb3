// Replay: applies a stream of JSON commands (one per line, docs/replay.md) to a fresh engine and
// produces one JSON document of members, pools, platform accounts and effects. People's names ("A",
// "o1") are mapped here to the engine's dense ids. Used by `guanxi replay` and the scenario tests.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/command.h"
#include "core/engine.h"
#include "core/plan.h"
#include "core/result.h"
#include "i18n/explain.h"

namespace guanxi::cli {

class Replay {
 public:
  explicit Replay(core::Plan plan);

  // Applies one command line. A malformed or refused command changes nothing and returns the reason
  // (code "malformed" for JSON or field errors, the engine's code otherwise). `line` numbers the
  // command in its file, for the effects log.
  core::Status Apply(std::string_view json_line, size_t line);

  // The document `guanxi replay` prints. Effects are included when `with_effects`.
  boost::json::object Output(bool with_effects) const;
  // The language of the effects' texts (Chinese unless told).
  void SetLang(i18n::Lang lang) { lang_ = lang; }

  const core::Engine& engine() const { return engine_; }

  // Called with each command the engine accepted, as the service journals it, and its effects: a
  // store kept by this journal rebuilds the same engine (the scenario tests on both stores).
  using JournalFn = std::function<void(const core::Command&, const core::Effects&)>;
  void SetJournal(JournalFn fn) { journal_ = std::move(fn); }

 private:
  struct Registry {
    std::unordered_map<std::string, uint32_t> ids;
    std::vector<std::string> names;
  };
  struct Logged {
    size_t line;
    core::Effect effect;
  };

  core::Status Dispatch(const boost::json::object& cmd);
  core::Result<uint32_t> Lookup(const Registry& r, const boost::json::object& cmd, const char* field,
                                const char* code) const;
  core::Result<std::string> NewName(const Registry& r, const boost::json::object& cmd, const char* field,
                                    const char* code) const;
  static void Remember(Registry& r, const std::string& name, uint32_t id);
  boost::json::object MemberJson(core::MemberId m) const;
  boost::json::value NameOrNull(core::MemberId m) const;

  core::Status Journal(core::Status applied, const core::Command& c);
  void Journal(const core::Command& c);
  static int64_t Id(core::MemberId m) { return m == core::kNone ? -1 : int64_t{m}; }

  JournalFn journal_;
  core::Engine engine_;
  i18n::Names names_;
  i18n::Lang lang_ = i18n::Lang::kZh;
  Registry members_, orders_, withdrawals_;
  core::Effects scratch_;
  std::vector<Logged> log_;
  size_t line_ = 0;
};

struct ReplayOutcome {
  bool ok = true;
  size_t line = 0;      // the refused line, when !ok
  core::Error error;
  boost::json::object output;
};

// Applies every non-blank line of `commands`; stops at the first refused one.
ReplayOutcome ReplayStream(const core::Plan& plan, std::istream& commands, bool with_effects,
                           i18n::Lang lang = i18n::Lang::kZh);
// … into `replay` (which may have a journal).
ReplayOutcome ReplayStream(Replay& replay, std::istream& commands, bool with_effects);

// JSON with two-space indentation, keys in insertion order.
std::string PrettyJson(const boost::json::value& v);

}  // namespace guanxi::cli
