#include "cli/designer.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/replay.h"
#include "plan/plan_file.h"
#include "sim/calculators.h"
#include "sim/json_check.h"
#include "sim/lint.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace guanxi::cli {
namespace {

namespace json = boost::json;

int Fail(const std::string& message) {
  std::cerr << "guanxi: " << message << "\n";
  return 2;
}

std::string Grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}

// Prints the designer's JSON, or, when a number in it is not finite (a bug: JSON has no Infinity),
// says where and exits 3 rather than print what no reader can parse.
int PrintJson(const json::value& v) {
  if (const std::optional<std::string> at = sim::FindNonFinite(v)) {
    std::cerr << "guanxi: a number is not finite at " << *at << " (a bug); nothing was printed\n";
    return 3;
  }
  std::cout << PrettyJson(v);
  return 0;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

// The first refusal among the parsed options, or nullptr.
template <typename... Results>
const core::Error* FirstError(const Results&... results) {
  for (const core::Error* e : {(results.ok() ? nullptr : &results.error())...}) {
    if (e != nullptr) return e;
  }
  return nullptr;
}

int CalcMembers(const CalcOptions& o) {
  auto reach = sim::ParseOption(o.reach, sim::kReach);
  auto fan = sim::ParseOption(o.fan, sim::kFanBps);
  auto deal = sim::ParseOption(o.deal, sim::kDealBps);
  auto member = sim::ParseOption(o.member, sim::kMemberBps);
  if (const core::Error* e = FirstError(reach, fan, deal, member)) return Fail(e->message);
  auto r = sim::CalcMembers({*reach, *fan, *deal, *member}, sim::Naming::kCli);
  if (!r) return Fail(r.error().message);
  if (o.json) return PrintJson(sim::MembersJson(*r));
  std::cout
      << "会员人数 = 触达人数 × 粉丝转化率 × 成交转化率 × 会员转化率 (each stage rounded down)\n"
      << "  reached  " << Grouped(r->reach) << "\n  fans     " << Grouped(r->fans) << "  (× "
      << o.fan << ")\n  buyers   " << Grouped(r->buyers) << "  (× " << o.deal << ")\n  members  "
      << Grouped(r->members) << "  (× " << o.member << ")\n";
  return 0;
}

int CalcLifetime(const CalcOptions& o) {
  auto freq = sim::ParseOption(o.frequency, sim::kFrequency);
  auto life = sim::ParseOption(o.lifetime, sim::kLifetime);
  auto ticket = sim::ParseOption(o.ticket_fen, sim::kTicket);
  if (const core::Error* e = FirstError(freq, life, ticket)) return Fail(e->message);
  auto r = sim::CalcLifetime({*freq, *life, *ticket}, sim::Naming::kCli);
  if (!r) return Fail(r.error().message);
  if (o.json) return PrintJson(sim::LifetimeJson(*r));
  std::cout << "终身消费 = 购买频次 × 平均生命周期 × 平均客单价\n  " << o.frequency << " × "
            << o.lifetime << " × " << core::FormatYuan(*ticket) << " = "
            << core::FormatYuan(r->spend) << " yuan (" << r->spend << " fen, rounded down)\n";
  return 0;
}

int CalcFission(const CalcOptions& o) {
  auto referrals = sim::ParseOption(o.referrals, sim::kReferrals);
  auto levels = sim::ParseOption(o.levels, sim::kLevels);
  auto generations = sim::ParseOption(o.generations, sim::kGenerations);
  auto seeds = sim::ParseOption(o.seeds, sim::kSeeds);
  auto conversion = sim::ParseOption(o.conversion, sim::kConversionBps);
  auto market = sim::ParseOption(o.market, sim::kMarket);
  if (const core::Error* e = FirstError(referrals, levels, generations, seeds, conversion, market))
    return Fail(e->message);
  const sim::FissionInput in{*referrals, *levels, *generations, *seeds, *conversion, *market};
  auto r = sim::CalcFission(in, sim::Naming::kCli);
  if (!r) return Fail(r.error().message);
  if (o.json) return PrintJson(sim::FissionJson(in, *r));
  std::printf("裂变人数 = (会员推荐 × 裂变级数)^N = (%s × %s)^%s = %s\n", o.referrals.c_str(),
              o.levels.c_str(), o.generations.c_str(), sim::NaiveText(r->naive).c_str());
  std::printf("Projection: %s seeds; each member invites %s people, %s of them join%s.\n",
              o.seeds.c_str(), o.referrals.c_str(), o.conversion.c_str(),
              *market > 0 ? ", fewer as the market fills" : "");
  std::printf("Each generation is %.3g times the one before%s.\n\n", r->growth_factor,
              r->growth_factor < 1 ? ": below 1 the growth dies out" : "");
  std::printf("%10s %16s %14s %14s %14s\n", "generation", "formula", "invited", "joined", "total");
  for (const sim::FissionRow& row : r->rows) {
    std::printf("%10s %16s %14s %14s %14s\n", std::to_string(row.generation).c_str(),
                sim::NaiveText(row.naive).c_str(), Grouped(row.invited).c_str(),
                Grouped(row.joined).c_str(), Grouped(row.total).c_str());
  }
  return 0;
}

}  // namespace

