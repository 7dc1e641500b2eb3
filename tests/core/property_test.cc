// Property tests on seeded random command streams. Whatever members and the merchant do, in
// whatever order: the ledger sums to zero after every command, a refused command changes nothing, a
// stream replays to the same output, refunding every order returns every balance, earning and pool
// to zero, no fen is created or lost per member, and ranks only rise unless an admin sets them.
//
// A stream is generated command by command from a seed (splitmix64, no <random> distributions, so a
// seed means the same stream on every standard library). The generator keeps a small model of what
// it has done (names, order states, withdrawals, money received and paid out) and reads the engine
// only to aim withdrawals at a balance and identity packages at members ready for them. About a
// quarter of the commands must be refused, each with a known error code.
//
// Beside the six properties, the checker recomputes from the stream what the specs state outright
// and the engine keeps incrementally: nobody is left below a rank whose conditions it meets
// (upgrades cascade) and nobody rises without them; 链动2+1 positions, leaders, mentors and team
// figures; when an assistance fund unlocks; and the books: every reward line, hold, claw-back and
// pool share, per member, bucket and earned category, to the fen (two-level's 10% / 5% also from
// first principles). Ranks are taken from the engine, once checked; amounts from the plan's tables.
//
// A failure names the plan, the seed and the command index, stops the stream and writes its
// accepted commands to a .jsonl file that `guanxi replay --plan …` reproduces.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/replay.h"
#include "core/engine.h"
#include "core/plan.h"
#include "plan/plan_file.h"
#include "sim/splitmix.h"

namespace guanxi::cli {
namespace {

namespace json = boost::json;
using core::Fen;

constexpr size_t kNoIndex = static_cast<size_t>(-1);

// "m12": a name made of a prefix and a number. (Built by append: at -O2, GCC 12 wrongly warns about
// `"m" + std::to_string(n)`, https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105651.)
std::string Numbered(std::string_view prefix, size_t n) {
  std::string name(prefix);
  name.append(std::to_string(n));
  return name;
}

core::Plan LoadPlan(const std::string& file) {
  const std::string path = std::string(GUANXI_SOURCE_DIR) + "/plans/" + file;
  core::Result<core::Plan> plan = plan::LoadPlanFile(path);
  EXPECT_TRUE(plan.ok()) << path << ": " << plan.error().message;
  return plan.ok() ? *plan : core::Plan{};
}

// splitmix64 (src/sim/splitmix.h): tiny, fast, and the same sequence everywhere; indices as size_t.
class Rng : public sim::SplitMix {
 public:
  using SplitMix::SplitMix;
  // REQUIRES: n > 0. The modulo bias (below n / 2^64) does not matter to a test stream.
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
};

// A set of small indices with O(1) insert, erase and uniform pick, in a deterministic order.
class IndexSet {
 public:
  void Insert(size_t i) {
    if (i >= slot_.size()) slot_.resize(i + 1, kNoIndex);
    slot_[i] = items_.size();
    items_.push_back(i);
  }
  void Erase(size_t i) {
    const size_t s = slot_[i];
    const size_t last = items_.back();
    items_[s] = last;
    slot_[last] = s;
    items_.pop_back();
    slot_[i] = kNoIndex;
  }
  bool empty() const { return items_.empty(); }
  size_t Pick(Rng& rng) const { return items_[rng.Below(items_.size())]; }

 private:
  std::vector<size_t> items_;
  std::vector<size_t> slot_;
};

// ---------------------------------------------------------------------------------------------------
// Commands and the generator's model of what they did.

enum class Op : uint8_t {
  kJoin,
  kSetRank,
  kProduct,
  kOrder,
  kRefund,
  kSettle,
  kCloseDay,
  kWithdraw,
  kWithdrawPaid,
  kWithdrawRejected,
  kRefused,  // anything that must be refused
};

const char* OpName(Op op) {
  constexpr const char* kNames[] = {
      "join",     "set_rank",      "product",           "order",  "refund", "settle", "close_day",
      "withdraw", "withdraw_paid", "withdraw_rejected", "refused"};
  return kNames[static_cast<size_t>(op)];
}

struct Command {
  std::string line;
  std::string refusal;  // the error code it must be refused with; empty: it must be accepted
  Op op = Op::kRefused;
  // What the model needs once it is accepted.
  std::string name;  // the new member, order, withdrawal or SKU
  // join: the referrer; set_rank, order, withdraw: the member; refund, settle: the order;
  // withdraw_paid, withdraw_rejected: the withdrawal.
  size_t index = kNoIndex;
  Fen amount = 0;  // order: paid; product: price; withdraw: amount
  Fen fee = 0;     // withdraw
  std::string sku;
  uint32_t qty = 0;
  core::RankId rank = 0;  // set_rank
  int kind = -1;          // a refusal: which kind (for coverage)
};

enum class OrderState : uint8_t { kPaid, kSettled, kRefunded };

struct MemberModel {
  std::string name;
  size_t referrer = kNoIndex;
  std::vector<size_t> children;  // direct referrals, in join order
  Fen withdrawing = 0;           // requested, neither paid nor rejected
  Fen paid_out = 0;              // withdrawals paid to the bank
  // Two-level oracle (spec/two-level.md): 10% and 5% of each unrefunded line, truncated to the fen.
  Fen level1 = 0;
  Fen level2 = 0;
};

struct OrderModel {
  std::string name;
  size_t buyer = 0;
  std::string sku;
  uint32_t qty = 0;
  Fen paid = 0;
  OrderState state = OrderState::kPaid;
};

struct WithdrawalModel {
  std::string id;
  size_t member = 0;
  Fen amount = 0;
  Fen fee = 0;  // kept by the platform when paid
};

struct Model {
  std::vector<MemberModel> members;
  std::vector<OrderModel> orders;
  std::vector<WithdrawalModel> withdrawals;
  std::vector<std::pair<std::string, Fen>> catalog;  // SKU → current price, in creation order
  Fen received = 0;                                  // paid by buyers, net of refunds
  Fen paid_out = 0;                                  // withdrawals paid, net of their fees
  Fen fees = 0;                                      // fees of paid withdrawals
  bool two_level = false;

  Fen Price(const std::string& sku) const {
    for (const auto& [s, price] : catalog) {
      if (s == sku) return price;
    }
    return -1;
  }
};

// What a stream is made of, in percent of commands (the rest are joins).
struct Mix {
  uint32_t set_rank = 0;
  uint32_t product = 0;
  uint32_t order = 0;
  uint32_t refund = 0;
  uint32_t settle = 0;
  uint32_t close_day = 0;
  uint32_t withdraw = 0;
  uint32_t withdraw_close = 0;
  uint32_t refused = 0;
  // Identity packages (id999 …) are bought by members one rank below the rank they lead to, and
  // referrers are picked in proportion to their directs, so districts and cities form.
  bool identity = false;
  // Most newcomers join under the newest member: chains hundreds deep, where the engine's cached
  // "nearest qualified ancestor" pointers must follow every rank an admin sets on the way.
  bool deep = false;
};

// Everything, a quarter of it refused.
constexpr Mix kEverything{.set_rank = 2,
                          .product = 1,
                          .order = 26,
                          .refund = 5,
                          .settle = 12,
                          .close_day = 3,
                          .withdraw = 6,
                          .withdraw_close = 5,
                          .refused = 24};
// Only what the refund-everything property allows before its refunds: no day closes, no withdrawal.
constexpr Mix kNoDayClosed{.set_rank = 3, .order = 45, .settle = 22};
constexpr Mix kIdentityPackages{.set_rank = 1, .order = 55, .settle = 20, .identity = true};
constexpr Mix kDeepChains{.set_rank = 6,
                          .order = 30,
                          .refund = 5,
                          .settle = 12,
                          .close_day = 2,
                          .withdraw = 4,
                          .withdraw_close = 4,
                          .refused = 5,
                          .deep = true};

constexpr int kRefusalKinds = 29;

class StreamGenerator {
 public:
  StreamGenerator(const core::Plan& plan, uint64_t seed, Mix mix)
      : plan_(plan), rng_(seed), mix_(mix) {
    model_.two_level = plan.name == "two-level";
    for (const core::Product& p : plan.products) model_.catalog.emplace_back(p.sku, p.price);
    // An identity package is bought to reach a rank that also needs legs (district, city,
    // province).
    for (size_t r = 1; r < plan.ranks.size(); ++r) {
      for (const std::string& sku : plan.ranks[r].buy_any) {
        if (plan.ranks[r].legs) identity_.emplace(sku, static_cast<core::RankId>(r - 1));
        if (!plan.ranks[r].legs) member_packages_.push_back(sku);
      }
    }
  }

  const Model& model() const { return model_; }

  Command Next(const core::Engine& engine) {
    if (model_.members.empty()) return Join();
    uint64_t roll = rng_.Below(100);
    const auto take = [&roll](uint32_t percent) {
      if (roll < percent) return true;
      roll -= percent;
      return false;
    };
    if (take(mix_.refused)) return Refused(engine);
    if (take(mix_.set_rank)) return SetRank();
    if (take(mix_.product)) return Product();
    if (take(mix_.order)) return Order(engine);
    if (take(mix_.refund) && (!paid_.empty() || !settled_.empty())) return RefundOpen();
    if (take(mix_.settle) && !paid_.empty()) return Settle(paid_.Pick(rng_));
    if (take(mix_.close_day)) return Make(Op::kCloseDay, {{"cmd", "close_day"}});
    if (take(mix_.withdraw)) {
      if (std::optional<Command> w = Withdraw(engine)) return *w;
    }
    if (take(mix_.withdraw_close) && !requested_.empty()) {
      return CloseWithdrawal(requested_.Pick(rng_));
    }
    return Join();
  }

  bool HasOpenOrders() const { return !paid_.empty() || !settled_.empty(); }
  // The refund-everything phase: a refund of an unrefunded order, settled or not.
  Command RefundOpen() {
    const bool from_paid = settled_.empty() || (!paid_.empty() && rng_.Percent(50));
    const size_t o = from_paid ? paid_.Pick(rng_) : settled_.Pick(rng_);
    Command c = Make(Op::kRefund, {{"cmd", "refund"}, {"order", model_.orders[o].name}});
    c.index = o;
    return c;
  }

