// guanxi: the command line. `guanxi serve` runs the shop, `guanxi backup` copies its database while it
// runs, `guanxi replay --plan FILE COMMANDS.jsonl` applies engine commands; `simulate` and `plan lint`
// join them as their layers arrive.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

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

  guanxi::cli::ServeOptions serve_opts;
  CLI::App* serve = app.add_subcommand("serve", "run the shop: the HTTP API over a SQLite database");
  serve->add_option("--db", serve_opts.db, "database file (created and migrated at start)");
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

  CLI11_PARSE(app, argc, argv);

  if (serve->parsed()) return guanxi::cli::Serve(serve_opts);
  if (backup->parsed()) return guanxi::cli::Backup(backup_db, backup_out);

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
    const guanxi::cli::ReplayOutcome outcome = guanxi::cli::ReplayStream(*plan, *in, !no_effects);
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
