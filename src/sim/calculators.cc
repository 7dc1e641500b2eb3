#include "sim/calculators.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <string>

#include "core/plan.h"

namespace guanxi::sim {
namespace {

namespace json = boost::json;
__extension__ using Int128 = __int128;

constexpr int64_t kMaxPeople =
    100'000'000'000;  // 10^11: more than the world, small enough for products

core::Error Invalid(std::string_view field, const std::string& message) {
  return core::MakeError("invalid_" + std::string(field), message, std::string(field));
}

core::Status CheckBps(core::Bps v, std::string_view field) {
  if (v < 0 || v > core::kWholeBps)
    return Invalid(field, std::string(field) + " must be 0..10000 bps (0%..100%)");
  return core::Ok{};
}

core::Status CheckRange(int64_t v, int64_t min, int64_t max, std::string_view field) {
  if (v < min || v > max) {
    return Invalid(field, std::string(field) + " must be between " + std::to_string(min) + " and " +
                              std::to_string(max));
  }
  return core::Ok{};
}

std::string Centi(int64_t v) {
  const std::string frac = std::to_string(v % 100);
  return std::to_string(v / 100) + "." + (frac.size() == 1 ? "0" : "") + frac;
}

}  // namespace

core::Result<MembersResult> CalcMembers(const MembersInput& in) {
  if (auto s = CheckRange(in.reach, 0, kMaxPeople, "reach"); !s) return s.error();
  for (auto [v, f] : {std::pair{in.fan_bps, "fan_bps"},
                      {in.deal_bps, "deal_bps"},
                      {in.member_bps, "member_bps"}}) {
    if (auto s = CheckBps(v, f); !s) return s.error();
  }
  MembersResult r;
  r.reach = in.reach;
  r.fans = core::ApplyBps(in.reach, in.fan_bps);
  r.buyers = core::ApplyBps(r.fans, in.deal_bps);
  r.members = core::ApplyBps(r.buyers, in.member_bps);
  return r;
}

core::Result<LifetimeResult> CalcLifetime(const LifetimeInput& in) {
  constexpr int64_t kMaxCenti = 100'000'000;  // a million purchases per period, a million periods
  if (auto s = CheckRange(in.frequency_centi, 0, kMaxCenti, "frequency"); !s) return s.error();
  if (auto s = CheckRange(in.lifetime_centi, 0, kMaxCenti, "lifetime"); !s) return s.error();
  if (auto s = CheckRange(in.ticket, 0, core::kMaxPlanAmount, "ticket"); !s) return s.error();
  const Int128 spend = Int128{in.ticket} * in.frequency_centi * in.lifetime_centi / 10000;
  if (spend > Int128{INT64_MAX})
    return Invalid("ticket", "the lifetime spend does not fit in int64 fen");
  LifetimeResult r;
  r.purchases_centi = in.frequency_centi * in.lifetime_centi / 100;
  r.spend = static_cast<core::Fen>(spend);
  return r;
}

core::Result<FissionResult> CalcFission(const FissionInput& in) {
  if (auto s = CheckRange(in.referrals_centi, 0, 100'000, "referrals"); !s) return s.error();
  if (auto s = CheckRange(in.levels, 1, 1000, "levels"); !s) return s.error();
  if (auto s = CheckRange(in.generations, 1, 100, "generations"); !s) return s.error();
  if (auto s = CheckRange(in.seeds, 1, kMaxPeople, "seeds"); !s) return s.error();
  if (auto s = CheckBps(in.conversion_bps, "conversion_bps"); !s) return s.error();
  if (auto s = CheckRange(in.market, 0, kMaxPeople, "market"); !s) return s.error();
  if (in.market > 0 && in.market < in.seeds)
    return Invalid("market", "market must be at least seeds");
  FissionResult r;
  const double base =
      static_cast<double>(in.referrals_centi) / 100.0 * static_cast<double>(in.levels);
  r.naive = std::pow(base, in.generations);
  r.growth_factor =
      static_cast<double>(in.referrals_centi) / 100.0 * in.conversion_bps / core::kWholeBps;
  int64_t prev = in.seeds;
  int64_t total = in.seeds;
  for (uint32_t g = 1; g <= in.generations; ++g) {
    FissionRow row;
    row.generation = g;
    row.naive = std::pow(base, g);
    // prev ≤ total ≤ kMaxPeople here (the loop stops past it, and a market is at most that), so
    // invited ≤ kMaxPeople × 1000 and every product fits in 128 bits with room to spare.
    row.invited = static_cast<int64_t>(Int128{prev} * in.referrals_centi / 100);
    Int128 joined = Int128{row.invited} * in.conversion_bps / core::kWholeBps;
    // Never more than the market has left: the share still free scales the joiners down, but
    // 1,000 invites per member could still overshoot it in one generation.
    if (in.market > 0) joined = std::min(joined * (in.market - total) / in.market, Int128{in.market - total});
    row.joined = static_cast<int64_t>(joined);
    total += row.joined;
    row.total = total;
    prev = row.joined;
    r.rows.push_back(row);
    // Without a market, growth is unbounded (1,000 invites per member over 100 generations is
    // 10^300 people): the projection ends at the generation that passes 10^11, more people than
    // could ever join, before the totals overflow.
    if (total > kMaxPeople) break;
  }
  return r;
}

json::value MembersJson(const MembersResult& r) {
  return json::object{
      {"reach", r.reach}, {"fans", r.fans}, {"buyers", r.buyers}, {"members", r.members}};
}

json::value LifetimeJson(const LifetimeResult& r) {
  return json::object{{"purchases", Centi(r.purchases_centi)},
                      {"spend", r.spend},
                      {"spend_yuan", core::FormatYuan(r.spend)}};
}

json::value FissionJson(const FissionInput& in, const FissionResult& r) {
  json::array rows;
  for (const FissionRow& row : r.rows) {
    rows.push_back({{"generation", row.generation},
                    {"naive", row.naive},
                    {"invited", row.invited},
                    {"joined", row.joined},
                    {"total", row.total}});
  }
  return json::object{{"formula", "(referrals × levels)^N"},
                      {"naive", r.naive},
                      {"growth_factor", r.growth_factor},
                      {"seeds", in.seeds},
                      {"total", r.rows.empty() ? in.seeds : r.rows.back().total},
                      {"generations", std::move(rows)}};
}

core::Result<int64_t> ParseCenti(std::string_view text, std::string_view field) {
  const auto bad = [&] {
    return Invalid(field, std::string(field) +
                              " must be a number with at most two decimals, not \"" +
                              std::string(text) + "\"");
  };
  if (text.empty() || text.size() > 15) return bad();
  int64_t whole = 0, frac = 0;
  int frac_digits = -1;  // -1: no point seen
  for (char c : text) {
    if (c == '.') {
      if (frac_digits >= 0) return bad();
      frac_digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (frac_digits < 0) {
        whole = whole * 10 + (c - '0');
      } else {
        if (++frac_digits > 2) return bad();
        frac = frac * 10 + (c - '0');
      }
    } else {
      return bad();
    }
  }
  if (frac_digits == 0) return bad();  // "2."
  if (frac_digits == 1) frac *= 10;
  return whole * 100 + frac;
}

core::Result<core::Bps> ParsePercent(std::string_view text, std::string_view field) {
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  auto v = ParseCenti(text, field);
  if (!v) return v.error();
  if (*v > 10000) return Invalid(field, std::string(field) + " is a percentage, at most 100%");
  return static_cast<core::Bps>(*v);
}

}  // namespace guanxi::sim
