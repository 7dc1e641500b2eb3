// The designer's commands (docs/designer.md): `guanxi calc members|lifetime|fission`, `guanxi
// simulate` and `guanxi plan lint`. Each returns the process exit code and prints errors to stderr.
#pragma once

#include <string>

namespace guanxi::cli {

struct CalcOptions {
  bool json = false;
  // members
  std::string reach, fan, deal, member;
  // lifetime
  std::string frequency, lifetime, ticket_fen;
  // fission
  std::string referrals, levels = "1", generations, seeds = "1", conversion = "100%", market = "0";
};
// kind: "members", "lifetime" or "fission". Exit 0; 2 on a bad input (the message names the
// option and its limit); 3 when an output would hold a number that is not finite (a bug).
int Calc(const std::string& kind, const CalcOptions& options);

struct SimulateOptions {
  std::string plan;
  std::string scenario;
  std::string out;   // report JSON; empty: standard output
  std::string html;  // report page; empty: none
  bool quiet = false;
};
// Exit 0; 2 when the plan or scenario is refused or a file cannot be written; 3 when the report's
// totals differ from the engine's ledger or a number in it is not finite (a bug).
int Simulate(const SimulateOptions& options);

// Exit 0 without findings, 1 with findings, 2 when the plan cannot be read or is refused.
int PlanLint(const std::string& path, bool json, bool wechat);

}  // namespace guanxi::cli
