#include "sim/calculators.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <string>

namespace guanxi::sim {
namespace {

namespace json = boost::json;
__extension__ using Int128 = __int128;

constexpr int64_t kCenti = 100;  // hundredths in one

std::string NameOf(const Limit& limit, Naming naming) {
  return std::string(naming == Naming::kCli ? limit.option : limit.field);
}

core::Error Invalid(std::string_view field, const std::string& message) {
  return core::MakeError("invalid_" + std::string(field), message, std::string(field));
}

core::Error Invalid(const Limit& limit, const std::string& message) {
  return Invalid(limit.field, message);
}

// Hundredths as a person writes them: 100000 → "1000", 250 → "2.5", 5 → "0.05".
std::string Decimal(int64_t centi) {
  const uint64_t magnitude =
      centi < 0 ? 0 - static_cast<uint64_t>(centi) : static_cast<uint64_t>(centi);
  std::string out = centi < 0 ? "-" : "";  // appended, not "-" + …: GCC 12's -Wrestrict
  out += std::to_string(magnitude / kCenti);
  const uint64_t frac = magnitude % kCenti;
  if (frac != 0) {
    out += '.';
    out += static_cast<char>('0' + frac / 10);
    if (frac % 10 != 0) out += static_cast<char>('0' + frac % 10);
  }
  return out;
}

// a × b / d rounded down, exact through 128 bits; nullopt when the result does not fit an int64.
// REQUIRES: a, b >= 0 and d > 0.
std::optional<int64_t> MulDiv(int64_t a, int64_t b, int64_t d) {
  Int128 product = 0;
  if (__builtin_mul_overflow(Int128{a}, Int128{b}, &product)) return std::nullopt;
  product /= d;
  if (product > Int128{INT64_MAX}) return std::nullopt;
  return static_cast<int64_t>(product);
}

// Hundredths with two places, as in the JSON ("10.00").
std::string Centi(int64_t v) {
  const std::string frac = std::to_string(v % 100);
  return std::to_string(v / 100) + "." + (frac.size() == 1 ? "0" : "") + frac;
}

json::value NaiveJson(const std::optional<double>& naive) {
  if (naive) return *naive;
  return json::string(NaiveText(naive));
}

}  // namespace

std::string LimitMessage(const Limit& limit, Naming naming) {
  const std::string name = NameOf(limit, naming);
  const std::string min = std::to_string(limit.min), max = std::to_string(limit.max);
  switch (limit.unit) {
    case Unit::kWhole:
      return name + " must be a whole number between " + min + " and " + max;
    case Unit::kCenti:
      return name + " must be a number between " + Decimal(limit.min) + " and " +
             Decimal(limit.max) + " with at most two decimals";
    case Unit::kBps:
      // On the command line a rate is a percentage; 1% is 100 bps, so bps are hundredths of one.
      if (naming == Naming::kCli) {
        return name + " must be a percentage between " + Decimal(limit.min) + "% and " +
               Decimal(limit.max) + "% with at most two decimals";
      }
      return name + " must be a whole number of bps between " + min + " and " + max + " (" +
             Decimal(limit.min) + "%.." + Decimal(limit.max) + "%)";
    case Unit::kFen:
      return name + " must be a whole number of fen between " + min + " and " + max + " (at most " +
             core::FormatYuan(limit.max) + " yuan)";
  }
  return name + " is out of range";  // unreachable: every Unit is handled above
}

core::Error LimitError(const Limit& limit, Naming naming, std::string_view got) {
  std::string message = LimitMessage(limit, naming);
  if (!got.empty()) message += ", not \"" + std::string(got) + "\"";
  return Invalid(limit, message);
}

core::Status CheckLimit(const Limit& limit, int64_t value, Naming naming) {
  if (value < limit.min || value > limit.max) return LimitError(limit, naming);
  return core::Ok{};
}

core::Result<int64_t> ParseOption(std::string_view text, const Limit& limit) {
  std::string_view number = text;
  if (limit.unit == Unit::kBps && !number.empty() && number.back() == '%') number.remove_suffix(1);
  auto centi = ParseCenti(number, limit.option);
  if (!centi) return LimitError(limit, Naming::kCli, text);
  int64_t held = *centi;  // hundredths: of one (kCenti), of a percent (kBps, that is bps)
  if (limit.unit == Unit::kWhole || limit.unit == Unit::kFen) {
    if (held % kCenti != 0) return LimitError(limit, Naming::kCli, text);
    held /= kCenti;
  }
  if (held < limit.min || held > limit.max) return LimitError(limit, Naming::kCli, text);
  return held;
}

core::Result<MembersResult> CalcMembers(const MembersInput& in, Naming naming) {
  for (auto [limit, v] : {std::pair{&kReach, in.reach},
                          {&kFanBps, in.fan_bps},
                          {&kDealBps, in.deal_bps},
                          {&kMemberBps, in.member_bps}}) {
    if (auto s = CheckLimit(*limit, v, naming); !s) return s.error();
  }
  // Each stage is at most the one before, so nothing here can pass int64; checked all the same.
  const auto fans = MulDiv(in.reach, in.fan_bps, core::kWholeBps);
  const auto buyers = fans ? MulDiv(*fans, in.deal_bps, core::kWholeBps) : std::nullopt;
  const auto members = buyers ? MulDiv(*buyers, in.member_bps, core::kWholeBps) : std::nullopt;
  if (!members) return LimitError(kReach, naming);
  return MembersResult{in.reach, *fans, *buyers, *members};
}

core::Result<LifetimeResult> CalcLifetime(const LifetimeInput& in, Naming naming) {
  for (auto [limit, v] : {std::pair{&kFrequency, in.frequency_centi},
                          {&kLifetime, in.lifetime_centi},
                          {&kTicket, in.ticket}}) {
    if (auto s = CheckLimit(*limit, v, naming); !s) return s.error();
  }
  // Purchases in hundredths² (frequency × lifetime): at most 10^16 within the limits.
  const Int128 periods = Int128{in.frequency_centi} * in.lifetime_centi;
  Int128 spend = 0;
  const bool overflow = __builtin_mul_overflow(Int128{in.ticket}, periods, &spend);
  spend /= kCenti * kCenti;
  if (overflow || spend > Int128{INT64_MAX}) {
    // The largest ticket whose spend fits: t × periods / 10^4 < 2^63 ⇔ t ≤ (2^63 × 10^4 − 1) /
    // periods. Below the ticket given, so within int64.
    const Int128 max_ticket = ((Int128{INT64_MAX} + 1) * (kCenti * kCenti) - 1) / periods;
    return Invalid(kTicket, NameOf(kTicket, naming) + " must be at most " +
                                std::to_string(static_cast<int64_t>(max_ticket)) +
                                " fen with this frequency and lifetime: the lifetime spend would "
                                "be more than " +
                                core::FormatYuan(INT64_MAX) +
                                " yuan, the most an int64 of fen holds");
  }
  LifetimeResult r;
  r.purchases_centi = static_cast<int64_t>(periods / kCenti);
  r.spend = static_cast<core::Fen>(spend);
  return r;
}

core::Result<FissionResult> CalcFission(const FissionInput& in, Naming naming) {
  for (auto [limit, v] : {std::pair{&kReferrals, in.referrals_centi},
                          {&kLevels, in.levels},
                          {&kGenerations, in.generations},
                          {&kSeeds, in.seeds},
                          {&kConversionBps, in.conversion_bps},
                          {&kMarket, in.market}}) {
    if (auto s = CheckLimit(*limit, v, naming); !s) return s.error();
  }
  if (in.market > 0 && in.market < in.seeds) {
    return Invalid(kMarket, NameOf(kMarket, naming) + " must be 0 (no limit) or at least " +
                                NameOf(kSeeds, naming) + " (" + std::to_string(in.seeds) + ")");
  }
  FissionResult r;
  r.growth_factor = static_cast<double>(in.referrals_centi) *
                    static_cast<double>(in.conversion_bps) /
                    (static_cast<double>(kCenti) * core::kWholeBps);
  // The formula generation by generation. At most 10^6 × 10^18 before the cap is checked, so never
  // Infinity; once past the cap it stays past (a base below 1 never gets there).
  const double base =
      static_cast<double>(in.referrals_centi) / kCenti * static_cast<double>(in.levels);
  std::optional<double> naive = 1.0;
  int64_t prev = in.seeds;
  int64_t total = in.seeds;
  for (int64_t g = 1; g <= in.generations; ++g) {
    if (naive) naive = *naive * base <= kMaxNaive ? std::optional(*naive * base) : std::nullopt;
    std::optional<int64_t> invited = MulDiv(prev, in.referrals_centi, kCenti);
    std::optional<int64_t> joined =
        invited ? MulDiv(*invited, in.conversion_bps, core::kWholeBps) : std::nullopt;
    if (joined && in.market > 0) {
      // Fewer join as the market fills, and never more than are left: the total stops at it.
      const int64_t left = in.market - total;  // >= 0: seeds <= market, and it never passes
      joined = MulDiv(*joined, left, in.market);
      if (joined) joined = std::min(*joined, left);
    }
    int64_t next_total = 0;
    if (!joined || __builtin_add_overflow(total, *joined, &next_total)) {
      return Invalid(kGenerations, NameOf(kGenerations, naming) + " must be at most " +
                                       std::to_string(g - 1) + " with these inputs: generation " +
                                       std::to_string(g) + " would have more than " +
                                       std::to_string(INT64_MAX) +
                                       " people, the most an int64 count holds");
    }
    total = next_total;
    r.rows.push_back(FissionRow{g, naive, *invited, *joined, total});
    prev = *joined;
  }
  r.naive = naive;
  return r;
}

std::string NaiveText(const std::optional<double>& naive) {
  if (!naive) return "more than 10^" + std::to_string(kMaxNaiveExponent);
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", *naive);
  return text;
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
                    {"naive", NaiveJson(row.naive)},
                    {"invited", row.invited},
                    {"joined", row.joined},
                    {"total", row.total}});
  }
  return json::object{{"formula", "(referrals × levels)^N"},
                      {"naive", NaiveJson(r.naive)},
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
  if (*v > core::kWholeBps) {
    return Invalid(
        field, std::string(field) + " is a percentage, at most " + Decimal(core::kWholeBps) + "%");
  }
  return static_cast<core::Bps>(*v);
}

}  // namespace guanxi::sim