  // Updates the model once the replay accepted `c`.
  void Accept(const Command& c) {
    switch (c.op) {
      case Op::kJoin:
        model_.members.emplace_back();
        model_.members.back().name = c.name;
        model_.members.back().referrer = c.index;
        if (c.index != kNoIndex) {
          model_.members[c.index].children.push_back(model_.members.size() - 1);
          referred_.push_back(c.index);
          depth_.push_back(depth_[c.index] + 1);
        } else {
          depth_.push_back(0);
        }
        if (depth_.back() > depth_[deepest_]) deepest_ = depth_.size() - 1;
        break;
      case Op::kProduct: {
        bool found = false;
        for (auto& [sku, price] : model_.catalog) {
          if (sku == c.name) {
            price = c.amount;
            found = true;
          }
        }
        if (!found) model_.catalog.emplace_back(c.name, c.amount);
        break;
      }
      case Op::kOrder: {
        const size_t o = model_.orders.size();
        model_.orders.push_back(
            OrderModel{c.name, c.index, c.sku, c.qty, c.amount, OrderState::kPaid});
        paid_.Insert(o);
        model_.received += c.amount;
        TwoLevel(c.index, c.amount, +1);
        break;
      }
      case Op::kRefund: {
        OrderModel& o = model_.orders[c.index];
        (o.state == OrderState::kPaid ? paid_ : settled_).Erase(c.index);
        o.state = OrderState::kRefunded;
        refunded_.Insert(c.index);
        model_.received -= o.paid;
        TwoLevel(o.buyer, o.paid, -1);
        break;
      }
      case Op::kSettle:
        model_.orders[c.index].state = OrderState::kSettled;
        paid_.Erase(c.index);
        settled_.Insert(c.index);
        break;
      case Op::kWithdraw:
        model_.withdrawals.push_back(WithdrawalModel{c.name, c.index, c.amount, c.fee});
        requested_.Insert(model_.withdrawals.size() - 1);
        model_.members[c.index].withdrawing += c.amount;
        break;
      case Op::kWithdrawPaid:
      case Op::kWithdrawRejected: {
        const WithdrawalModel& w = model_.withdrawals[c.index];
        MemberModel& m = model_.members[w.member];
        m.withdrawing -= w.amount;
        if (c.op == Op::kWithdrawPaid) {
          m.paid_out += w.amount;
          model_.paid_out += w.amount - w.fee;
          model_.fees += w.fee;
        }
        requested_.Erase(c.index);
        closed_.Insert(c.index);
        break;
      }
      case Op::kSetRank:
      case Op::kCloseDay:
      case Op::kRefused:
        break;
    }
  }

 private:
  static Command Make(Op op, json::object fields) {
    Command c;
    c.op = op;
    c.line = json::serialize(fields);
    return c;
  }
  static Command RefuseLine(int kind, std::string code, std::string line) {
    Command c;
    c.kind = kind;
    c.refusal = std::move(code);
    c.line = std::move(line);
    return c;
  }
  static Command Refuse(int kind, std::string code, json::object fields) {
    return RefuseLine(kind, std::move(code), json::serialize(fields));
  }

  void TwoLevel(size_t buyer, Fen paid, int sign) {
    if (!model_.two_level) return;
    const size_t r1 = model_.members[buyer].referrer;
    if (r1 == kNoIndex) return;
    model_.members[r1].level1 += sign * (paid / 10);
    const size_t r2 = model_.members[r1].referrer;
    if (r2 != kNoIndex) model_.members[r2].level2 += sign * (paid / 20);
  }

  size_t AnyMember() { return rng_.Below(model_.members.size()); }
  const std::string& MemberName(size_t m) const { return model_.members[m].name; }
  // Picks a referrer; with `identity`, mostly in proportion to directs (a referred member's
  // referrer), so some members grow the three legs district and city need.
  size_t Referrer() {
    if (mix_.deep && rng_.Percent(85)) return deepest_;
    if (!referred_.empty() && rng_.Percent(mix_.identity ? 70 : 35)) {
      return referred_[rng_.Below(referred_.size())];
    }
    return AnyMember();
  }
  std::string Unknown(const char* prefix) {
    return Numbered(std::string("ghost-") + prefix, rng_.Below(1000));
  }

  Command Join() {
    Command c;
    const std::string name = Numbered("m", next_member_++);
    json::object o{{"cmd", "join"}, {"member", name}};
    size_t referrer = kNoIndex;
    if (!model_.members.empty() && !rng_.Percent(3)) {
      referrer = Referrer();
      o["referrer"] = MemberName(referrer);
    } else if (rng_.Percent(50)) {
      o["referrer"] = nullptr;
    }
    c = Make(Op::kJoin, std::move(o));
    c.name = name;
    c.index = referrer;
    return c;
  }

  Command SetRank() {
    const size_t m = AnyMember();
    const size_t rank = rng_.Below(plan_.ranks.size());
    Command c =
        Make(Op::kSetRank,
             {{"cmd", "set_rank"}, {"member", MemberName(m)}, {"rank", plan_.ranks[rank].name}});
    c.index = m;
    c.rank = static_cast<core::RankId>(rank);
    return c;
  }