int Calc(const std::string& kind, const CalcOptions& options) {
  if (kind == "members") return CalcMembers(options);
  if (kind == "lifetime") return CalcLifetime(options);
  if (kind == "fission") return CalcFission(options);
  return Fail("unknown calculator " + kind + " (members, lifetime, fission)");
}

int Simulate(const SimulateOptions& o) {
  auto plan = plan::LoadPlanFile(o.plan);
  if (!plan) return Fail(plan.error().message);
  auto scenario = sim::LoadScenarioFile(o.scenario, *plan);
  if (!scenario) return Fail(scenario.error().message);
  const bool tty = ::isatty(2) != 0;
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  sim::Simulation simulation(std::move(*plan), std::move(*scenario));
  simulation.Run([&](const sim::Progress& p) {
    if (o.quiet) return true;
    const auto now = std::chrono::steady_clock::now();
    if (p.day < p.days && now - last < std::chrono::milliseconds(tty ? 200 : 2000)) return true;
    last = now;
    std::cerr << (tty ? "\r" : "") << "simulate: day " << p.day << "/" << p.days << ", "
              << Grouped(p.members) << " members, " << Grouped(p.orders) << " orders"
              << (tty ? "   " : "\n") << std::flush;
    return true;
  });
  const json::value report = simulation.Report();
  if (!o.quiet) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << (tty ? "\n" : "") << "simulate: done in " << seconds << " s\n";
  }
  if (const std::optional<std::string> at = sim::FindNonFinite(report)) {
    std::cerr << "guanxi: the report has a number that is not finite at " << *at
              << " (a bug); nothing was written\n";
    return 3;
  }
  const std::string text = PrettyJson(report);
  if (o.out.empty()) {
    std::cout << text;
  } else if (!WriteFile(o.out, text)) {
    return Fail("cannot write " + o.out);
  }
  if (!o.html.empty() && !WriteFile(o.html, sim::ReportHtml(report)))
    return Fail("cannot write " + o.html);
  if (!report.at("conservation").at("ok").as_bool()) {
    std::cerr << "guanxi: the report's totals differ from the engine's ledger: "
              << json::serialize(report.at("conservation")) << "\n";
    return 3;
  }
  return 0;
}

int PlanLint(const std::string& path, bool json, bool wechat) {
  auto plan = plan::LoadPlanFile(path);
  if (!plan) return Fail(plan.error().message);
  const sim::LintReport report = sim::Lint(*plan, sim::LintOptions{wechat});
  if (json) {
    if (const int code = PrintJson(sim::LintJson(report)); code != 0) return code;
  } else {
    std::cout << sim::LintText(report);
  }
  return report.findings.empty() ? 0 : 1;
}

}  // namespace guanxi::cli
