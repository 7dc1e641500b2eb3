// Engine benchmark: orders per second, ns per order and bytes per member of the chain 2+1 plan on a
// generated 1,000,000-member network and on a single chain 100,000 deep (figures in
// docs/benchmarks.md). Networks and order streams are generated deterministically, outside the
// timed region, so every run on every standard library times the same commands.
#include "core/engine.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <memory_resource>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plan/plan_file.h"
#include "service/huge_pages.h"
#include "splitmix.h"

namespace {

using guanxi::core::Engine;
using guanxi::core::Fen;
using guanxi::core::kNone;
using guanxi::core::MemberId;
using guanxi::core::Plan;
using guanxi::core::ProductId;
using guanxi::core::RankId;

using guanxi::bench::kSeed;
using guanxi::bench::SplitMix;

// ---------------------------------------------------------------------------------------------------
// Networks

// Referrer of each member in join order; referrer[i] < i, kNone for a root.
using Referrers = std::vector<MemberId>;

// The typical social-commerce network. kRoots founders (the brand's own accounts) join first; then
// each newcomer i picks its referrer (推荐人) by one of four habits:
//   kFounderPercent   one of the founders, uniformly (live streams, the brand's official account):
//                     a few hubs with thousands of directs;
//   kAttachPercent    preferential attachment: an existing member with probability ∝ directs + 1
//                     (a uniform pick in a list holding every member once plus once per direct):
//                     the active sellers, with tens to hundreds of directs;
//   kRecentPercent    recency: one of the kRecentWindow latest members (a share still spreading in
//                     a chat group), which makes the long, thin lines of real shops;
//   the rest          uniform over everyone: the long tail of members inviting one friend.
// Most members end with 0–3 directs.
constexpr uint32_t kRoots = 8;
constexpr uint32_t kFounderPercent = 2;
constexpr uint32_t kAttachPercent = 53;
constexpr uint32_t kRecentPercent = 30;
constexpr uint32_t kRecentWindow = 1000;

Referrers TypicalNetwork(uint32_t members) {
  SplitMix rng(kSeed);
  Referrers ref(members, kNone);
  std::vector<MemberId> weighted;  // every member once, plus once per direct referral
  weighted.reserve(2 * static_cast<size_t>(members));
  const uint32_t roots = std::min(kRoots, members);
  for (MemberId i = 0; i < roots; ++i) weighted.push_back(i);
  for (MemberId i = roots; i < members; ++i) {
    const uint32_t roll = rng.Below(100);
    MemberId r;
    if (roll < kFounderPercent) {
      r = rng.Below(roots);
    } else if (roll < kFounderPercent + kAttachPercent) {
      r = weighted[rng.Below(weighted.size())];
    } else if (roll < kFounderPercent + kAttachPercent + kRecentPercent) {
      r = i - 1 - rng.Below(std::min(i, kRecentWindow));
    } else {
      r = rng.Below(i);
    }
    ref[i] = r;
    weighted.push_back(r);
    weighted.push_back(i);
  }
  return ref;
}

// One line: member i is referred by member i − 1.
Referrers DeepChain(uint32_t members) {
  Referrers ref(members, kNone);
  for (MemberId i = 1; i < members; ++i) ref[i] = i - 1;
  return ref;
}

// ---------------------------------------------------------------------------------------------------
// Order streams

struct Products {
  ProductId pkg699, id999, id1980, id5000;
};

struct Order {
  MemberId buyer;
  ProductId product;
};

// Orders on the typical network: `units` paid units of pkg699, qty 1 each, plus identity packages.
//  - kBuyPercent of members ever buy: their first purchase makes them members (placement, partner
//    upgrades, legs). First purchases come roughly in join order: member i buys at "time"
//    i + jitter, jitter uniform in [0, members / 10], so a referrer usually, not always, buys
//    before its referrals.
//  - The remaining units are repurchases spread evenly through the stream, by a member who already
//    bought: the earlier of two uniform picks, so older members repurchase more.
//  - Identity packages: among buyers with ≥ 3 directs, the members with the largest referral
//    subtrees buy id999 (top members/500), id1980 (top members/3000) and id5000 (top
//    members/20000), each at a uniform point after their first purchase. They climb to district /
//    city / province when their legs allow, which exercises the legs counters and the 极差 walk.
constexpr uint32_t kBuyPercent = 70;

struct TypicalOrders {
  std::vector<Order> orders;
  uint32_t first_purchases = 0;
  uint32_t repurchases = 0;
  uint32_t identity = 0;
};

TypicalOrders MakeTypicalOrders(const Referrers& ref, uint32_t units, const Products& p) {
  SplitMix rng(kSeed ^ 0x6f7264657273);  // "orders"
  const uint32_t n = static_cast<uint32_t>(ref.size());

  std::vector<std::pair<uint64_t, MemberId>> first;  // (time, buyer)
  for (MemberId i = 0; i < n; ++i) {
    if (rng.Percent(kBuyPercent)) first.emplace_back(uint64_t{i} + rng.Below(n / 10 + 1), i);
  }
  std::sort(first.begin(), first.end());
  if (first.size() > units) first.resize(units);

  TypicalOrders out;
  out.first_purchases = static_cast<uint32_t>(first.size());
  out.repurchases = units - out.first_purchases;
  std::vector<uint32_t> first_at(n, kNone);  // index in the pkg699 stream of i's first purchase
  std::vector<MemberId> bought;
  bought.reserve(first.size());
  std::vector<Order> main;
  main.reserve(units);
  uint32_t left_first = out.first_purchases;
  uint32_t left_re = out.repurchases;
  size_t next_first = 0;
  while (left_first + left_re > 0) {
    const bool re = left_re > 0 && (left_first == 0 ||
                                    (!bought.empty() && rng.Below(left_first + left_re) < left_re));
    if (re) {
      const uint32_t a = rng.Below(bought.size());
      const uint32_t b = rng.Below(bought.size());
      main.push_back({bought[std::min(a, b)], p.pkg699});
      --left_re;
    } else {
      const MemberId m = first[next_first++].second;
      first_at[m] = static_cast<uint32_t>(main.size());
      bought.push_back(m);
      main.push_back({m, p.pkg699});
      --left_first;
    }
  }

  // Identity packages go to the buyers with the biggest subtrees (and at least three legs).
  std::vector<uint32_t> subtree(n, 1), directs(n, 0);
  for (MemberId i = n; i-- > 0;) {
    if (ref[i] != kNone) {
      subtree[ref[i]] += subtree[i];
      ++directs[ref[i]];
    }
  }
  std::vector<MemberId> candidates;
  for (MemberId i = 0; i < n; ++i) {
    if (first_at[i] != kNone && directs[i] >= 3) candidates.push_back(i);
  }
  std::sort(candidates.begin(), candidates.end(), [&](MemberId a, MemberId b) {
    return subtree[a] != subtree[b] ? subtree[a] > subtree[b] : a < b;
  });
  const size_t k999 = std::max<size_t>(1, n / 500);
  const size_t k1980 = std::max<size_t>(1, n / 3000);
  const size_t k5000 = std::max<size_t>(1, n / 20000);
  std::vector<std::pair<uint32_t, Order>> extra;  // (after pkg699 order #, order)
  const auto schedule = [&](MemberId m, ProductId product) {
    const uint32_t from = first_at[m];
    extra.push_back({from + rng.Below(static_cast<uint32_t>(main.size()) - from), {m, product}});
  };
  for (size_t j = 0; j < candidates.size() && j < k999; ++j) {
    schedule(candidates[j], p.id999);
    if (j < k1980) schedule(candidates[j], p.id1980);
    if (j < k5000) schedule(candidates[j], p.id5000);
  }
  std::stable_sort(extra.begin(), extra.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out.identity = static_cast<uint32_t>(extra.size());

  out.orders.reserve(main.size() + extra.size());
  size_t e = 0;
  for (uint32_t i = 0; i < main.size(); ++i) {
    out.orders.push_back(main[i]);
    for (; e < extra.size() && extra[e].first == i; ++e) out.orders.push_back(extra[e].second);
  }
  return out;
}

// Orders on the deep chain: `units` units of pkg699 by buyers uniform over the chain, or uniform
// over its deepest 1% (the worst case for anything that walks up the tree).
enum class DeepBuyers { kUniform, kDeepest };

std::vector<Order> MakeDeepOrders(uint32_t members, uint32_t units, DeepBuyers who,
                                  const Products& p) {
  SplitMix rng(kSeed ^ 0x64656570);  // "deep"
  const uint32_t deepest = std::max<uint32_t>(1, members / 100);
  std::vector<Order> orders;
  orders.reserve(units);
  for (uint32_t i = 0; i < units; ++i) {
    const MemberId b =
        who == DeepBuyers::kUniform ? rng.Below(members) : members - 1 - rng.Below(deepest);
    orders.push_back({b, p.pkg699});
  }
  return orders;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

const Plan& ChainPlan() {
  static const Plan plan = [] {
    auto loaded =
        guanxi::plan::LoadPlanFile(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml");
    if (!loaded) {
      std::fprintf(stderr, "cannot load the plan: %s\n", loaded.error().message.c_str());
      std::abort();
    }
    return *loaded;
  }();
  return plan;
}

Products FindProducts(const Engine& engine) {
  const auto id = [&](const char* sku) {
    const std::optional<ProductId> p = engine.FindProduct(sku);
    if (!p) {
      std::fprintf(stderr, "the plan has no product %s\n", sku);
      std::abort();
    }
    return *p;
  };
  return Products{id("pkg699"), id("id999"), id("id1980"), id("id5000")};
}

// Joins every member; false if the engine refused one.
bool JoinAll(Engine& engine, const Referrers& ref) {
  for (MemberId r : ref) {
    if (!engine.Join(r, nullptr).ok()) return false;
  }
  return true;
}

// Peak resident set of the process (VmHWM), in bytes; 0 if unknown. ResetPeakRss() makes the next
// reading the peak since then (Linux ≥ 4.0), so each benchmark reports its own peak.
void ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

double PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      status >> kb;
      return kb * 1024;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

struct DepthProfile {
  std::vector<uint32_t> per_depth;
  uint32_t max_depth = 0;
  double mean_depth = 0;
  uint32_t max_directs = 0;
};

DepthProfile Profile(const Engine& engine) {
  DepthProfile d;
  double sum = 0;
  for (MemberId m = 0; m < engine.member_count(); ++m) {
    const uint32_t depth = engine.depth(m);
    if (depth >= d.per_depth.size()) d.per_depth.resize(depth + 1, 0);
    ++d.per_depth[depth];
    sum += depth;
    d.max_directs = std::max(d.max_directs, engine.team(m).directs);
  }
  d.max_depth = static_cast<uint32_t>(d.per_depth.size()) - 1;
  d.mean_depth = engine.member_count() == 0 ? 0 : sum / engine.member_count();
  return d;
}

// Printed once per network (to stderr, before timing): the shape the figures were measured on.
void PrintProfile(const std::string& name, const Engine& engine, const DepthProfile& d) {
  static std::set<std::string> printed;
  if (!printed.insert(name).second) return;
  std::fprintf(stderr, "\n== %s: %u members, %u roots, depth max %u mean %.2f, directs max %u\n",
               name.c_str(), engine.member_count(), d.per_depth[0], d.max_depth, d.mean_depth,
               d.max_directs);
  const uint32_t width = d.per_depth.size() <= 64 ? 1 : (d.max_depth + 1 + 19) / 20;
  std::fprintf(stderr, "   members per depth%s:\n", width == 1 ? "" : " (ranges)");
  for (uint32_t lo = 0; lo <= d.max_depth; lo += width) {
    const uint32_t hi = std::min(d.max_depth, lo + width - 1);
    uint64_t count = 0;
    for (uint32_t k = lo; k <= hi; ++k) count += d.per_depth[k];
    if (width == 1) {
      std::fprintf(stderr, "   %6u %9llu\n", lo, static_cast<unsigned long long>(count));
    } else {
      std::fprintf(stderr, "   %6u-%-6u %9llu\n", lo, hi, static_cast<unsigned long long>(count));
    }
  }
  constexpr uint32_t kBounds[] = {0, 1, 2, 3, 4, 10, 100, 1000, UINT32_MAX};
  std::vector<uint64_t> buckets(std::size(kBounds) - 1, 0);
  for (MemberId m = 0; m < engine.member_count(); ++m) {
    const uint32_t k = engine.team(m).directs;
    for (size_t b = 0; b + 1 < std::size(kBounds); ++b) {
      if (k >= kBounds[b] && k < kBounds[b + 1]) ++buckets[b];
    }
  }
  std::fprintf(
      stderr,
      "   members by directs: 0:%llu 1:%llu 2:%llu 3:%llu 4-9:%llu 10-99:%llu "
      "100-999:%llu 1000+:%llu\n",
      static_cast<unsigned long long>(buckets[0]), static_cast<unsigned long long>(buckets[1]),
      static_cast<unsigned long long>(buckets[2]), static_cast<unsigned long long>(buckets[3]),
      static_cast<unsigned long long>(buckets[4]), static_cast<unsigned long long>(buckets[5]),
      static_cast<unsigned long long>(buckets[6]), static_cast<unsigned long long>(buckets[7]));
}

// After the run, once per benchmark: where the orders left the network.
void PrintOutcome(const std::string& name, const Engine& engine) {
  static std::set<std::string> printed;
  if (!printed.insert(name).second) return;
  std::fprintf(stderr, "   after %s: %u orders; ranks", name.c_str(), engine.order_count());
  for (RankId r = 0; r < engine.plan().ranks.size(); ++r) {
    std::fprintf(stderr, " %s:%u", engine.plan().ranks[r].name.c_str(), engine.rank_count(r));
  }
  uint32_t unlocked = 0;
  for (MemberId m = 0; m < engine.member_count(); ++m) unlocked += engine.fund_locked(m) ? 0u : 1u;
  const Fen kept = engine.ledger().platform(guanxi::core::PlatformAccount::kRevenue);
  const Fen paid = -engine.ledger().platform(guanxi::core::PlatformAccount::kBuyers);
  std::fprintf(stderr, "; funds unlocked %u; platform kept %.1f%% of %lld fen\n", unlocked,
               paid == 0 ? 0.0 : 100.0 * static_cast<double>(kept) / static_cast<double>(paid),
               static_cast<long long>(paid));
}

// ---------------------------------------------------------------------------------------------------
// Benchmarks

// Google Benchmark exits 0 after SkipWithError; main() returns 1 instead, so the smoke test fails
// when the engine refuses a command or the ledger does not sum to zero.
bool g_failed = false;

void Fail(benchmark::State& state, const char* why) {
  g_failed = true;
  std::fprintf(stderr, "FAILED: %s\n", why);
  state.SkipWithError(why);
}

enum class Shape { kTypical, kDeepUniform, kDeepDeepest };

struct Case {
  std::string name;
  Shape shape;
  uint32_t members;
  uint32_t units;    // pkg699 units
  bool fund = true;  // false: the plan without its assistance fund, to show what the fund costs
  // true: Engine::Reserve(members, orders) before the joins, as a start-up rebuild would; false:
  // the arrays grow as in a shop that keeps taking members and orders.
  bool reserve = false;
  // true: the loop calls Engine::Prefetch(next order's buyer) before each PayOrder, as a service
  // that knows its next queued command may.
  bool hint = false;
  // true: the engine's arrays come from service::HugePages() (2 MiB transparent huge pages), as in
  // `guanxi serve` with huge_pages = true; false: from new/delete, on 4 KiB pages (serve's default).
  bool huge = false;
};

// A network built outside the timed region, with its order stream.
struct Prepared {
  std::unique_ptr<Engine> engine;
  std::vector<Order> orders;
  DepthProfile profile;
  std::string note;
};

std::optional<Prepared> Prepare(const Case& c) {
  Prepared p;
  Plan plan = ChainPlan();
  plan.fund.enabled = c.fund;
  p.engine = std::make_unique<Engine>(std::move(plan),
                                      c.huge ? guanxi::service::HugePages() : std::pmr::new_delete_resource());
  const Products products = FindProducts(*p.engine);
  const bool typical = c.shape == Shape::kTypical;
  const Referrers ref = typical ? TypicalNetwork(c.members) : DeepChain(c.members);
  if (typical) {
    TypicalOrders t = MakeTypicalOrders(ref, c.units, products);
    p.note = std::to_string(t.first_purchases) + " first purchases, " +
             std::to_string(t.repurchases) + " repurchases, " + std::to_string(t.identity) +
             " identity packages";
    p.orders = std::move(t.orders);
  } else {
    const DeepBuyers who =
        c.shape == Shape::kDeepUniform ? DeepBuyers::kUniform : DeepBuyers::kDeepest;
    p.orders = MakeDeepOrders(c.members, c.units, who, products);
    p.note = who == DeepBuyers::kUniform ? "buyers uniform over the chain"
                                         : "buyers uniform over the deepest 1%";
  }
  if (c.reserve) {
    p.engine->Reserve(c.members, static_cast<uint32_t>(p.orders.size()));
    p.note += ", Engine::Reserve";
  }
  if (!JoinAll(*p.engine, ref)) return std::nullopt;
  if (!typical) {
    // The top of the chain is a province dealer (set by an admin), so every order pays the team
    // point and the 极差 to the member 100,000 levels up: the engine must not walk there.
    const auto province = p.engine->plan().FindRank("province");
    if (!province || !p.engine->SetRank(0, *province, nullptr).ok()) return std::nullopt;
  }
  p.profile = Profile(*p.engine);
  return p;
}

void BM_PayOrders(benchmark::State& state, const Case& c) {
  double orders = 0, ns = 0, cpu_ns = 0, bytes_per_member = 0, peak_rss = 0;
  DepthProfile profile;
  for (auto _ : state) {
    state.PauseTiming();
    ResetPeakRss();
    std::optional<Prepared> p = Prepare(c);
    if (!p) {
      Fail(state, "the engine refused a join or set_rank while building the network");
      break;
    }
    PrintProfile(c.name.substr(0, c.name.find("/PayOrder")), *p->engine, p->profile);
    std::fprintf(stderr, "   %s: %zu orders (%s)\n", c.name.c_str(), p->orders.size(),
                 p->note.c_str());
    Engine& engine = *p->engine;
    uint32_t refused = 0;
    state.ResumeTiming();

    const std::clock_t cpu_start = std::clock();
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Order>& stream = p->orders;
    for (size_t i = 0; i < stream.size(); ++i) {
      if (c.hint && i + 1 < stream.size()) engine.Prefetch(stream[i + 1].buyer);
      if (!engine.PayOrder(stream[i].buyer, stream[i].product, 1, std::nullopt, nullptr).ok()) ++refused;
    }
    const auto stop = std::chrono::steady_clock::now();
    const std::clock_t cpu_stop = std::clock();

    state.PauseTiming();
    peak_rss = std::max(peak_rss, PeakRssBytes());
    if (refused > 0) {
      Fail(state, "the engine refused an order");
      break;
    }
    if (engine.ledger().Sum() != 0) {
      Fail(state, "ledger sum is not zero after the run");
      break;
    }
    orders += static_cast<double>(p->orders.size());
    ns += static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count());
    cpu_ns += 1e9 * static_cast<double>(cpu_stop - cpu_start) / CLOCKS_PER_SEC;
    bytes_per_member = static_cast<double>(engine.MemoryBytes()) / engine.member_count();
    profile = p->profile;
    PrintOutcome(c.name, engine);
    p.reset();
    state.ResumeTiming();
  }
  if (orders == 0) return;
  state.SetItemsProcessed(static_cast<int64_t>(orders));
  state.counters["orders/s"] = benchmark::Counter(orders, benchmark::Counter::kIsRate);
  state.counters["ns/order"] = ns / orders;
  // Process CPU time of the same loop: on a shared machine it leaves out the time the process
  // waited for a core, though not what other processes do to the caches.
  state.counters["cpu_ns/order"] = cpu_ns / orders;
  state.counters["bytes/member"] = bytes_per_member;
  state.counters["peak_RSS_MB"] = peak_rss / (1024 * 1024);
  state.counters["depth_max"] = profile.max_depth;
  state.counters["depth_mean"] = profile.mean_depth;
}

void BM_Join(benchmark::State& state, const Case& c) {
  const Referrers ref =
      c.shape == Shape::kTypical ? TypicalNetwork(c.members) : DeepChain(c.members);
  double joins = 0, bytes_per_member = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::make_unique<Engine>(ChainPlan());
    if (c.reserve) engine->Reserve(c.members, 0);
    state.ResumeTiming();
    const bool ok = JoinAll(*engine, ref);
    state.PauseTiming();
    if (!ok) {
      Fail(state, "the engine refused a join");
      break;
    }
    joins += engine->member_count();
    bytes_per_member = static_cast<double>(engine->MemoryBytes()) / engine->member_count();
    engine.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(joins));
  state.counters["joins/s"] = benchmark::Counter(joins, benchmark::Counter::kIsRate);
  state.counters["bytes/member"] = bytes_per_member;
}

void Register() {
  // "Small/…" are the 10,000-member versions run by the engine_bench_smoke test.
  const Case cases[] = {
      {"Typical/PayOrder/members:1000000/units:1000000", Shape::kTypical, 1'000'000, 1'000'000},
      {"Typical/PayOrder/members:1000000/units:1000000/plan:no_fund", Shape::kTypical, 1'000'000,
       1'000'000, false},
      {"Typical/PayOrder/members:1000000/units:1000000/reserve", Shape::kTypical, 1'000'000,
       1'000'000, true, true},
      // "…/prefetch": the same orders, with Engine::Prefetch(next buyer) called one order ahead.
      {"Typical/PayOrder/members:1000000/units:1000000/prefetch", Shape::kTypical, 1'000'000,
       1'000'000, true, false, true},
      {"Typical/PayOrder/members:1000000/units:1000000/reserve/prefetch", Shape::kTypical,
       1'000'000, 1'000'000, true, true, true},
      // "…/huge_pages": the engine's arrays on 2 MiB pages (service::HugePages), `huge_pages = true` in serve.
      {"Typical/PayOrder/members:1000000/units:1000000/huge_pages", Shape::kTypical, 1'000'000,
       1'000'000, true, false, false, true},
      {"Typical/PayOrder/members:1000000/units:1000000/reserve/huge_pages", Shape::kTypical,
       1'000'000, 1'000'000, true, true, false, true},
      {"Typical/PayOrder/members:1000000/units:1000000/prefetch/huge_pages", Shape::kTypical,
       1'000'000, 1'000'000, true, false, true, true},
      {"Typical/PayOrder/members:1000000/units:1000000/reserve/prefetch/huge_pages", Shape::kTypical,
       1'000'000, 1'000'000, true, true, true, true},
      {"Deep/PayOrder/uniform/members:100000/units:1000000", Shape::kDeepUniform, 100'000,
       1'000'000},
      {"Deep/PayOrder/uniform/members:100000/units:1000000/reserve", Shape::kDeepUniform, 100'000,
       1'000'000, true, true},
      {"Deep/PayOrder/uniform/members:100000/units:1000000/prefetch", Shape::kDeepUniform, 100'000,
       1'000'000, true, false, true},
      {"Deep/PayOrder/deepest/members:100000/units:1000000", Shape::kDeepDeepest, 100'000,
       1'000'000},
      {"Deep/PayOrder/deepest/members:100000/units:1000000/prefetch", Shape::kDeepDeepest, 100'000,
       1'000'000, true, false, true},
      // "Medium/…": a 200,000-member version for profiling under callgrind (minutes, not hours).
      {"Medium/Typical/PayOrder/members:200000/units:200000/reserve", Shape::kTypical, 200'000,
       200'000, true, true},
      {"Medium/Typical/PayOrder/members:200000/units:200000/reserve/prefetch", Shape::kTypical,
       200'000, 200'000, true, true, true},
      {"Small/Typical/PayOrder/members:10000/units:10000", Shape::kTypical, 10'000, 10'000},
      {"Small/Typical/PayOrder/members:10000/units:10000/reserve", Shape::kTypical, 10'000, 10'000,
       true, true},
      {"Small/Typical/PayOrder/members:10000/units:10000/prefetch", Shape::kTypical, 10'000, 10'000,
       true, false, true},
      {"Small/Typical/PayOrder/members:10000/units:10000/reserve/prefetch/huge_pages", Shape::kTypical,
       10'000, 10'000, true, true, true, true},
      {"Small/Deep/PayOrder/uniform/members:10000/units:10000", Shape::kDeepUniform, 10'000,
       10'000},
      {"Small/Deep/PayOrder/deepest/members:10000/units:10000", Shape::kDeepDeepest, 10'000,
       10'000},
  };
  for (const Case& c : cases) {
    benchmark::RegisterBenchmark(c.name.c_str(), BM_PayOrders, c)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  const Case joins[] = {
      {"Typical/Join/members:1000000", Shape::kTypical, 1'000'000, 0},
      {"Typical/Join/members:1000000/reserve", Shape::kTypical, 1'000'000, 0, true, true},
      {"Deep/Join/members:100000", Shape::kDeepUniform, 100'000, 0},
      {"Small/Typical/Join/members:10000", Shape::kTypical, 10'000, 0},
  };
  for (const Case& c : joins) {
    benchmark::RegisterBenchmark(c.name.c_str(), BM_Join, c)
        ->Iterations(3)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return g_failed ? 1 : 0;
}
