// guanxi: the command line. `guanxi replay --plan FILE COMMANDS.jsonl` for now; `serve`, `simulate`
// and `plan lint` join it as their layers arrive.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/replay.h"
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

  CLI11_PARSE(app, argc, argv);

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
