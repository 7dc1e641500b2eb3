#include "cli/designer.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/replay.h"
#include "plan/plan_file.h"
#include "sim/calculators.h"
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

// An integer option ("100000", no decimals).
core::Result<int64_t> Whole(const std::string& text, const char* field) {
  auto v = sim::ParseCenti(text, field);
  if (!v) return v.error();
  if (*v % 100 != 0)
    return core::MakeError("invalid", std::string(field) + " is a whole number", field);
  return *v / 100;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

int CalcMembers(const CalcOptions& o) {
  auto reach = Whole(o.reach, "--reach");
  auto fan = sim::ParsePercent(o.fan, "--fan");
  auto deal = sim::ParsePercent(o.deal, "--deal");
  auto member = sim::ParsePercent(o.member, "--member");
  for (const core::Error* e :
       {reach ? nullptr : &reach.error(), fan ? nullptr : &fan.error(),
        deal ? nullptr : &deal.error(), member ? nullptr : &member.error()}) {
    if (e != nullptr) return Fail(e->message);
  }
  auto r = sim::CalcMembers({*reach, *fan, *deal, *member});
  if (!r) return Fail(r.error().message);
  if (o.json) {
    std::cout << PrettyJson(sim::MembersJson(*r));
    return 0;
  }
  std::cout
      << "会员人数 = 触达人数 × 粉丝转化率 × 成交转化率 × 会员转化率 (each stage rounded down)\n"
      << "  reached  " << Grouped(r->reach) << "\n  fans     " << Grouped(r->fans) << "  (× "
      << o.fan << ")\n  buyers   " << Grouped(r->buyers) << "  (× " << o.deal << ")\n  members  "
      << Grouped(r->members) << "  (× " << o.member << ")\n";
  return 0;
}

int CalcLifetime(const CalcOptions& o) {
  auto freq = sim::ParseCenti(o.frequency, "--frequency");
  auto life = sim::ParseCenti(o.lifetime, "--lifetime");
  auto ticket = Whole(o.ticket_fen, "--ticket-fen");
  for (const core::Error* e : {freq ? nullptr : &freq.error(), life ? nullptr : &life.error(),
                               ticket ? nullptr : &ticket.error()}) {
    if (e != nullptr) return Fail(e->message);
  }
  auto r = sim::CalcLifetime({*freq, *life, *ticket});
  if (!r) return Fail(r.error().message);
  if (o.json) {
    std::cout << PrettyJson(sim::LifetimeJson(*r));
    return 0;
  }
  std::cout << "终身消费 = 购买频次 × 平均生命周期 × 平均客单价\n  " << o.frequency << " × "
            << o.lifetime << " × " << core::FormatYuan(*ticket) << " = "
            << core::FormatYuan(r->spend) << " yuan (" << r->spend << " fen, rounded down)\n";
  return 0;
}

int CalcFission(const CalcOptions& o) {
  auto referrals = sim::ParseCenti(o.referrals, "--referrals");
  auto levels = Whole(o.levels, "--levels");
  auto generations = Whole(o.generations, "--generations");
  auto seeds = Whole(o.seeds, "--seeds");
  auto conversion = sim::ParsePercent(o.conversion, "--conversion");
  auto market = Whole(o.market, "--market");
  for (const core::Error* e :
       {referrals ? nullptr : &referrals.error(), levels ? nullptr : &levels.error(),
        generations ? nullptr : &generations.error(), seeds ? nullptr : &seeds.error(),
        conversion ? nullptr : &conversion.error(), market ? nullptr : &market.error()}) {
    if (e != nullptr) return Fail(e->message);
  }
  if (*generations < 1 || *generations > 100) return Fail("--generations must be 1..100");
  sim::FissionInput in{*referrals, *levels,     static_cast<uint32_t>(*generations),
                       *seeds,     *conversion, *market};
  auto r = sim::CalcFission(in);
  if (!r) return Fail(r.error().message);
  if (o.json) {
    std::cout << PrettyJson(sim::FissionJson(in, *r));
    return 0;
  }
  std::printf("裂变人数 = (会员推荐 × 裂变级数)^N = (%s × %s)^%s = %.6g\n", o.referrals.c_str(),
              o.levels.c_str(), o.generations.c_str(), r->naive);
  std::printf("Projection: %s seeds; each member invites %s people, %s of them join%s.\n",
              o.seeds.c_str(), o.referrals.c_str(), o.conversion.c_str(),
              *market > 0 ? ", fewer as the market fills" : "");
  std::printf("Each generation is %.3g times the one before%s.\n\n", r->growth_factor,
              r->growth_factor < 1 ? ": below 1 the growth dies out" : "");
  std::printf("%10s %16s %14s %14s %14s\n", "generation", "formula", "invited", "joined", "total");
  for (const sim::FissionRow& row : r->rows) {
    std::printf("%10u %16.6g %14s %14s %14s\n", row.generation, row.naive,
                Grouped(row.invited).c_str(), Grouped(row.joined).c_str(),
                Grouped(row.total).c_str());
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
    std::cout << PrettyJson(sim::LintJson(report));
  } else {
    std::cout << sim::LintText(report);
  }
  return report.findings.empty() ? 0 : 1;
}

}  // namespace guanxi::cli