  Command Product() {
    std::string sku;
    if (model_.catalog.size() < plan_.products.size() + 4 && rng_.Percent(50)) {
      sku = Numbered("extra", model_.catalog.size());
    } else {
      sku = model_.catalog[rng_.Below(model_.catalog.size())].first;
    }
    const Fen price = static_cast<Fen>(rng_.Below(200'000));
    Command c = Make(Op::kProduct, {{"cmd", "product"}, {"sku", sku}, {"price", price}});
    c.name = sku;
    c.amount = price;
    return c;
  }

  std::string PickSku() {
    // Weights: a package that makes members 8, an identity package 1 (5 with mix_.identity),
    // others 2.
    std::vector<size_t> weights;
    size_t total = 0;
    for (const auto& [sku, price] : model_.catalog) {
      const bool member_package = std::find(member_packages_.begin(), member_packages_.end(),
                                            sku) != member_packages_.end();
      size_t w = member_package ? 8 : 2;
      if (identity_.count(sku) != 0) w = mix_.identity ? 5 : 1;
      weights.push_back(w);
      total += w;
    }
    size_t roll = rng_.Below(total);
    for (size_t i = 0; i < weights.size(); ++i) {
      if (roll < weights[i]) return model_.catalog[i].first;
      roll -= weights[i];
    }
    return model_.catalog.back().first;
  }

  Command Order(const core::Engine& engine) {
    const std::string sku = PickSku();
    size_t buyer = AnyMember();
    if (auto it = identity_.find(sku); mix_.identity && it != identity_.end()) {
      // Members ready for this package: the engine's ranks, read (ids are join order).
      std::vector<size_t> ready;
      for (size_t m = 0; m < model_.members.size(); ++m) {
        if (engine.rank(static_cast<core::MemberId>(m)) >= it->second) ready.push_back(m);
      }
      if (!ready.empty()) buyer = ready[rng_.Below(ready.size())];
    }
    const Fen catalog_price = model_.Price(sku);
    // Mostly one unit; now and then a wholesale line of up to 1,000,000 (the largest quantity
    // allowed), so that amounts reach 10^11 fen and any 32-bit counter would show.
    const size_t qty_roll = rng_.Below(100);
    const uint32_t qty = qty_roll < 80   ? 1u
                         : qty_roll < 99 ? static_cast<uint32_t>(2 + rng_.Below(2))
                                         : static_cast<uint32_t>(1 + rng_.Below(1'000'000));
    const std::string name = Numbered("o", next_order_++);
    json::object o{{"cmd", "order"}, {"order", name}, {"member", MemberName(buyer)}, {"sku", sku}};
    if (qty != 1 || rng_.Percent(50)) o["qty"] = qty;
    Fen unit = catalog_price;
    const size_t price_roll = rng_.Below(100);
    if (price_roll < 15) {
      unit = catalog_price * static_cast<Fen>(50 + rng_.Below(51)) / 100;  // a member price
    } else if (price_roll < 19) {
      unit = static_cast<Fen>(1 + rng_.Below(99'999));  // odd amounts: shares truncate
    } else if (price_roll < 20) {
      unit = 0;
    }
    if (unit != catalog_price || rng_.Percent(10)) o["price"] = unit;
    Command c = Make(Op::kOrder, std::move(o));
    c.name = name;
    c.index = buyer;
    c.amount = unit * qty;
    c.sku = sku;
    c.qty = qty;
    return c;
  }

  Command Settle(size_t o) {
    Command c = Make(Op::kSettle, {{"cmd", "settle"}, {"order", model_.orders[o].name}});
    c.index = o;
    return c;
  }

  std::optional<Command> Withdraw(const core::Engine& engine) {
    std::vector<size_t> funded;
    for (size_t m = 0; m < model_.members.size(); ++m) {
      if (engine.balances(static_cast<core::MemberId>(m)).available > 0) funded.push_back(m);
    }
    if (funded.empty()) return std::nullopt;
    const size_t m = funded[rng_.Below(funded.size())];
    const Fen available = engine.balances(static_cast<core::MemberId>(m)).available;
    const Fen amount = rng_.Percent(20)
                           ? available
                           : 1 + static_cast<Fen>(rng_.Below(static_cast<size_t>(available)));
    // Half the withdrawals carry a fee (below the amount), which the platform keeps when it is paid.
    const Fen fee = amount > 1 && rng_.Percent(50) ? static_cast<Fen>(rng_.Below(static_cast<size_t>(std::min<Fen>(amount, 500)))) : 0;
    const std::string id = Numbered("w", next_withdrawal_++);
    Command c = Make(Op::kWithdraw, {{"cmd", "withdraw"}, {"id", id}, {"member", MemberName(m)}, {"amount", amount}, {"fee", fee}});
    c.name = id;
    c.index = m;
    c.amount = amount;
    c.fee = fee;
    return c;
  }

  Command CloseWithdrawal(size_t w) {
    const bool paid = rng_.Percent(70);
    Command c = Make(
        paid ? Op::kWithdrawPaid : Op::kWithdrawRejected,
        {{"cmd", paid ? "withdraw_paid" : "withdraw_rejected"}, {"id", model_.withdrawals[w].id}});
    c.index = w;
    return c;
  }

  // A command the engine or the replay must refuse, with the code it must give.
  Command Refused(const core::Engine& engine) {
    for (;;) {
      const int kind = static_cast<int>(rng_.Below(kRefusalKinds));
      if (std::optional<Command> c = RefusedOfKind(kind, engine)) {
        c->kind = kind;
        return *c;
      }
    }
  }

  std::optional<Command> RefusedOfKind(int kind, const core::Engine& engine) {
    const std::string member = MemberName(AnyMember());
    const std::string fresh_member = Numbered("m", next_member_);
    const std::string fresh_order = Numbered("o", next_order_);
    const std::string fresh_withdrawal = Numbered("w", next_withdrawal_);
    const std::string sku = model_.catalog[rng_.Below(model_.catalog.size())].first;
    switch (kind) {
      case 0:
        return Refuse(kind, "duplicate_member",
                      {{"cmd", "join"}, {"member", member}, {"referrer", nullptr}});
      case 1:
        return Refuse(kind, "unknown_member",
                      {{"cmd", "join"}, {"member", fresh_member}, {"referrer", Unknown("m")}});
      case 2:
        return Refuse(kind, "self_referral",
                      {{"cmd", "join"}, {"member", fresh_member}, {"referrer", fresh_member}});
      case 3:
        return Refuse(
            kind, "unknown_member",
            {{"cmd", "set_rank"}, {"member", Unknown("m")}, {"rank", plan_.ranks[0].name}});
      case 4:
        return Refuse(kind, "unknown_rank",
                      {{"cmd", "set_rank"}, {"member", member}, {"rank", "emperor"}});
      case 5:
        return Refuse(
            kind, "invalid_price",
            {{"cmd", "product"}, {"sku", sku}, {"price", -1 - static_cast<Fen>(rng_.Below(100))}});
      case 6:
        if (model_.orders.empty()) return std::nullopt;
        return Refuse(kind, "duplicate_order",
                      {{"cmd", "order"},
                       {"order", model_.orders[rng_.Below(model_.orders.size())].name},
                       {"member", member},
                       {"sku", sku}});
      case 7:
        return Refuse(
            kind, "unknown_member",
            {{"cmd", "order"}, {"order", fresh_order}, {"member", Unknown("m")}, {"sku", sku}});
      case 8:
        return Refuse(kind, "unknown_product",
                      {{"cmd", "order"},
                       {"order", fresh_order},
                       {"member", member},
                       {"sku", Unknown("sku")}});
      case 9:
        return Refuse(kind, "invalid_qty",
                      {{"cmd", "order"},
                       {"order", fresh_order},
                       {"member", member},
                       {"sku", sku},
                       {"qty", 0}});
      case 10:
        return Refuse(kind, "invalid_price",
                      {{"cmd", "order"},
                       {"order", fresh_order},
                       {"member", member},
                       {"sku", sku},
                       {"price", -1}});
      case 11:
        return Refuse(kind, "unknown_order", {{"cmd", "refund"}, {"order", Unknown("o")}});
      case 12:  // refund twice
        if (refunded_.empty()) return std::nullopt;
        return Refuse(kind, "order_refunded",
                      {{"cmd", "refund"}, {"order", model_.orders[refunded_.Pick(rng_)].name}});
      case 13:  // settle a refunded order
        if (refunded_.empty()) return std::nullopt;
        return Refuse(kind, "order_refunded",
                      {{"cmd", "settle"}, {"order", model_.orders[refunded_.Pick(rng_)].name}});
      case 14:  // settle twice
        if (settled_.empty()) return std::nullopt;
        return Refuse(kind, "order_settled",
                      {{"cmd", "settle"}, {"order", model_.orders[settled_.Pick(rng_)].name}});
      case 15: {  // more than available (a negative available refuses any amount)
        const size_t m = AnyMember();
        const Fen available = engine.balances(static_cast<core::MemberId>(m)).available;
        const Fen amount = std::max<Fen>(available, 0) + 1 + static_cast<Fen>(rng_.Below(1000));
        return Refuse(kind, "insufficient_balance",
                      {{"cmd", "withdraw"},
                       {"id", fresh_withdrawal},
                       {"member", MemberName(m)},
                       {"amount", amount}});
      }
      case 16:
        return Refuse(kind, "invalid_amount",
                      {{"cmd", "withdraw"},
                       {"id", fresh_withdrawal},
                       {"member", member},
                       {"amount", -static_cast<Fen>(rng_.Below(2))}});
      case 17:
        return Refuse(kind, "unknown_member",
                      {{"cmd", "withdraw"},
                       {"id", fresh_withdrawal},
                       {"member", Unknown("m")},
                       {"amount", 1}});
      case 18:
        if (model_.withdrawals.empty()) return std::nullopt;
        return Refuse(kind, "duplicate_withdrawal",
                      {{"cmd", "withdraw"},
                       {"id", model_.withdrawals[rng_.Below(model_.withdrawals.size())].id},
                       {"member", member},
                       {"amount", 1}});
      case 19:
      case 20:
        if (closed_.empty()) return std::nullopt;
        return Refuse(kind, "withdrawal_closed",
                      {{"cmd", kind == 19 ? "withdraw_paid" : "withdraw_rejected"},
                       {"id", model_.withdrawals[closed_.Pick(rng_)].id}});
      case 21:
        return Refuse(kind, "unknown_withdrawal", {{"cmd", "withdraw_paid"}, {"id", Unknown("w")}});
      case 22:
        return Refuse(kind, "malformed",
                      {{"cmd", "join"}, {"member", fresh_member}, {"referer", member}});
      case 23:  // money is integer fen
        return RefuseLine(kind, "malformed",
                          R"({"cmd":"withdraw","id":")" + fresh_withdrawal + R"(","member":")" +
                              member + R"(","amount":10.5})");
      case 24:
        return RefuseLine(kind, "malformed", R"({"cmd":"order","order":)");
      case 25:
        return Refuse(kind, "unknown_command", {{"cmd", "teleport"}, {"member", member}});
      case 26:
        return Refuse(kind, "malformed", {{"cmd", "settle"}});
      case 27:  // the line's amount is over 10^14 fen
        return Refuse(kind, "invalid_price",
                      {{"cmd", "order"},
                       {"order", fresh_order},
                       {"member", member},
                       {"sku", sku},
                       {"qty", 2},
                       {"price", Fen{100'000'000'000'000}}});
      case 28: {  // a fee that leaves the member nothing
        const Fen amount = 1 + static_cast<Fen>(rng_.Below(100));
        return Refuse(kind, "invalid_fee",
                      {{"cmd", "withdraw"},
                       {"id", fresh_withdrawal},
                       {"member", member},
                       {"amount", amount},
                       {"fee", amount + static_cast<Fen>(rng_.Below(2))}});
      }
      default:
        return std::nullopt;
    }
  }

  const core::Plan& plan_;
  Rng rng_;
  Mix mix_;
  Model model_;
  std::map<std::string, core::RankId> identity_;  // SKU → the rank its buyer should hold
  std::vector<std::string> member_packages_;
  std::vector<size_t> referred_;  // the referrer of every referred member: a pick ∝ directs
  std::vector<size_t> depth_;     // per member
  size_t deepest_ = 0;
  IndexSet paid_, settled_, refunded_, requested_, closed_;
  size_t next_member_ = 0;
  size_t next_order_ = 0;
  size_t next_withdrawal_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// The checker: every property after every command.

std::string Serialized(const Replay& replay) { return json::serialize(replay.Output(true)); }

// The network facts refunds must not change (spec: "Refunds never change ranks or teams").
struct Network {
  std::vector<uint32_t> facts;
  static Network Of(const core::Engine& e) {
    Network n;
    for (core::MemberId m = 0; m < e.member_count(); ++m) {
      n.facts.insert(n.facts.end(), {e.rank(m), e.leader(m), e.mentor(m), e.position(m),
                                     e.team(m).size, e.fund_locked(m) ? 1u : 0u});
    }
    return n;
  }
};

struct Coverage {
  std::array<size_t, kRefusalKinds> refusals{};
  std::map<Op, size_t> accepted;
  size_t output_comparisons = 0;
  size_t negative_available = 0;  // commands after which some member's available was below zero
  size_t negative_pool = 0;       // commands after which a pool had paid out more than it kept
  size_t pool_payouts = 0;        // fen paid from pools (earned "pool")
  size_t fund_unlocks = 0;
  std::vector<size_t> rank_reached;  // members that reached each rank (by the end of their stream)
  std::vector<size_t> upgrades;      // automatic upgrades to each rank (not set by an admin)
  uint32_t max_depth = 0;
  Fen differential = 0;  // earned "differential" at the end of the streams
};

// A fingerprint of every balance, earning, rank, team figure, pool, platform account, order status
// and price: what a refused command must leave as it was. (A hash rather than a copy: this runs
// before and after every refused command.)
class Fingerprint {
 public:
  static uint64_t Of(const core::Engine& e) {
    Fingerprint f;
    const size_t earned_count = e.plan().earned.size();
    for (core::MemberId m = 0; m < e.member_count(); ++m) {
      const core::Balances b = e.balances(m);
      const core::TeamSummary t = e.team(m);
      f.Mix(b.pending)
          .Mix(b.available)
          .Mix(b.frozen)
          .Mix(b.withdrawing)
          .Mix(e.rank(m))
          .Mix(t.units);
      f.Mix(t.amount).Mix(t.size).Mix(e.fund_locked(m)).Mix(e.mentor(m)).Mix(e.position(m));
      for (size_t k = 0; k < earned_count; ++k) f.Mix(e.earned(m, static_cast<core::EarnedId>(k)));
    }
    for (uint32_t p = 0; p < e.ledger().pool_count(); ++p) f.Mix(e.ledger().pool(p));
    f.Mix(e.ledger().platform(core::PlatformAccount::kBuyers))
        .Mix(e.ledger().platform(core::PlatformAccount::kRevenue));
    f.Mix(e.ledger().platform(core::PlatformAccount::kPayouts))
        .Mix(e.member_count())
        .Mix(e.order_count());
    f.Mix(e.product_count()).Mix(e.day());
    for (core::OrderId o = 0; o < e.order_count(); ++o) {
      f.Mix(static_cast<int64_t>(e.order(o).status));
    }
    for (core::ProductId p = 0; p < e.product_count(); ++p) f.Mix(e.product(p).price);
    return f.hash_;
  }

  // What refunds must not change: ranks, mentors, positions, team sizes, funds. (Leaders too, but
  // the placement model checks those after every command.)
  static uint64_t OfNetwork(const core::Engine& e) {
    Fingerprint f;
    for (core::MemberId m = 0; m < e.member_count(); ++m) {
      f.Mix(e.rank(m))
          .Mix(e.mentor(m))
          .Mix(e.position(m))
          .Mix(e.team(m).size)
          .Mix(e.fund_locked(m));
    }
    return f.hash_;
  }

 private:
  Fingerprint& Mix(int64_t v) {
    hash_ = (hash_ ^ static_cast<uint64_t>(v)) * 0x100000001B3ull;  // FNV-1a, a word at a time
    hash_ ^= hash_ >> 29;
    return *this;
  }
  uint64_t hash_ = 0xCBF29CE484222325ull;
};

// Failures recorded so far in the running test: a stream stops at its first one, whatever came
// before.
int FailureCount() {
  const ::testing::TestResult* result =
      ::testing::UnitTest::GetInstance()->current_test_info()->result();
  int failures = 0;
  for (int i = 0; i < result->total_part_count(); ++i) {
    failures += result->GetTestPartResult(i).failed() ? 1 : 0;
  }
  return failures;
}

class Checker {
 public:
  Checker(const core::Plan& plan, Coverage* coverage) : plan_(plan), coverage_(coverage) {
    level1_ = plan.FindEarned("level1");
    level2_ = plan.FindEarned("level2");
    pool_ = plan.FindEarned("pool");
    // Units are counted per SKU a rank condition or the fund names (a slot each).
    rank_slots_.resize(plan.ranks.size());
    for (size_t r = 0; r < plan.ranks.size(); ++r) {
      automatic_.push_back(plan.ranks[r].automatic());
      for (const std::string& sku : plan.ranks[r].buy_any) rank_slots_[r].push_back(SlotOf(sku));
    }
    for (const std::string& sku : plan.fund.unit_skus) fund_slots_.push_back(SlotOf(sku));
  }

  // Applies `c` as command `index` and checks every property. Returns false once a check failed.
  // With `compare_output`, also compares the whole output document (effects included) before and
  // after.
  bool Apply(Replay& replay, StreamGenerator& gen, const Command& c, size_t index,
             bool compare_output, bool* accepted_out) {
    const int failures_before = FailureCount();
    const core::Engine& engine = replay.engine();
    std::string output_before;
    if (compare_output) output_before = Serialized(replay);
    std::optional<uint64_t> state_before;
    if (!c.refusal.empty()) state_before = Fingerprint::Of(engine);
    std::optional<uint64_t> network_before;
    if (c.op == Op::kRefund) network_before = Fingerprint::OfNetwork(engine);

    const core::Status s = replay.Apply(c.line, index + 1);
    const bool accepted = s.ok();
    *accepted_out = accepted;
    if (c.refusal.empty() && !accepted) {
      ADD_FAILURE() << Where(index, c) << "refused: " << s.error().code << ": "
                    << s.error().message;
    } else if (!c.refusal.empty() && accepted) {
      ADD_FAILURE() << Where(index, c) << "accepted, but must be refused with " << c.refusal;
    } else if (!c.refusal.empty() && s.error().code != c.refusal) {
      ADD_FAILURE() << Where(index, c) << "refused with " << s.error().code << " ("
                    << s.error().message << "), expected " << c.refusal;
    }
    if (accepted) {
      gen.Accept(c);
      ++coverage_->accepted[c.op];
    } else if (c.kind >= 0) {
      ++coverage_->refusals[static_cast<size_t>(c.kind)];
    }
    if (engine.member_count() != gen.model().members.size()) {
      ADD_FAILURE() << Where(index, c) << "the engine has " << engine.member_count()
                    << " members, the stream " << gen.model().members.size();
      return false;
    }

    // 1. The ledger sums to zero.
    const Fen sum = engine.ledger().Sum();
    if (sum != 0) ADD_FAILURE() << Where(index, c) << "ledger sum " << sum;

    // 2. A refused command changes nothing.
    if (!accepted && state_before && Fingerprint::Of(engine) != *state_before) {
      ADD_FAILURE() << Where(index, c) << "a refused command changed the engine's state";
    }
    if (compare_output) {
      ++coverage_->output_comparisons;
      const std::string output_after = Serialized(replay);
      if (output_before != output_after) {
        ADD_FAILURE() << Where(index, c)
                      << "a refused command changed the output\nbefore: " << output_before
                      << "\nafter:  " << output_after;
      }
    }
    // Refunds never change ranks or teams.
    if (network_before && accepted && Fingerprint::OfNetwork(engine) != *network_before) {
      ADD_FAILURE() << Where(index, c)
                    << "a refund changed a rank, leader, mentor, position, team size or fund";
    }
    // The network rules and the books model, then 5 and 6 (CheckBooks moves the rank floors on).
    CheckNetwork(engine, gen.model(), c, index, accepted);
    CheckBooks(engine, gen.model(), c, index, accepted);
    return FailureCount() == failures_before;
  }

  static std::string Where(size_t index, const Command& c) {
    return Numbered("command ", index)
        .append(" (line ")
        .append(std::to_string(index + 1))
        .append("): ")
        .append(c.line)
        .append("\n  ");
  }

  void Finish(const core::Engine& engine) {
    coverage_->rank_reached.resize(plan_.ranks.size());
    const std::optional<core::EarnedId> differential = plan_.FindEarned("differential");
    for (core::MemberId m = 0; m < engine.member_count(); ++m) {
      coverage_->max_depth = std::max(coverage_->max_depth, engine.depth(m));
      if (differential) coverage_->differential += engine.earned(m, *differential);
      for (size_t r = 1; r <= engine.rank(m); ++r) ++coverage_->rank_reached[r];
      if (pool_) {
        coverage_->pool_payouts += static_cast<size_t>(std::max<Fen>(engine.earned(m, *pool_), 0));
      }
      if (plan_.fund.enabled && !engine.fund_locked(m)) ++coverage_->fund_unlocks;
    }
  }

 private:
  size_t SlotOf(const std::string& sku) {
    auto it = std::find(slot_skus_.begin(), slot_skus_.end(), sku);
    if (it != slot_skus_.end()) return static_cast<size_t>(it - slot_skus_.begin());
    slot_skus_.push_back(sku);
    return slot_skus_.size() - 1;
  }
  int64_t& Units(size_t m, size_t slot) { return units_[m * slot_skus_.size() + slot]; }
  int64_t Units(size_t m, size_t slot) const { return units_[m * slot_skus_.size() + slot]; }

  // Paid, unrefunded units per member of the SKUs conditions name, from the stream.
  void CountUnits(const Model& model, const Command& c, bool accepted) {
    units_.resize(model.members.size() * slot_skus_.size(), 0);
    if (!accepted || (c.op != Op::kOrder && c.op != Op::kRefund)) return;
    const OrderModel& o = c.op == Op::kOrder ? model.orders.back() : model.orders[c.index];
    const int64_t delta = c.op == Op::kOrder ? int64_t{o.qty} : -int64_t{o.qty};
    for (size_t slot = 0; slot < slot_skus_.size(); ++slot) {
      if (slot_skus_[slot] == o.sku) Units(o.buyer, slot) += delta;
    }
  }

  // Whether member m meets the conditions of rank r, counted from the stream and the engine's
  // ranks.
  bool Qualifies(const Model& model, size_t m, size_t r) const {
    const core::RankDef& d = plan_.ranks[r];
    if (!automatic_[r]) return false;
    const MemberModel& mm = model.members[m];
    if (!rank_slots_[r].empty()) {
      bool bought = false;
      for (size_t slot : rank_slots_[r]) bought = bought || Units(m, slot) > 0;
      if (!bought) return false;
    }
    if (d.directs) {
      uint32_t count = 0;
      for (size_t child : mm.children) count += rank_[child] >= d.directs->rank ? 1u : 0u;
      if (count < d.directs->count) return false;
    }
    if (d.legs) {
      uint32_t count = 0;
      for (size_t child : mm.children) count += submax_[child] >= d.legs->rank ? 1u : 0u;
      if (count < d.legs->count) return false;
    }
    return true;
  }

  // The leader from the placement model: the stored one of the nearest placed member at or above m.
  size_t LeaderOf(const Model& model, size_t m) const {
    while (m != kNoIndex && !placed_[m]) m = model.members[m].referrer;
    return m == kNoIndex ? kNoIndex : leader_[m];
  }
  // LeaderOf for everyone at once: a referrer joined before its referrals.
  void Leaders(const Model& model) {
    leaders_.resize(rank_.size());
    for (size_t m = 0; m < rank_.size(); ++m) {
      const size_t r = model.members[m].referrer;
      leaders_[m] = placed_[m] ? leader_[m] : (r == kNoIndex ? kNoIndex : leaders_[r]);
    }
  }

  // The spec's network rules, recomputed from the stream and the engine's ranks (floor_ still holds
  // the ranks before this command): nobody qualifies for the rank above its own (upgrades cascade),
  // every automatic upgrade met its rank's conditions, 链动2+1 positions, leaders, mentors and team
  // figures, and an assistance fund unlocks exactly when its condition holds, once. Books the
  // command in the books model, which CheckBooks compares.
  void CheckNetwork(const core::Engine& engine, const Model& model, const Command& c, size_t index,
                    bool accepted) {
    const size_t n = engine.member_count();
    if (floor_.size() < n) floor_.resize(n, 0);
    CountUnits(model, c, accepted);
    rank_.resize(n);
    submax_.resize(n);
    for (size_t m = 0; m < n; ++m) {
      submax_[m] = rank_[m] = engine.rank(static_cast<core::MemberId>(m));
    }
    for (size_t m = n; m-- > 0;) {  // a referrer joined before its referrals: children first
      const size_t r = model.members[m].referrer;
      if (r != kNoIndex) submax_[r] = std::max(submax_[r], submax_[m]);
    }
    coverage_->upgrades.resize(plan_.ranks.size());
    admin_lowered_.resize(n, 0);
    for (size_t m = 0; m < n; ++m) {
      const size_t r = rank_[m];
      const bool set_by_admin = accepted && c.op == Op::kSetRank && c.index == m;
      // An admin's lowering sticks while the member still qualifies, until an event that changes the
      // member's counts re-checks it (docs/plan-semantics.md): such a member is not held to "no missed
      // upgrade" until it rises. Setting the rank it already has keeps that state.
      if (set_by_admin) {
        admin_lowered_[m] = rank_[m] < floor_[m] || (admin_lowered_[m] && rank_[m] == floor_[m]) ? 1 : 0;
      } else if (rank_[m] > floor_[m]) {
        admin_lowered_[m] = 0;
      }
      if (!admin_lowered_[m] && r + 1 < plan_.ranks.size() && Qualifies(model, m, r + 1)) {
        ADD_FAILURE() << Where(index, c) << model.members[m].name << " is " << plan_.ranks[r].name
                      << " but meets the conditions of " << plan_.ranks[r + 1].name;
      }
      for (size_t q = (set_by_admin ? c.rank : floor_[m]) + 1u; q <= r; ++q) {
        ++coverage_->upgrades[q];
        if (!Qualifies(model, m, q)) {
          ADD_FAILURE() << Where(index, c) << model.members[m].name << " became "
                        << plan_.ranks[q].name << " without its conditions";
        }
      }
    }
    placed_.resize(n, 0);
    position_.resize(n, 0);
    leader_.resize(n, kNoIndex);
    mentor_.resize(n, kNoIndex);
    member_directs_.resize(n, 0);
    team_units_.resize(n, 0);
    team_amount_.resize(n, 0);
    fund_locked_.resize(n, 1);
    books_stride_ = kBucketCount + plan_.earned.size();
    books_.resize(n * books_stride_, 0);
    // One command's order of events: placement, rewards (ranks as before the command), upgrades
    // and detachments, fund unlocks.
    const core::Placement& pl = plan_.placement;
    if (pl.enabled) Place(model);
    BookCommand(model, c, accepted);
    if (pl.enabled) CheckPlacement(engine, model, c, index, accepted);
    if (plan_.fund.enabled) CheckFund(engine, model, c, index);
  }

  // Placement: a member takes the next position among its referrer's directs when it first reaches
  // member_rank, and its leader is decided with the ranks as they were before this command.
  void Place(const Model& model) {
    const core::Placement& pl = plan_.placement;
    const size_t n = rank_.size();
    for (size_t m = 0; m < n; ++m) {
      if (placed_[m] || rank_[m] < pl.member_rank) continue;
      const size_t r = model.members[m].referrer;
      size_t lead = kNoIndex;
      uint32_t k = 0;
      if (r != kNoIndex) {
        k = ++member_directs_[r];
        lead =
            (floor_[r] >= pl.partner_rank && k >= pl.team_from_position) ? r : LeaderOf(model, r);
      }
      placed_[m] = 1;
      position_[m] = k;
      leader_[m] = lead;
      if (plan_.fund.enabled && r != kNoIndex && k >= 1 && k <= plan_.fund.positions) {
        fund_positions_.resize(n * plan_.fund.positions, kNoIndex);
        fund_positions_[r * plan_.fund.positions + k - 1] = m;
      }
    }
  }

  void CheckPlacement(const core::Engine& engine, const Model& model, const Command& c,
                      size_t index, bool accepted) {
    const core::Placement& pl = plan_.placement;
    const size_t n = rank_.size();
    // Team sales: the buyer's leader after its placement, before anyone detaches; refunds take them
    // back.
    if (accepted && c.op == Op::kOrder) {
      const size_t o = model.orders.size() - 1;
      const size_t lead = LeaderOf(model, c.index);
      order_team_.resize(o + 1, kNoIndex);
      if (lead != kNoIndex && lead != c.index) {
        order_team_[o] = lead;
        team_units_[lead] += c.qty;
        team_amount_[lead] += c.amount;
      }
    }
    if (accepted && c.op == Op::kRefund && order_team_[c.index] != kNoIndex) {
      team_units_[order_team_[c.index]] -= model.orders[c.index].qty;
      team_amount_[order_team_[c.index]] -= model.orders[c.index].paid;
    }
    // 脱离: reaching partner_rank makes a member head its own team; its leader becomes its mentor.
    for (size_t m = 0; m < n; ++m) {
      if (floor_[m] < pl.partner_rank && rank_[m] >= pl.partner_rank && leader_[m] != m) {
        mentor_[m] = leader_[m];
        leader_[m] = m;
      }
    }
    Leaders(model);
    std::vector<uint32_t>& team_size = team_size_;
    team_size.assign(n, 0);
    for (size_t m = 0; m < n; ++m) {
      if (placed_[m] && leader_[m] != kNoIndex && leader_[m] != m) ++team_size[leader_[m]];
    }
    const auto name = [&model](size_t m) {
      return m == kNoIndex ? std::string("none") : model.members[m].name;
    };
    const auto index_of = [](core::MemberId id) {
      return id == core::kNone ? kNoIndex : size_t{id};
    };
    for (size_t m = 0; m < n; ++m) {
      const auto id = static_cast<core::MemberId>(m);
      const core::TeamSummary t = engine.team(id);
      if (engine.position(id) != position_[m] || index_of(engine.leader(id)) != leaders_[m] ||
          index_of(engine.mentor(id)) != mentor_[m] || t.size != team_size[m] ||
          t.units != team_units_[m] || t.amount != team_amount_[m] ||
          t.directs != model.members[m].children.size() || t.member_directs != member_directs_[m]) {
        ADD_FAILURE() << Where(index, c) << name(m) << ": position " << engine.position(id)
                      << ", leader " << name(index_of(engine.leader(id))) << ", mentor "
                      << name(index_of(engine.mentor(id))) << ", team size " << t.size << ", units "
                      << t.units << ", amount " << t.amount << ", directs " << t.directs
                      << ", member directs " << t.member_directs
                      << "; placement rules give position " << position_[m] << ", leader "
                      << name(leaders_[m]) << ", mentor " << name(mentor_[m]) << ", team size "
                      << team_size[m] << ", units " << team_units_[m] << ", amount "
                      << team_amount_[m] << ", directs " << model.members[m].children.size()
                      << ", member directs " << member_directs_[m];
      }
    }
  }

  // 团队帮扶基金: unlocked once positions 1..P are of rank ≥ position_min_rank and the members
  // below them (themselves excluded) hold ≥ units paid, unrefunded units; never locked again;
  // frozen is released at the unlock and nothing is held after it.
  void CheckFund(const core::Engine& engine, const Model& model, const Command& c, size_t index) {
    const core::Fund& f = plan_.fund;
    const size_t n = rank_.size();
    fund_positions_.resize(n * f.positions, kNoIndex);
    own_.assign(n, 0);
    for (size_t m = 0; m < n; ++m) {
      for (size_t slot : fund_slots_) own_[m] += Units(m, slot);
    }
    std::vector<int64_t>& subtree = subtree_;
    subtree = own_;
    for (size_t m = n; m-- > 0;) {
      const size_t r = model.members[m].referrer;
      if (r != kNoIndex) subtree[r] += subtree[m];
    }
    for (size_t x = 0; x < n; ++x) {
      bool positions = true;
      int64_t units = 0;
      for (uint32_t k = 0; k < f.positions; ++k) {
        const size_t q = fund_positions_[x * f.positions + k];
        positions = positions && q != kNoIndex && rank_[q] >= f.position_min_rank;
        if (q != kNoIndex) units += subtree[q] - own_[q];
      }
      const bool condition = positions && units >= f.units;
      const bool locked = engine.fund_locked(static_cast<core::MemberId>(x));
      const std::string& who = model.members[x].name;
      if (locked && condition) {
        ADD_FAILURE() << Where(index, c) << who
                      << "'s fund is locked, but its positions qualify and hold " << units
                      << " units below them";
      }
      if (!locked && fund_locked_[x] && !condition) {
        ADD_FAILURE() << Where(index, c) << who
                      << "'s fund unlocked without its condition (positions "
                      << (positions ? "qualify" : "do not qualify") << ", " << units << " units)";
      }
      if (locked && !fund_locked_[x]) {
        ADD_FAILURE() << Where(index, c) << who << "'s fund locked again";
      }
      if (!locked && fund_locked_[x]) {  // the whole frozen balance becomes available
        Book(x, kAvailable) += Book(x, kFrozen);
        Book(x, kFrozen) = 0;
      }
      if (!locked && engine.balances(static_cast<core::MemberId>(x)).frozen != 0) {
        ADD_FAILURE() << Where(index, c) << who << "'s fund is unlocked but holds "
                      << engine.balances(static_cast<core::MemberId>(x)).frozen << " frozen";
      }
      fund_locked_[x] = locked ? 1 : 0;
    }
  }

  // ---- The books, recomputed from the specs: every reward line, hold, claw-back, pool share and
  // withdrawal, to the fen, per member and bucket (pending, available, frozen, withdrawing) and per
  // earned category. Amounts come from the plan's tables; ranks are the engine's, as checked above.

  static constexpr size_t kPending = 0, kAvailable = 1, kFrozen = 2, kWithdrawing = 3;
  static constexpr size_t kBucketCount = 4;

  Fen& Book(size_t m, size_t bucket) { return books_[m * books_stride_ + bucket]; }
  Fen& Earned(size_t m, size_t e) { return books_[m * books_stride_ + kBucketCount + e]; }

  // The entry of the highest listed rank at or below `rank`; nothing below every entry.
  static std::optional<int64_t> Lookup(const core::RankTable& table, size_t rank) {
    std::optional<int64_t> found;
    for (const auto& [r, value] : table.entries) {
      if (r <= rank) found = value;
    }
    return found;
  }
  static std::optional<Fen> AmountFor(const core::Amount& amount, size_t rank, uint32_t qty,
                                      Fen paid) {
    const std::optional<int64_t> v = Lookup(amount.by_rank, rank);
    if (!v) return std::nullopt;
    if (amount.kind == core::Amount::Kind::kPerUnit) return *v * Fen{qty};
    return paid * *v / 10000;  // truncated to the fen
  }

  struct Line {
    size_t recipient;  // member, or pool
    size_t earned;
    Fen amount;
    Fen held = 0;
    bool pool = false;
  };

  // The reward lines of the order just paid: each rule of its activity, in file order.
  void Rewards(const Model& model, size_t o) {
    const OrderModel& order = model.orders[o];
    lines_.resize(o + 1);
    std::vector<Line>& lines = lines_[o];
    const core::ActivityId a = plan_.ActivityFor(order.sku);
    if (a == core::kNoActivity) return;
    const auto referrer = [&model](size_t m) { return model.members[m].referrer; };
    for (const core::Rule& rule : plan_.activities[a].rules) {
      switch (rule.kind) {
        case core::RuleKind::kReferral: {
          size_t x = order.buyer;
          for (uint32_t g = 0; g < rule.generation && x != kNoIndex; ++g) x = referrer(x);
          if (x == kNoIndex || floor_[x] < rule.min_rank) break;
          const std::optional<Fen> v = AmountFor(rule.amount, floor_[x], order.qty, order.paid);
          if (v && *v > 0) lines.push_back(Line{x, rule.earned, *v});
          break;
        }
        case core::RuleKind::kLeader: {
          const size_t l = LeaderOf(model, order.buyer);
          if (l == kNoIndex || l == order.buyer || floor_[l] < rule.min_rank) break;
          const std::optional<Fen> v = AmountFor(rule.amount, floor_[l], order.qty, order.paid);
          if (v && *v > 0) lines.push_back(Line{l, rule.earned, *v});
          break;
        }
        case core::RuleKind::kDifferential: {
          // 极差: nearest first; a rank higher than any paid so far tops up to its target.
          const size_t top = rule.targets.entries.back().first;
          Fen paid_so_far = 0;
          size_t highest = 0;
          bool any = false;
          for (size_t x = referrer(order.buyer); x != kNoIndex; x = referrer(x)) {
            const size_t r = floor_[x];
            const std::optional<int64_t> target = Lookup(rule.targets, r);
            if (r >= rule.min_rank && (!any || r > highest) && target) {
              any = true;
              highest = r;
              const Fen due = *target * Fen{order.qty};
              if (due > paid_so_far) {
                lines.push_back(Line{x, rule.earned, due - paid_so_far});
                paid_so_far = due;
              }
            }
            if (r >= top) break;
          }
          break;
        }
        case core::RuleKind::kPeer: {
          const size_t end = lines.size();
          for (size_t i = 0; i < end; ++i) {
            const Line src = lines[i];
            if (src.pool || ((rule.of_mask >> src.earned) & 1u) == 0) continue;
            if (floor_[src.recipient] < rule.source_min_rank) continue;
            const size_t mentor = mentor_[src.recipient];  // before this command's detachments
            if (mentor == kNoIndex || floor_[mentor] < rule.min_rank) continue;
            const Fen v = src.amount * rule.rate_bps / 10000;
            if (v > 0) lines.push_back(Line{mentor, rule.earned, v});
          }
          break;
        }
        case core::RuleKind::kPool: {
          const std::optional<Fen> v = AmountFor(rule.amount, 0, order.qty, order.paid);
          if (v && *v > 0) lines.push_back(Line{rule.pool, 0, *v, 0, true});
          break;
        }
      }
    }
  }

  void BookCommand(const Model& model, const Command& c, bool accepted) {
    pools_.resize(plan_.pools.size(), 0);
    if (!accepted) return;
    const core::Fund& f = plan_.fund;
    switch (c.op) {
      case Op::kOrder: {
        const size_t o = model.orders.size() - 1;
        Rewards(model, o);
        for (const Line& l : lines_[o]) {
          if (l.pool) {
            pools_[l.recipient] += l.amount;
          } else {
            Book(l.recipient, kPending) += l.amount;
            Earned(l.recipient, l.earned) += l.amount;
          }
        }
        break;
      }
      case Op::kSettle:
        for (Line& l : lines_[c.index]) {
          if (l.pool) continue;
          const bool hold =
              f.enabled && fund_locked_[l.recipient] && ((f.held_mask >> l.earned) & 1u);
          l.held = hold ? l.amount * f.hold_bps / 10000 : 0;
          Book(l.recipient, kPending) -= l.amount;
          Book(l.recipient, kAvailable) += l.amount - l.held;
          Book(l.recipient, kFrozen) += l.held;
        }
        break;
      case Op::kRefund: {
        const bool settled = settled_.size() > c.index && settled_[c.index];
        for (const Line& l : lines_[c.index]) {
          if (l.pool) {
            pools_[l.recipient] -= l.amount;
            continue;
          }
          Earned(l.recipient, l.earned) -= l.amount;
          if (!settled) {
            Book(l.recipient, kPending) -= l.amount;
          } else {
            Book(l.recipient, kAvailable) -= l.amount - l.held;
            Book(l.recipient, fund_locked_[l.recipient] ? kFrozen : kAvailable) -= l.held;
          }
        }
        break;
      }
      case Op::kCloseDay:
        for (size_t p = 0; p < pools_.size(); ++p) {
          Fen holders = 0;
          for (size_t m = 0; m < rank_.size(); ++m) holders += rank_[m] >= plan_.pools[p].min_rank;
          if (pools_[p] <= 0 || holders == 0 || pools_[p] / holders == 0) continue;
          const Fen share = pools_[p] / holders;
          for (size_t m = 0; m < rank_.size(); ++m) {
            if (rank_[m] < plan_.pools[p].min_rank) continue;
            Book(m, kAvailable) += share;
            Earned(m, *pool_) += share;
          }
          pools_[p] -= share * holders;
        }
        break;
      case Op::kWithdraw:
        Book(c.index, kAvailable) -= c.amount;
        Book(c.index, kWithdrawing) += c.amount;
        break;
      case Op::kWithdrawPaid:
      case Op::kWithdrawRejected: {
        const WithdrawalModel& w = model.withdrawals[c.index];
        Book(w.member, kWithdrawing) -= w.amount;
        if (c.op == Op::kWithdrawRejected) Book(w.member, kAvailable) += w.amount;
        break;
      }
      case Op::kJoin:
      case Op::kSetRank:
      case Op::kProduct:
      case Op::kRefused:
        break;
    }
    if (c.op == Op::kSettle || c.op == Op::kRefund) {
      settled_.resize(model.orders.size(), 0);
      settled_[c.index] = c.op == Op::kSettle ? 1 : 0;
    }
  }

  void ReportBooks(const core::Engine& engine, const Model& model, size_t m, const Command& c,
                   size_t index) {
    const core::Balances b = engine.balances(static_cast<core::MemberId>(m));
    std::string earned;
    for (size_t e = 0; e < plan_.earned.size(); ++e) {
      earned.append(" ").append(plan_.earned[e]).append(" ");
      earned.append(std::to_string(
          engine.earned(static_cast<core::MemberId>(m), static_cast<core::EarnedId>(e))));
      earned.append("/").append(std::to_string(Earned(m, e)));
    }
    ADD_FAILURE() << Where(index, c) << model.members[m].name << " (engine/spec): pending "
                  << b.pending << "/" << Book(m, kPending) << ", available " << b.available << "/"
                  << Book(m, kAvailable) << ", frozen " << b.frozen << "/" << Book(m, kFrozen)
                  << ", withdrawing " << b.withdrawing << "/" << Book(m, kWithdrawing) << ";"
                  << earned;
  }

  // Conservation (5), rank floors (6), the books model and, for two-level, the amounts its spec
  // gives to the fen.
  void CheckBooks(const core::Engine& engine, const Model& model, const Command& c, size_t index,
                  bool accepted) {
    const core::Ledger& ledger = engine.ledger();
    const size_t earned_count = plan_.earned.size();
    const uint32_t n = engine.member_count();
    if (floor_.size() < n) floor_.resize(n, 0);
    Fen earned_total = 0;
    bool negative = false;
    bool books_reported = false;  // one member is enough to start from
    // Plain ifs rather than EXPECT_*: this loop runs for every member after every command.
    for (core::MemberId m = 0; m < n; ++m) {
      const core::Balances b = engine.balances(m);
      Fen earned = 0;
      bool same = b.pending == Book(m, kPending) && b.available == Book(m, kAvailable) &&
                  b.frozen == Book(m, kFrozen) && b.withdrawing == Book(m, kWithdrawing);
      for (size_t e = 0; e < earned_count; ++e) {
        const Fen v = engine.earned(m, static_cast<core::EarnedId>(e));
        earned += v;
        same = same && v == Earned(m, e);
      }
      if (!same && !books_reported) {
        ReportBooks(engine, model, m, c, index);
        books_reported = true;
      }
      earned_total += earned;
      const MemberModel& mm = model.members[m];
      // 5b. What a member holds is what it earned less what was paid to its bank.
      if (b.pending + b.available + b.frozen + b.withdrawing != earned - mm.paid_out) {
        ADD_FAILURE() << Where(index, c) << mm.name << ": pending " << b.pending << " + available "
                      << b.available << " + frozen " << b.frozen << " + withdrawing "
                      << b.withdrawing << " != earned " << earned << " - paid out " << mm.paid_out;
      }
      if (b.withdrawing != mm.withdrawing) {
        ADD_FAILURE() << Where(index, c) << mm.name << ": withdrawing " << b.withdrawing
                      << ", requests open " << mm.withdrawing;
      }
      if (b.pending < 0 || b.frozen < 0 || b.withdrawing < 0) {
        ADD_FAILURE() << Where(index, c) << mm.name
                      << ": a negative pending, frozen or withdrawing balance: " << b.pending
                      << ", " << b.frozen << ", " << b.withdrawing;
      }
      negative = negative || b.available < 0;
      if (!plan_.fund.enabled && b.frozen != 0) {
        ADD_FAILURE() << Where(index, c) << mm.name << ": frozen " << b.frozen
                      << " in a plan without a fund";
      }
      if (model.two_level &&
          (engine.earned(m, *level1_) != mm.level1 || engine.earned(m, *level2_) != mm.level2)) {
        ADD_FAILURE() << Where(index, c) << mm.name << ": level1 " << engine.earned(m, *level1_)
                      << ", level2 " << engine.earned(m, *level2_) << "; 10% and 5% truncated give "
                      << mm.level1 << " and " << mm.level2;
      }
      // 6. Ranks never go down unless an admin set this member's rank.
      const core::RankId rank = engine.rank(m);
      const bool set_by_admin = accepted && c.op == Op::kSetRank && c.index == m;
      if (!set_by_admin && rank < floor_[m]) {
        ADD_FAILURE() << Where(index, c) << mm.name << " went down from "
                      << plan_.ranks[floor_[m]].name << " to " << plan_.ranks[rank].name;
      }
      floor_[m] = rank;
    }
    if (negative) ++coverage_->negative_available;
    Fen pools = 0;
    bool negative_pool = false;
    for (uint32_t p = 0; p < ledger.pool_count(); ++p) {
      pools += ledger.pool(p);
      negative_pool = negative_pool || ledger.pool(p) < 0;
      if (ledger.pool(p) != pools_[p]) {
        ADD_FAILURE() << Where(index, c) << "pool " << plan_.pools[p].name << " holds "
                      << ledger.pool(p) << ", the spec gives " << pools_[p];
      }
    }
    if (negative_pool) ++coverage_->negative_pool;
    const Fen buyers = ledger.platform(core::PlatformAccount::kBuyers);
    const Fen revenue = ledger.platform(core::PlatformAccount::kRevenue);
    const Fen payouts = ledger.platform(core::PlatformAccount::kPayouts);
    // 5a. Money received net of refunds is shared among members, pools and the platform, to the
    // fen.
    if (-buyers != model.received) {
      ADD_FAILURE() << Where(index, c) << "buyers account " << buyers << ", the stream received "
                    << model.received;
    }
    // Fees of paid withdrawals are revenue the members earned first, so they count on both sides.
    if (earned_total + pools + revenue != model.received + model.fees) {
      ADD_FAILURE() << Where(index, c) << "earned " << earned_total << " + pools " << pools
                    << " + revenue " << revenue << " = " << earned_total + pools + revenue
                    << ", received " << model.received << " + withdrawal fees " << model.fees;
    }
    if (payouts != model.paid_out) {
      ADD_FAILURE() << Where(index, c) << "payouts " << payouts << ", withdrawals paid "
                    << model.paid_out;
    }
  }

  const core::Plan& plan_;
  Coverage* coverage_;
  std::optional<core::EarnedId> level1_, level2_, pool_;
  std::vector<core::RankId> floor_;  // ranks after the previous command
  // Network model (CheckNetwork).
  std::vector<core::RankId> rank_, submax_;
  std::vector<uint8_t> placed_, fund_locked_, admin_lowered_;
  std::vector<uint32_t> position_, member_directs_;
  std::vector<size_t> leader_, mentor_, fund_positions_, order_team_;
  std::vector<int64_t> team_units_;
  std::vector<Fen> team_amount_;
  std::vector<size_t> leaders_;
  std::vector<uint32_t> team_size_;
  std::vector<std::string> slot_skus_;
  std::vector<std::vector<size_t>> rank_slots_;
  std::vector<uint8_t> automatic_;
  std::vector<size_t> fund_slots_;
  std::vector<int64_t> units_, own_, subtree_;  // units_: [member * slots + slot]
  // Books model (BookCommand).
  std::vector<Fen> books_;  // [member * books_stride_ + bucket, or + 4 + earned category]
  size_t books_stride_ = 0;
  std::vector<Fen> pools_;
  std::vector<std::vector<Line>> lines_;  // per order
  std::vector<uint8_t> settled_;          // per order
};

// Writes the accepted commands up to `last` (and `last` itself) where `guanxi replay` can reproduce
// them.
void DumpStream(const std::string& plan_file, uint64_t seed, const std::vector<Command>& stream,
                const std::vector<bool>& accepted, size_t last) {
  const std::string path =
      ::testing::TempDir() + "guanxi-property-" + plan_file + Numbered("-seed", seed) + ".jsonl";
  std::ofstream out(path);
  for (size_t i = 0; i <= last && i < stream.size(); ++i) {
    if (accepted[i] || i == last) out << stream[i].line << "\n";
  }
  ADD_FAILURE() << "the accepted commands up to the failing one: " << path
                << "\n  reproduce with: guanxi replay --plan plans/" << plan_file << " " << path;
}

struct StreamRun {
  std::vector<Command> commands;
  std::vector<bool> accepted;
  std::string output;   // Output(true), serialized, after the last command
  bool failed = false;  // a check failed: the stream stopped there
};

struct RunOptions {
  bool refund_all = false;   // after the stream, refund every unrefunded order in a random order
  bool keep_output = false;  // fill StreamRun::output
  // Looks at the engine before the refunds start and after the last command.
  std::function<void(const core::Engine&)> before_refunds;
  std::function<void(const core::Engine&, const Model&)> at_end;
};

// Generates `count` commands from `seed`, applying and checking each. Stops at the first failure
// and dumps the stream.
StreamRun RunChecked(const std::string& plan_file, const core::Plan& plan, uint64_t seed, Mix mix,
                     size_t count, Coverage* coverage, const RunOptions& options = {}) {
  StreamRun run;
  Replay replay(plan);
  StreamGenerator gen(plan, seed, mix);
  Checker checker(plan, coverage);
  size_t refused_seen = 0;
  size_t compared = 0;
  for (size_t i = 0;; ++i) {
    Command c;
    if (i < count) {
      c = gen.Next(replay.engine());
    } else if (options.refund_all && gen.HasOpenOrders()) {
      if (i == count && options.before_refunds) options.before_refunds(replay.engine());
      c = gen.RefundOpen();
    } else {
      break;
    }
    // Whole-output comparisons are O(history): the first refused commands and one in 25 after them.
    bool compare = false;
    if (!c.refusal.empty()) {
      const size_t r = refused_seen++;
      compare = (r < 2 || r % 25 == 0) && compared < 4;
      compared += compare ? 1 : 0;
    }
    bool accepted = false;
    const bool ok = checker.Apply(replay, gen, c, i, compare, &accepted);
    run.commands.push_back(c);
    run.accepted.push_back(accepted);
    if (!ok) {
      DumpStream(plan_file, seed, run.commands, run.accepted, i);
      run.failed = true;
      return run;
    }
  }
  checker.Finish(replay.engine());
  if (options.at_end) {
    const int failures_before = FailureCount();
    options.at_end(replay.engine(), gen.model());
    if (FailureCount() != failures_before) {
      DumpStream(plan_file, seed, run.commands, run.accepted, run.commands.size() - 1);
      run.failed = true;
    }
  }
  if (options.keep_output) run.output = Serialized(replay);
  return run;
}

// The same stream without the checks: what `seed` generates, and the output it leads to.
StreamRun Generate(const core::Plan& plan, uint64_t seed, Mix mix, size_t count) {
  StreamRun run;
  Replay replay(plan);
  StreamGenerator gen(plan, seed, mix);
  for (size_t i = 0; i < count; ++i) {
    run.commands.push_back(gen.Next(replay.engine()));
    run.accepted.push_back(replay.Apply(run.commands.back().line, i + 1).ok());
    if (run.accepted.back()) gen.Accept(run.commands.back());
  }
  run.output = Serialized(replay);
  return run;
}

struct PlanCase {
  const char* file;
  uint64_t first_seed;
};

constexpr PlanCase kPlans[] = {
    {"chain-2plus1-699.toml", 0x699},
    {"two-level.toml", 0x2100},
    {"unilevel-3.toml", 0x3000},
};

constexpr uint64_t kSeeds = 20;

// 300 to 1500 commands, varying with the seed.
size_t StreamLength(uint64_t seed) { return 300 + static_cast<size_t>(seed % 7) * 200; }

// ---------------------------------------------------------------------------------------------------
// Regression, found by the streams below: a plan whose ranks have no directs/legs/buy_any condition
// (two-level.toml) has no upgrade counters, and the engine once indexed that empty array when it
// prefetched the referrer's lines. Under the asan preset (UBSan, no recovery) this aborted.

TEST(PropertyTest, TwoLevelOrderWithAReferrerTouchesNoEmptyCounters) {
  Replay replay(LoadPlan("two-level.toml"));
  const char* const kLines[] = {
      R"({"cmd":"join","member":"A"})", R"({"cmd":"join","member":"B","referrer":"A"})",
      R"({"cmd":"order","order":"o1","member":"B","sku":"tea"})",  // 9900 fen
  };
  for (size_t i = 0; i < std::size(kLines); ++i) {
    const core::Status s = replay.Apply(kLines[i], i + 1);
    ASSERT_TRUE(s.ok()) << kLines[i] << ": " << s.error().message;
  }
  EXPECT_EQ(replay.engine().earned(0, *replay.engine().plan().FindEarned("level1")), 990);
  EXPECT_EQ(replay.engine().ledger().Sum(), 0);
}

// ---------------------------------------------------------------------------------------------------
// Properties 1, 2, 5, 6 (and the two-level amounts) on streams of every command, a quarter refused.

TEST(PropertyTest, EveryCommandKeepsTheBooksAndRefusedOnesChangeNothing) {
  for (const PlanCase& pc : kPlans) {
    SCOPED_TRACE(pc.file);
    const core::Plan plan = LoadPlan(pc.file);
    Coverage coverage;
    for (uint64_t seed = pc.first_seed; seed < pc.first_seed + kSeeds; ++seed) {
      SCOPED_TRACE(Numbered("seed ", seed));
      const StreamRun run =
          RunChecked(pc.file, plan, seed, kEverything, StreamLength(seed), &coverage);
      if (run.failed) break;
    }
    // The streams must reach what the properties are about, or they prove nothing.
    for (size_t kind = 0; kind < coverage.refusals.size(); ++kind) {
      EXPECT_GT(coverage.refusals[kind], 0u) << "refusal kind " << kind << " was never exercised";
    }
    for (Op op : {Op::kJoin, Op::kSetRank, Op::kProduct, Op::kOrder, Op::kRefund, Op::kSettle,
                  Op::kCloseDay, Op::kWithdraw, Op::kWithdrawPaid, Op::kWithdrawRejected}) {
      EXPECT_GT(coverage.accepted[op], 10u) << "too few accepted commands of kind " << OpName(op);
    }
    EXPECT_GT(coverage.output_comparisons, 60u);
    EXPECT_GT(coverage.negative_available, 0u) << "no claw-back ever took a balance below zero";
    if (!plan.pools.empty()) {
      EXPECT_GT(coverage.pool_payouts, 0u);
    }
    if (plan.fund.enabled) {
      EXPECT_GT(coverage.fund_unlocks, 0u);
    }
    EXPECT_GT(coverage.rank_reached.back(), 0u) << "nobody reached the top rank";
    for (size_t r = 1; r < plan.ranks.size() && r <= 3; ++r) {  // member, partner, district
      if (plan.ranks[r].automatic()) {
        EXPECT_GT(coverage.upgrades[r], 0u)
            << "nobody reached " << plan.ranks[r].name << " by its conditions";
      }
    }
    if (!plan.pools.empty()) {
      EXPECT_GT(coverage.negative_pool, 0u)
          << "no refund ever took back a contribution a pool had paid out";
    }
  }
}

// The same, on chains hundreds deep, where admins raise and lower ranks along the way: the 极差
// walk and the fund's unit counts go through the engine's cached ancestor pointers.
TEST(PropertyTest, DeepChainsKeepTheBooks) {
  const core::Plan plan = LoadPlan("chain-2plus1-699.toml");
  Coverage coverage;
  for (uint64_t seed = 0xDEE0; seed < 0xDEE0 + 8; ++seed) {
    SCOPED_TRACE(Numbered("seed ", seed));
    if (RunChecked("chain-2plus1-699.toml", plan, seed, kDeepChains, 1000, &coverage).failed) break;
  }
  EXPECT_GT(coverage.max_depth, 200u);
  EXPECT_GT(coverage.differential, 0) << "no 极差 was paid";
  EXPECT_GT(coverage.accepted[Op::kSetRank], 200u);
  EXPECT_GT(coverage.negative_available, 0u);
}

// ---------------------------------------------------------------------------------------------------
// Property 3: the same stream gives the same output, and the same seed gives the same stream.

TEST(PropertyTest, ReplayingAStreamTwiceGivesTheSameOutput) {
  for (const PlanCase& pc : kPlans) {
    SCOPED_TRACE(pc.file);
    const core::Plan plan = LoadPlan(pc.file);
    Coverage coverage;
    for (uint64_t seed = pc.first_seed; seed < pc.first_seed + 3; ++seed) {
      SCOPED_TRACE(Numbered("seed ", seed));
      RunOptions options;
      options.keep_output = true;
      const StreamRun generated =
          RunChecked(pc.file, plan, seed, kEverything, StreamLength(seed), &coverage, options);
      if (generated.failed) break;
      std::vector<std::string> outputs;
      for (int replay_count = 0; replay_count < 2; ++replay_count) {
        Replay replay(plan);
        for (size_t i = 0; i < generated.commands.size(); ++i) {
          const core::Status s = replay.Apply(generated.commands[i].line, i + 1);
          ASSERT_EQ(s.ok(), generated.accepted[i])
              << Checker::Where(i, generated.commands[i]) << "replay " << replay_count
              << " decided otherwise";
        }
        outputs.push_back(Serialized(replay));
      }
      EXPECT_EQ(outputs[0], outputs[1]);
      EXPECT_EQ(outputs[0], generated.output);
      EXPECT_GT(outputs[0].size(), 10'000u);  // a real history, not an empty document

      // The generator is deterministic too: the same seed, the same lines; another seed, others.
      const StreamRun again = Generate(plan, seed, kEverything, StreamLength(seed));
      const StreamRun other = Generate(plan, seed + 1000, kEverything, StreamLength(seed));
      ASSERT_EQ(again.commands.size(), generated.commands.size());
      for (size_t i = 0; i < again.commands.size(); ++i) {
        ASSERT_EQ(again.commands[i].line, generated.commands[i].line) << "command " << i;
      }
      EXPECT_NE(other.output, generated.output);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Property 4: refunding every order, settled or not, with no day closed, undoes every reward.

struct RefundCase {
  const char* file;
  Mix mix;
  uint64_t first_seed;
  uint64_t seeds;
};

constexpr RefundCase kRefundCases[] = {
    {"chain-2plus1-699.toml", kNoDayClosed, 0xA0, 10},
    {"two-level.toml", kNoDayClosed, 0xB0, 10},
    {"unilevel-3.toml", kNoDayClosed, 0xC0, 10},
    // Identity packages: districts and cities, so differentials, peers and upgrades happen.
    {"chain-2plus1-699.toml", kIdentityPackages, 0xD0, 10},
};

TEST(PropertyTest, RefundingEveryOrderReturnsEveryBalanceToZero) {
  for (const RefundCase& rc : kRefundCases) {
    SCOPED_TRACE(std::string(rc.file) + (rc.mix.identity ? " with identity packages" : ""));
    const core::Plan plan = LoadPlan(rc.file);
    Coverage coverage;
    std::map<std::string, Fen> earned_before_refunds;  // by category, over every stream
    Fen frozen_before_refunds = 0;
    for (uint64_t seed = rc.first_seed; seed < rc.first_seed + rc.seeds; ++seed) {
      SCOPED_TRACE(Numbered("seed ", seed));
      Network network_before;
      RunOptions options;
      options.refund_all = true;
      options.before_refunds = [&](const core::Engine& e) {
        network_before = Network::Of(e);
        for (core::MemberId m = 0; m < e.member_count(); ++m) {
          for (size_t k = 0; k < plan.earned.size(); ++k) {
            earned_before_refunds[plan.earned[k]] += e.earned(m, static_cast<core::EarnedId>(k));
          }
          frozen_before_refunds += e.balances(m).frozen;
        }
      };
      // RunChecked checks every command as it goes; this is the state the refunds must reach.
      options.at_end = [&](const core::Engine& e, const Model& model) {
        EXPECT_EQ(Network::Of(e).facts, network_before.facts)
            << "the refunds changed ranks or teams";
        for (core::MemberId m = 0; m < e.member_count(); ++m) {
          const std::string& name = model.members[m].name;
          for (size_t k = 0; k < plan.earned.size(); ++k) {
            EXPECT_EQ(e.earned(m, static_cast<core::EarnedId>(k)), 0)
                << name << " earned " << plan.earned[k];
          }
          const core::Balances b = e.balances(m);
          EXPECT_EQ(b.pending, 0) << name;
          EXPECT_EQ(b.available, 0) << name;
          EXPECT_EQ(b.frozen, 0) << name;
          EXPECT_EQ(b.withdrawing, 0) << name;
          EXPECT_EQ(e.team(m).units, 0) << name << " team units";
          EXPECT_EQ(e.team(m).amount, 0) << name << " team amount";
        }
        for (uint32_t p = 0; p < e.ledger().pool_count(); ++p) {
          EXPECT_EQ(e.ledger().pool(p), 0) << "pool " << plan.pools[p].name;
        }
        EXPECT_EQ(e.ledger().platform(core::PlatformAccount::kRevenue), 0);
        EXPECT_EQ(e.ledger().platform(core::PlatformAccount::kBuyers), 0);
        EXPECT_EQ(e.ledger().platform(core::PlatformAccount::kPayouts), 0);
        for (core::OrderId o = 0; o < e.order_count(); ++o) {
          EXPECT_EQ(e.order(o).status, core::OrderStatus::kRefunded) << model.orders[o].name;
        }
      };
      const size_t count = 300 + static_cast<size_t>(seed % 6) * 100;
      const StreamRun run = RunChecked(rc.file, plan, seed, rc.mix, count, &coverage, options);
      if (run.failed) break;
      EXPECT_GT(run.commands.size(), count + 50) << "too few orders to refund";
    }
    // Before the refunds there was something to undo, in every category the plan pays.
    for (const std::string& category : plan.earned) {
      if (category == "pool") continue;  // pools pay only at close_day
      EXPECT_GT(earned_before_refunds[category], 0) << category;
    }
    EXPECT_GT(coverage.accepted[Op::kSettle], 100u);
    EXPECT_GT(coverage.accepted[Op::kSetRank], 5u);
    if (plan.fund.enabled) {
      EXPECT_GT(frozen_before_refunds, 0) << "no assistance-fund hold to undo";
    }
    if (rc.mix.identity) {
      EXPECT_GT(coverage.fund_unlocks, 0u);
      for (const char* rank : {"district", "city"}) {
        EXPECT_GT(coverage.upgrades[*plan.FindRank(rank)], 0u)
            << "nobody became " << rank << " by its conditions";
      }
    }
  }
}

}  // namespace
}  // namespace guanxi::cli
