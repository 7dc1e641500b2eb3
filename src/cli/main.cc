// guanxi: the command line. `guanxi serve` runs the shop, `guanxi backup` copies its database while it
// runs, `guanxi migrate` moves a shop from SQLite to PostgreSQL, `guanxi replay --plan FILE COMMANDS.jsonl` applies engine commands; the designer's commands
// (`calc`, `simulate`, `plan lint`, docs/designer.md) live in designer.cc.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/designer.h"
#include "cli/migrate.h"
#include "cli/report.h"
#include "cli/replay.h"
#include "cli/serve.h"
#include "plan/plan_file.h"

int main(int argc, char** argv) {
  CLI::App app{"guanxi: a social-commerce engine (关系)"};
  app.require_subcommand(1);

  std::string plan_path;
  std::string commands_path;
  bool no_effects = false;
  CLI::App* replay = app.add_subcommand("replay", "apply JSON commands, one per line, and print the result");
  replay->add_option("--plan", plan_path, "plan file (TOML)")->required();
  replay->add_option("commands", commands_path, "commands (JSON lines); - for standard input")->required();
  replay->add_flag("--no-effects", no_effects, "leave the effects log out of the output");
  std::string replay_lang = "zh";
  replay->add_option("--lang", replay_lang, "language of the effects' texts: zh (default) or en")
      ->check(CLI::IsMember({"zh", "en"}));

  guanxi::cli::ServeOptions serve_opts;
  CLI::App* serve = app.add_subcommand("serve", "run the shop: the HTTP API over SQLite or PostgreSQL");
  serve->add_option("--db", serve_opts.db,
                    "database: a SQLite file, or a postgresql:// URL (created or migrated at start)");
  serve->add_option("--shop", serve_opts.shop, "the shop's id in a PostgreSQL database (default 1)")
      ->check(CLI::PositiveNumber);
  serve->add_option("--listen", serve_opts.listen, "HOST:PORT to listen on");
  serve->add_option("--plan", serve_opts.plan, "plan file (TOML); required for a new database");
  serve->add_option("--config", serve_opts.config, "settings file (TOML, docs/service.md)");
  serve->add_option("--static", serve_opts.static_dir, "directory of web files to serve");
  serve->add_flag("--demo", serve_opts.demo, "seed a demo shop when the database has no members");
  serve->add_flag("--fast-password-hashing", serve_opts.fast_hashing,
                  "argon2id at its minimum cost (tests and load benchmarks only)");

  std::string backup_db, backup_out;
  CLI::App* backup = app.add_subcommand("backup", "copy a database consistently, even while it is served");
  backup->add_option("--db", backup_db, "database file")->required();
  backup->add_option("out", backup_out, "the new file")->required();

  guanxi::cli::ReportOptions report_opts;
  CLI::App* report = app.add_subcommand(
      "report", "print the dashboard summary as JSON, reading only (a PostgreSQL replica will do)");
  report->add_option("--db", report_opts.db, "a SQLite file or a postgresql:// URL")->required();
  report->add_option("--shop", report_opts.shop, "the shop's id in a PostgreSQL database (default 1)")
      ->check(CLI::PositiveNumber);
  report->add_option("--from", report_opts.from_ms, "start, Unix ms (default: 29 days before --to)");
  report->add_option("--to", report_opts.to_ms, "end, Unix ms (default: now)");
  report->add_option("--utc-offset", report_opts.utc_offset_minutes, "the shop's time zone, minutes (default 480)");

  std::string migrate_from, migrate_to;
  int64_t migrate_shop = 1;
  CLI::App* migrate = app.add_subcommand("migrate", "move one shop from a SQLite database to PostgreSQL");
  migrate->add_option("--from", migrate_from, "the SQLite database file")->required();
  migrate->add_option("--to", migrate_to, "the PostgreSQL database (postgresql://…)")->required();
  migrate->add_option("--shop", migrate_shop, "the shop's id in the PostgreSQL database (default 1)");

  guanxi::cli::CalcOptions calc_opts;
  CLI::App* calc = app.add_subcommand("calc", "the merchant's formulas: members, lifetime spend, fission");
  calc->require_subcommand(1);
  CLI::App* calc_members = calc->add_subcommand("members", "会员人数 = 触达 × 粉丝转化率 × 成交转化率 × 会员转化率");
  calc_members->add_option("--reach", calc_opts.reach, "people reached")->required();
  calc_members->add_option("--fan", calc_opts.fan, "fan conversion, e.g. 30%")->required();
  calc_members->add_option("--deal", calc_opts.deal, "deal conversion of fans, e.g. 20%")->required();
  calc_members->add_option("--member", calc_opts.member, "member conversion of buyers, e.g. 50%")->required();
  CLI::App* calc_lifetime = calc->add_subcommand("lifetime", "终身消费 = 购买频次 × 平均生命周期 × 平均客单价");
  calc_lifetime->add_option("--frequency", calc_opts.frequency, "purchases per period (month or year), e.g. 4")->required();
  calc_lifetime->add_option("--lifetime", calc_opts.lifetime, "lifetime in the same periods, e.g. 2.5")->required();
  calc_lifetime->add_option("--ticket-fen", calc_opts.ticket_fen, "average ticket in fen, e.g. 19900")->required();
  CLI::App* calc_fission = calc->add_subcommand("fission", "裂变人数 = (会员推荐 × 裂变级数)^N beside a projection");
  calc_fission->add_option("--referrals", calc_opts.referrals, "people each member invites (会员推荐)")->required();
  calc_fission->add_option("--levels", calc_opts.levels, "裂变级数 of the formula (default 1)");
  calc_fission->add_option("--generations", calc_opts.generations, "N, the generations projected")->required();
  calc_fission->add_option("--seeds", calc_opts.seeds, "members at the start (default 1)");
  calc_fission->add_option("--conversion", calc_opts.conversion, "share of the invited who join (default 100%)");
  calc_fission->add_option("--market", calc_opts.market, "people who could ever join (default 0: no limit)");
  for (CLI::App* c : {calc_members, calc_lifetime, calc_fission}) c->add_flag("--json", calc_opts.json, "print JSON");

  guanxi::cli::SimulateOptions sim_opts;
  CLI::App* simulate = app.add_subcommand("simulate", "grow a synthetic population through the engine under a plan");
  simulate->add_option("--plan", sim_opts.plan, "plan file (TOML)")->required();
  simulate->add_option("--scenario", sim_opts.scenario, "scenario file (TOML, docs/designer.md)")->required();
  simulate->add_option("--out", sim_opts.out, "write the report (JSON) here instead of standard output");
  simulate->add_option("--html", sim_opts.html, "also write the report as an HTML page with charts");
  simulate->add_flag("--quiet", sim_opts.quiet, "no progress on standard error");

  std::string lint_path;
  bool lint_json = false, lint_no_wechat = false;
  CLI::App* plan_cmd = app.add_subcommand("plan", "plan files");
  plan_cmd->require_subcommand(1);
  CLI::App* lint = plan_cmd->add_subcommand(
      "lint", "findings on a plan (exit 0: none, 1: findings, 2: unreadable or invalid plan); not legal advice");
  lint->add_option("file", lint_path, "plan file (TOML)")->required();
  lint->add_flag("--json", lint_json, "print JSON");
  lint->add_flag("--no-wechat", lint_no_wechat, "the shop does not sell inside WeChat");

  CLI11_PARSE(app, argc, argv);

  if (serve->parsed()) return guanxi::cli::Serve(serve_opts);
  if (calc->parsed()) {
    for (CLI::App* c : {calc_members, calc_lifetime, calc_fission}) {
      if (c->parsed()) return guanxi::cli::Calc(c->get_name(), calc_opts);
    }
  }
  if (simulate->parsed()) return guanxi::cli::Simulate(sim_opts);
  if (lint->parsed()) return guanxi::cli::PlanLint(lint_path, lint_json, !lint_no_wechat);
  if (backup->parsed()) return guanxi::cli::Backup(backup_db, backup_out);
  if (report->parsed()) return guanxi::cli::Report(report_opts);
  if (migrate->parsed()) return guanxi::cli::Migrate(migrate_from, migrate_to, migrate_shop);

  if (replay->parsed()) {
    auto plan = guanxi::plan::LoadPlanFile(plan_path);
    if (!plan) {
      std::cerr << "guanxi: " << plan.error().message << "\n";
      return 2;
    }
    std::ifstream file;
    std::istream* in = &std::cin;
    if (commands_path != "-") {
      file.open(commands_path);
      if (!file) {
        std::cerr << "guanxi: cannot read " << commands_path << "\n";
        return 2;
      }
      in = &file;
    }
    const guanxi::cli::ReplayOutcome outcome = guanxi::cli::ReplayStream(
        *plan, *in, !no_effects, replay_lang == "en" ? guanxi::i18n::Lang::kEn : guanxi::i18n::Lang::kZh);
    if (!outcome.ok) {
      std::cerr << "guanxi: " << commands_path << ":" << outcome.line << ": " << outcome.error.code << ": "
                << outcome.error.message
                << (outcome.error.field.empty() ? "" : " (field " + outcome.error.field + ")") << "\n";
      return 2;
    }
    std::cout << guanxi::cli::PrettyJson(outcome.output);
    return 0;
  }
  return 0;
}
