// Plan lint: static analysis of a commission plan for the merchant (docs/designer.md). It states
// the most the plan can pay per unit of each product and the deepest generation it pays, and raises
// findings against the rules on pyramid selling and on WeChat distribution, each naming what in the
// plan triggers it and what change would remove it. Findings are information, not legal advice.
// Thread-safe: pure functions of the plan.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/plan.h"

namespace guanxi::sim {

inline constexpr const char* kNotLegalAdvice =
    "Findings are information for the merchant, not legal advice: whether a business is lawful "
    "depends "
    "on how it is run as well as on its plan. Ask a lawyer before you launch.";

struct LintOptions {
  bool wechat =
      true;  // the shop sells inside WeChat (mini program, official account, H5 in WeChat)
};

// The most one rule can pay on one unit of a product.
struct RulePayout {
  size_t rule = 0;     // index in its activity, 0-based
  std::string kind;    // referral, leader, differential, peer, pool
  std::string earned;  // the category, or the pool's name
  core::Fen max_per_unit = 0;
  std::string reaches;  // who is paid: "generation 2", "the buyer's leader (any depth)" …
};

struct ProductPayout {
  std::string sku;
  std::string activity;
  core::Fen price = 0;
  core::Fen max_per_unit = 0;  // Σ of the rules' maxima
  double share = 0;            // max_per_unit / price (0 when the price is 0)
  std::vector<RulePayout> rules;
};

struct Finding {
  std::string code;  // entry_fee, recruitment, team_pay, depth, payout_over_30, wechat_levels
  std::string title;
  std::string reference;  // the legal text it refers to
  std::string trigger;    // what in the plan raises it
  std::string fix;        // what change would remove it
};

struct LintReport {
  std::string plan;
  std::vector<ProductPayout> payouts;  // every product an activity pays on, in plan order
  uint32_t deepest_generation = 0;     // deepest referral generation paid; 0: none
  bool unbounded_depth = false;        // a rule walks up the tree without a limit
  std::string depth_reason;            // the rules that make the depth unbounded
  std::vector<Finding> findings;
};

LintReport Lint(const core::Plan& plan, const LintOptions& options = {});

boost::json::value LintJson(const LintReport& report);
// Human text, as `guanxi plan lint` prints it.
std::string LintText(const LintReport& report);

}  // namespace guanxi::sim
