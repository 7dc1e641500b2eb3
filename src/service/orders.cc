// Orders and payments: server-side pricing, atomic stock reservation, payment intents and idempotent
// provider notifications, shipping, receipt, refunds. The life of an order:
//   created ─pay─> paid ─ship─> shipped ─confirm (or auto)─> received ─return window─> settled
//   created ─cancel/expiry─> cancelled/expired (stock released)
//   paid/shipped/received ─request─> refund_requested ─approve─> refunded (reject: back where it was)
// Staff may refund any paid order directly, settled ones included (the engine claws commissions back).
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "core/text.h"
#include "service/api.h"
#include "service/crypto.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;

namespace {

constexpr int kMaxItems = 20;
constexpr int64_t kMaxQty = limits::kOrderQtyMax;  // a line of one order (limits.json)

struct OrderRow {
  int64_t id = -1;
  int64_t member = -1;
  std::string status;
  int64_t total = 0;
  int64_t expires_at = 0;
  std::string status_before_refund;
};

std::optional<OrderRow> LoadOrder(store::Db& db, int64_t id) {
  store::Stmt& s =
      db.Cached("SELECT id, member, status, total, expires_at, status_before_refund FROM orders WHERE id = ?");
  s.Bind(1, id);
  std::optional<OrderRow> o;
  if (s.Step()) o = OrderRow{s.Int(0), s.Int(1), s.Text(2), s.Int(3), s.Int(4), s.Text(5)};
  s.Reset();
  return o;
}

// The order, if the caller may act on it as its buyer (staff: any order).
core::Result<OrderRow> OwnOrder(store::Db& db, const Caller& caller, int64_t id) {
  if (caller.account < 0) return Unauthorized();
  auto o = LoadOrder(db, id);
  if (!o || (!caller.staff() && o->member != caller.member)) return NotFound("order", "order");
  return *o;
}

core::Error WrongState(const OrderRow& o, std::string_view wanted) {
  return core::MakeError("invalid_state", "the order is " + o.status + "; this needs it " + std::string(wanted),
                         "order");
}

json::object OrderJson(store::Db& db, int64_t id) {
  store::Stmt& s = db.Cached(
      "SELECT id, member, status, total, created_at, expires_at, paid_at, shipped_at, received_at, settle_at, "
      "settled_at, refund_requested_at, refunded_at, refund_reason, tracking, no, refund_note FROM orders WHERE id = ?");
  s.Bind(1, id);
  json::object o;
  if (s.Step()) {
    // Orders made before numbers were stored are numbered by the default zone's date (Asia/Shanghai).
    o = {{"id", s.Int(0)},
         {"no", s.IsNull(15) ? OrderNumber(s.Int(4), s.Int(0), ShopConfig{}.utc_offset_minutes) : s.Text(15)},
         {"member", s.Int(1)},
         {"status", s.Text(2)},
         {"total", s.Int(3)},
         {"created_at", s.Int(4)}};
    static constexpr const char* kTimes[] = {"expires_at",  "paid_at",    "shipped_at",
                                             "received_at", "settle_at",  "settled_at",
                                             "refund_requested_at", "refunded_at"};
    for (int i = 0; i < 8; ++i) {
      if (!s.IsNull(5 + i)) o[kTimes[i]] = s.Int(5 + i);
    }
    if (!s.IsNull(13)) o["refund_reason"] = s.Text(13);
    if (!s.IsNull(14)) o["tracking"] = s.Text(14);
    if (!s.IsNull(16)) o["refund_note"] = s.Text(16);
  }
  s.Reset();
  json::array items;
  store::Stmt& it = db.Cached(
      "SELECT sku, name, qty, unit_price, engine_order FROM order_items WHERE order_id = ? ORDER BY line");
  it.Bind(1, id);
  while (it.Step()) {
    json::object item{{"sku", it.Text(0)}, {"name", it.Text(1)}, {"qty", it.Int(2)}, {"unit_price", it.Int(3)}};
    items.push_back(std::move(item));
  }
  it.Reset();
  o["items"] = std::move(items);
  return o;
}

// Returns the stock of every line of an order to the shelves.
void ReleaseStock(store::Db& db, int64_t order) {
  db.Cached(
        "UPDATE products SET stock = stock + (SELECT sum(qty) FROM order_items i WHERE i.order_id = ?1 AND "
        "i.product = products.id) WHERE id IN (SELECT product FROM order_items WHERE order_id = ?1)")
      .Bind(1, order)
      .Run();
}

// Takes `qty` of each product off the shelves; false when one is short (the job's savepoint puts back
// what was taken).
bool TakeStock(store::Db& db, const std::map<int64_t, int64_t>& qty_by_product) {
  for (auto [product, qty] : qty_by_product) {
    store::Stmt& u = db.Cached("UPDATE products SET stock = stock - ?1 WHERE id = ?2 AND stock >= ?1");
    u.Bind(1, qty).Bind(2, product).Run();
    if (db.Changes() == 0) return false;
  }
  return true;
}

// Takes the stock of every line again (a late payment of an expired order); false when short.
bool ReserveStock(store::Db& db, int64_t order) {
  store::Stmt& s = db.Cached("SELECT product, sum(qty) FROM order_items WHERE order_id = ? GROUP BY product");
  s.Bind(1, order);
  std::map<int64_t, int64_t> need;
  while (s.Step()) need[s.Int(0)] = s.Int(1);
  s.Reset();
  return TakeStock(db, need);
}

void SetStatus(store::Db& db, int64_t order, std::string_view status, const char* time_column, int64_t now) {
  db.Cached(std::string("UPDATE orders SET status = ?, ") + time_column + " = ? WHERE id = ?")
      .Bind(1, status)
      .Bind(2, now)
      .Bind(3, order)
      .Run();
}

// A new payment intent: "pi_", the creation time (12 hex digits of milliseconds), then 18 random bytes.
// Intents sort by time, so the unique index on them grows at its end, one page for a whole batch of
// payments rather than a random page each; the random part keeps them unguessable.
std::string NewIntent(int64_t now_ms) {
  char time[24];
  std::snprintf(time, sizeof time, "%012llx", static_cast<unsigned long long>(std::max<int64_t>(now_ms, 0)));
  return "pi_" + std::string(time) + RandomToken(18);
}

// The payment providers this shop offers: the sandbox, when the config enables it.
core::Status CheckProvider(const Tx& tx, const std::string& provider, const char* field) {
  if (provider != "sandbox" || !tx.shop.config().sandbox_payments) {
    return Invalid(field, "the payment provider offered is \"sandbox\"");
  }
  return core::Ok{};
}

// Opens a payment intent for an unpaid order of `total` fen.
json::value OpenIntent(Tx& tx, int64_t order, int64_t total, const std::string& provider) {
  const std::string intent = NewIntent(tx.now);
  tx.db.Cached("INSERT INTO payments (order_id, provider, intent, amount, status, created_at) VALUES (?,?,?,?,'pending',?)")
      .Bind(1, order)
      .Bind(2, provider)
      .Bind(3, intent)
      .Bind(4, total)
      .Bind(5, tx.now)
      .Run();
  return json::value{{"intent", intent}, {"amount", total}, {"provider", provider}, {"order", order}};
}

// Creates the order, or finds the one made before with the same idempotency key (*created false).
Reply NewOrder(Tx& tx, const Caller& caller, const CreateOrderReq& r, bool* created) {
  if (caller.account < 0) return Unauthorized();
  if (caller.member < 0) return Forbidden();
  if (!r.idempotency_key.empty()) {
    if (const std::optional<int64_t> candidate = tx.shop.FindOrderKey(caller.member, r.idempotency_key, tx.now)) {
      store::Stmt& s =
          tx.db.Cached("SELECT member, idempotency_key, idempotency_fingerprint FROM orders WHERE id = ?");
      s.Bind(1, *candidate);
      const bool same = s.Step() && s.Int(0) == caller.member && !s.IsNull(1) && s.Text(1) == r.idempotency_key;
      // Orders made before fingerprints were kept have none: their keys are taken as they were.
      const bool other_request = same && !s.IsNull(2) && s.Text(2) != r.idempotency_fingerprint;
      s.Reset();
      if (other_request) {
        return core::MakeError("idempotency_key_reused",
                               "this Idempotency-Key was used for another request; use a new key for a new order",
                               "Idempotency-Key");
      }
      if (same) return json::value(OrderJson(tx.db, *candidate));
    }
  }
  if (r.items.empty() || r.items.size() > kMaxItems) return Invalid("items", "an order has 1 to 20 items");
  const core::RankId rank = tx.engine.rank(static_cast<core::MemberId>(caller.member));
  struct Line {
    int64_t product;
    std::string sku, name;
    int64_t qty, unit_price;
  };
  std::vector<Line> lines;
  int64_t total = 0;
  for (const OrderItemReq& item : r.items) {
    if (item.qty <= 0 || item.qty > kMaxQty) return Invalid("qty", core::RangeMessage("qty", 1, kMaxQty));
    store::Stmt& p = tx.db.Cached("SELECT id, name, price, member_prices, status FROM products WHERE sku = ?");
    p.Bind(1, item.sku);
    if (!p.Step() || p.Text(4) != "on") {
      p.Reset();
      return core::MakeError("unknown_product", "no product on sale has SKU " + item.sku, "sku");
    }
    Line line{p.Int(0), item.sku, p.Text(1), item.qty, p.Int(2)};
    // 会员价: the lowest member price of a rank the buyer has reached (as the product view shows it).
    const json::value prices = json::parse(p.Text(3));
    p.Reset();
    line.unit_price = UnitPriceFor(tx.engine.plan(), rank, line.unit_price, prices.as_object());
    total += line.unit_price * line.qty;
    lines.push_back(std::move(line));
  }
  const int64_t expires_at = tx.now + tx.shop.config().order_ttl_ms;
  const int64_t id =
      tx.db
          .Cached("INSERT INTO orders (member, status, total, created_at, expires_at, idempotency_key, "
                  "idempotency_fingerprint) VALUES (?, 'created', ?, ?, ?, ?, ?) RETURNING id")
          .Bind(1, caller.member)
          .Bind(2, total)
          .Bind(3, tx.now)
          .Bind(4, expires_at)
          .Bind(5, r.idempotency_key.empty() ? std::optional<std::string>() : std::optional<std::string>(r.idempotency_key))
          .Bind(6, r.idempotency_key.empty() ? std::optional<std::string>()
                                             : std::optional<std::string>(r.idempotency_fingerprint))
          .InsertReturningId();
  const std::string no = OrderNumber(tx.now, id, tx.shop.config().utc_offset_minutes);
  tx.db.Cached("UPDATE orders SET no = ? WHERE id = ?").Bind(1, no).Bind(2, id).Run();
  tx.shop.NoteOrder(tx, caller.member, id);
  if (!r.idempotency_key.empty()) tx.shop.NoteOrderKey(caller.member, r.idempotency_key, id, tx.now);
  int64_t n = 0;
  std::map<int64_t, int64_t> qty_by_product;
  json::array items;
  for (const Line& l : lines) {
    qty_by_product[l.product] += l.qty;
    items.push_back({{"sku", l.sku}, {"name", l.name}, {"qty", l.qty}, {"unit_price", l.unit_price}});
    tx.db.Cached("INSERT INTO order_items (order_id, line, product, sku, name, qty, unit_price) VALUES (?,?,?,?,?,?,?)")
        .Bind(1, id)
        .Bind(2, n++)
        .Bind(3, l.product)
        .Bind(4, l.sku)
        .Bind(5, l.name)
        .Bind(6, l.qty)
        .Bind(7, l.unit_price)
        .Run();
  }
  if (!TakeStock(tx.db, qty_by_product)) {
    return core::MakeError("out_of_stock", "not enough stock for this order", "items");
  }
  *created = true;
  // What OrderJson would read back, from what was just written.
  return json::value{{"id", id},
                     {"no", no},
                     {"member", caller.member},
                     {"status", "created"},
                     {"total", total},
                     {"created_at", tx.now},
                     {"expires_at", expires_at},
                     {"items", std::move(items)}};
}

}  // namespace

Reply CreateOrder(Tx& tx, const Caller& caller, const CreateOrderReq& r) {
  if (!r.pay.empty()) {
    if (auto ok = CheckProvider(tx, r.pay, "pay"); !ok.ok()) return ok.error();
  }
  bool created = false;
  Reply order = NewOrder(tx, caller, r, &created);
  if (!order || r.pay.empty()) return order;
  // Ordering and paying in one step: the intent as POST …/pay would give it (for an order made before
  // with the same key, by that very call). If that fails, the job fails and its savepoint takes the
  // order back too. A retry that finds its order paid or closed since gets the order as it is.
  if (!created && order->at("status") != "created") return order;
  const int64_t id = order->at("id").as_int64();
  Reply payment = created ? OpenIntent(tx, id, order->at("total").as_int64(), r.pay)
                          : CreatePayment(tx, caller, id, r.pay);
  if (!payment) return payment.error();
  order.value().as_object()["payment"] = std::move(payment.value());
  return order;
}

Reply CancelOrder(Tx& tx, const Caller& caller, int64_t order) {
  auto o = OwnOrder(tx.db, caller, order);
  if (!o) return o.error();
  if (caller.staff()) return Forbidden();  // the buyer cancels; staff wait for expiry or refund
  if (o->status != "created") return WrongState(*o, "unpaid");
  SetStatus(tx.db, order, "cancelled", "closed_at", tx.now);
  ReleaseStock(tx.db, order);
  return json::value(OrderJson(tx.db, order));
}

Reply GetOrder(ReadCtx& c, const Caller& caller, int64_t order) {
  auto o = OwnOrder(c.db, caller, order);
  if (!o) return o.error();
  return json::value(OrderJson(c.db, order));
}

Reply ListOrders(ReadCtx& c, const Shop& shop, const Caller& caller, int64_t after, int limit,
                 const std::string& status, int64_t member) {
  if (caller.account < 0) return Unauthorized();
  if (!caller.staff()) {
    if (caller.member < 0) return Forbidden();
    member = caller.member;
  }
  limit = ClampLimit(limit);
  // Newest first: `after` is the id the previous page ended at (0: the newest).
  const int64_t below = after > 0 ? after : INT64_MAX;
  std::vector<int64_t> ids;
  if (member >= 0) {
    // A buyer's orders from the in-memory index (Shop::BuyerOrderIds); an id whose row this read's
    // snapshot lacks (its batch is not committed yet) is passed over.
    const std::vector<int64_t>& all = shop.BuyerOrderIds(member);
    auto it = std::lower_bound(all.begin(), all.end(), below);
    store::Stmt& s = c.db.Cached("SELECT status FROM orders WHERE id = ?");
    while (it != all.begin() && static_cast<int>(ids.size()) <= limit) {
      s.Bind(1, *--it);
      if (s.Step() && (status.empty() || s.Text(0) == status)) ids.push_back(*it);
      s.Reset();
    }
  } else {
    store::Stmt& s = NewestFirst(c.db, "SELECT id FROM orders", below, /*member=*/-1, status, limit);
    while (s.Step()) ids.push_back(s.Int(0));
    s.Reset();
  }
  json::array items;
  for (size_t i = 0; i < ids.size() && static_cast<int>(i) < limit; ++i) items.push_back(OrderJson(c.db, ids[i]));
  json::object out{{"items", std::move(items)}};
  if (static_cast<int>(ids.size()) > limit) out["next"] = ids[static_cast<size_t>(limit) - 1];
  return json::value(std::move(out));
}

Reply CreatePayment(Tx& tx, const Caller& caller, int64_t order, const std::string& provider) {
  auto o = OwnOrder(tx.db, caller, order);
  if (!o) return o.error();
  if (caller.staff()) return Forbidden();  // the buyer pays
  if (auto ok = CheckProvider(tx, provider, "provider"); !ok.ok()) return ok.error();
  if (o->status != "created") return WrongState(*o, "unpaid");
  if (o->expires_at <= tx.now) return core::MakeError("order_expired", "the order has expired", "order");
  store::Stmt& s = tx.db.Cached("SELECT intent, amount FROM payments WHERE order_id = ? AND status = 'pending'");
  s.Bind(1, order);
  if (s.Step()) {
    json::value v{{"intent", s.Text(0)}, {"amount", s.Int(1)}, {"provider", provider}, {"order", order}};
    s.Reset();
    return v;
  }
  s.Reset();
  return OpenIntent(tx, order, o->total, provider);
}

core::Result<Notification> SandboxComplete(ReadCtx& c, const std::string& secret, const std::string& intent) {
  store::Stmt& s = c.db.Cached("SELECT amount, status FROM payments WHERE intent = ? AND provider = 'sandbox'");
  s.Bind(1, intent);
  if (!s.Step()) {
    s.Reset();
    return NotFound("payment intent", "intent");
  }
  const int64_t amount = s.Int(0);
  const bool paid = s.Text(1) == "succeeded";
  s.Reset();
  // A provider pays an intent once: completing a paid one is refused, and the transaction id is the
  // intent's own, so that two completions racing deliver one payment, not a duplicate.
  if (paid) return core::MakeError("already_paid", "this payment intent is already paid", "intent");
  const std::string body = json::serialize(json::value{{"intent", intent},
                                                       {"txn", "sbx_" + HmacSha256Hex(secret, "txn:" + intent).substr(0, 24)},
                                                       {"amount", amount},
                                                       {"status", "succeeded"},
                                                       {"at", c.now}});
  return Notification{body, HmacSha256Hex(secret, body)};
}

Reply ApplyPaymentNotification(Tx& tx, const std::string& provider, const std::string& intent,
                               const std::string& txn, core::Fen amount) {
  store::Stmt& p = tx.db.Cached(
      "SELECT p.id, p.order_id, p.amount, p.status, p.provider_txn, o.member, o.status "
      "FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.intent = ? AND p.provider = ?");
  p.Bind(1, intent).Bind(2, provider);
  if (!p.Step()) {
    p.Reset();
    return core::MakeError("unknown_intent", "no payment has this intent", "intent");
  }
  const int64_t payment = p.Int(0), order = p.Int(1), expected = p.Int(2);
  const bool was_paid = p.Text(3) == "succeeded";
  const bool paid_by_this = was_paid && p.Text(4) == txn;
  const int64_t buyer = p.Int(5);
  const std::string order_status = p.Text(6);
  p.Reset();
  // A transaction seen before is answered, not applied: the one the payment succeeded by, or one kept
  // in payment_notifications (a further transaction for the paid intent).
  bool seen = paid_by_this;
  if (was_paid && !seen) {
    store::Stmt& kept = tx.db.Cached("SELECT 1 FROM payment_notifications WHERE provider = ? AND txn = ?");
    kept.Bind(1, provider).Bind(2, txn);
    seen = kept.Step();
    kept.Reset();
  }
  if (seen) return json::value{{"status", "already_applied"}};
  if (amount != expected) {
    return core::MakeError("amount_mismatch",
                           "the notification's amount " + std::to_string(amount) + " is not the payment's " +
                               std::to_string(expected),
                           "amount");
  }
  if (was_paid) {
    // A second transaction for a paid intent: money arrived twice; finance must return it.
    tx.db.Cached("INSERT INTO payment_notifications (provider, txn, received_at, payment) VALUES (?,?,?,?)")
        .Bind(1, provider)
        .Bind(2, txn)
        .Bind(3, tx.now)
        .Bind(4, payment)
        .Run();
    tx.Audit(Caller{}, "duplicate_payment", "order:" + std::to_string(order), {{"txn", txn}, {"amount", amount}});
    return json::value{{"status", "duplicate_payment"}};
  }
  tx.db.Cached("UPDATE payments SET status = 'succeeded', provider_txn = ?, completed_at = ? WHERE id = ?")
      .Bind(1, txn)
      .Bind(2, tx.now)
      .Bind(3, payment)
      .Run();
  if (order_status == "expired" || order_status == "cancelled") {
    if (!ReserveStock(tx.db, order)) {
      // Paid too late and the goods are gone: the money goes back; nothing reaches the engine.
      tx.db.Cached("UPDATE orders SET status = 'refunded', refunded_at = ?, refund_reason = ? WHERE id = ?")
          .Bind(1, tx.now)
          .Bind(2, "paid after the order had closed; out of stock")
          .Bind(3, order)
          .Run();
      tx.Audit(Caller{}, "late_payment_refunded", "order:" + std::to_string(order), {{"txn", txn}});
      return json::value{{"status", "refunded"}};
    }
  } else if (order_status != "created") {
    tx.Audit(Caller{}, "payment_for_closed_order", "order:" + std::to_string(order), {{"txn", txn}});
    return json::value{{"status", "ignored"}};
  }
  // Every line reaches the engine as a paid order; items were validated when the order was made.
  store::Stmt& items = tx.db.Cached("SELECT line, sku, qty, unit_price FROM order_items WHERE order_id = ? ORDER BY line");
  items.Bind(1, order);
  struct Item {
    int64_t line;
    std::string sku;
    int64_t qty, unit_price;
  };
  std::vector<Item> lines;
  while (items.Step()) lines.push_back(Item{items.Int(0), items.Text(1), items.Int(2), items.Int(3)});
  items.Reset();
  for (const Item& it : lines) {
    auto paid = tx.Engine(Command{Op::kOrder, buyer, it.qty, it.unit_price, it.sku});
    if (!paid) return paid.error();
    tx.db.Cached("UPDATE order_items SET engine_order = ? WHERE order_id = ? AND line = ?")
        .Bind(1, int64_t{*paid})
        .Bind(2, order)
        .Bind(3, it.line)
        .Run();
  }
  SetStatus(tx.db, order, "paid", "paid_at", tx.now);
  if (!tx.shop.FirstPaidKnown(buyer)) {
    tx.db.Cached("UPDATE members SET first_paid_at = ? WHERE id = ? AND first_paid_at IS NULL")
        .Bind(1, tx.now)
        .Bind(2, buyer)
        .Run();
    tx.shop.NoteFirstPaid(buyer);  // the last statement of the job: nothing after it can roll it back
  }
  return json::value{{"status", "applied"}, {"order", order}};
}

Reply ShipOrder(Tx& tx, const Caller& caller, int64_t order, const std::string& tracking) {
  if (!HasRole(caller, {"operator"})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();
  auto o = LoadOrder(tx.db, order);
  if (!o) return NotFound("order", "order");
  if (o->status != "paid") return WrongState(*o, "paid");
  if (tracking.size() > 100) return Invalid("tracking", "a tracking number has at most 100 characters");
  tx.db.Cached("UPDATE orders SET status = 'shipped', shipped_at = ?, tracking = ? WHERE id = ?")
      .Bind(1, tx.now)
      .Bind(2, tracking)
      .Bind(3, order)
      .Run();
  tx.Audit(caller, "ship_order", "order:" + std::to_string(order), {{"tracking", tracking}});
  return json::value(OrderJson(tx.db, order));
}

namespace {
void MarkReceived(Tx& tx, int64_t order) {
  tx.db.Cached("UPDATE orders SET status = 'received', received_at = ?1, settle_at = ?2 WHERE id = ?3")
      .Bind(1, tx.now)
      .Bind(2, tx.now + tx.shop.config().return_window_ms)
      .Bind(3, order)
      .Run();
}
}  // namespace

Reply ConfirmReceipt(Tx& tx, const Caller& caller, int64_t order) {
  auto o = OwnOrder(tx.db, caller, order);
  if (!o) return o.error();
  if (caller.staff()) return Forbidden();
  if (o->status != "shipped") return WrongState(*o, "shipped");
  MarkReceived(tx, order);
  return json::value(OrderJson(tx.db, order));
}

Reply RequestRefund(Tx& tx, const Caller& caller, int64_t order, const std::string& reason) {
  auto o = OwnOrder(tx.db, caller, order);
  if (!o) return o.error();
  if (caller.staff()) return Forbidden();
  if (o->status != "paid" && o->status != "shipped" && o->status != "received") {
    return WrongState(*o, "paid, shipped or received (within the return window)");
  }
  if (reason.size() > 500) return Invalid("reason", "a reason has at most 500 bytes");
  tx.db.Cached(
        "UPDATE orders SET status = 'refund_requested', status_before_refund = ?, refund_requested_at = ?, "
        "refund_reason = ?, refund_note = NULL WHERE id = ?")
      .Bind(1, o->status)
      .Bind(2, tx.now)
      .Bind(3, reason)
      .Bind(4, order)
      .Run();
  return json::value(OrderJson(tx.db, order));
}

Reply ApproveRefund(Tx& tx, const Caller& caller, int64_t order, const std::string& reason) {
  if (!HasRole(caller, {"operator", "finance"})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();
  auto why = CheckReason(reason);
  if (!why) return why.error();
  auto o = LoadOrder(tx.db, order);
  if (!o) return NotFound("order", "order");
  const bool requested = o->status == "refund_requested";
  if (!requested && o->status != "paid" && o->status != "shipped" && o->status != "received" &&
      o->status != "settled") {
    return WrongState(*o, "paid (refund requested, or any paid state for a staff refund)");
  }
  const std::string before = requested ? o->status_before_refund : o->status;
  store::Stmt& s = tx.db.Cached("SELECT engine_order FROM order_items WHERE order_id = ? ORDER BY line");
  s.Bind(1, order);
  std::vector<int64_t> lines;
  while (s.Step()) lines.push_back(s.Int(0));
  s.Reset();
  for (int64_t line : lines) {
    auto r = tx.Engine(Command{Op::kRefund, line});
    if (!r) return r.error();
  }
  tx.db.Cached("UPDATE orders SET status = 'refunded', refunded_at = ?, settle_at = NULL WHERE id = ?")
      .Bind(1, tx.now)
      .Bind(2, order)
      .Run();
  if (before == "paid") ReleaseStock(tx.db, order);  // not shipped: back on the shelf
  tx.Audit(caller, "refund_order", "order:" + std::to_string(order),
           {{"from", before}, {"requested", requested}, {"reason", *why}});
  return json::value(OrderJson(tx.db, order));
}

Reply RejectRefund(Tx& tx, const Caller& caller, int64_t order, const std::string& note, const std::string& reason) {
  if (!HasRole(caller, {"operator", "finance"})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();
  auto why = CheckReason(reason);
  if (!why) return why.error();
  if (note.size() > 500) return Invalid("note", "a note has at most 500 bytes");
  auto o = LoadOrder(tx.db, order);
  if (!o) return NotFound("order", "order");
  if (o->status != "refund_requested") return WrongState(*o, "refund_requested");
  // The member reads why on the order (refund_note): the note when one is given, else the reason.
  const std::string shown = note.empty() ? *why : note;
  tx.db.Cached(
        "UPDATE orders SET status = status_before_refund, status_before_refund = NULL, refund_note = ? WHERE id = ?")
      .Bind(1, shown)
      .Bind(2, order)
      .Run();
  tx.Audit(caller, "reject_refund", "order:" + std::to_string(order),
           {{"from", o->status}, {"to", o->status_before_refund}, {"note", shown}, {"reason", *why}});
  return json::value(OrderJson(tx.db, order));
}

// ---- scheduler ----

Reply SchedulerPass(Tx& tx, int utc_offset_minutes) {
  const ShopConfig& cfg = tx.shop.config();
  int64_t expired = 0, confirmed = 0, settled = 0, days = 0;
  {
    store::Stmt& s = tx.db.Cached("SELECT id FROM orders WHERE status = 'created' AND expires_at <= ? LIMIT 10000");
    s.Bind(1, tx.now);
    std::vector<int64_t> ids;
    while (s.Step()) ids.push_back(s.Int(0));
    s.Reset();
    for (int64_t id : ids) {
      SetStatus(tx.db, id, "expired", "closed_at", tx.now);
      ReleaseStock(tx.db, id);
      ++expired;
    }
  }
  {
    store::Stmt& s = tx.db.Cached("SELECT id FROM orders WHERE status = 'shipped' AND shipped_at <= ? LIMIT 10000");
    s.Bind(1, tx.now - cfg.auto_confirm_ms);
    std::vector<int64_t> ids;
    while (s.Step()) ids.push_back(s.Int(0));
    s.Reset();
    for (int64_t id : ids) {
      MarkReceived(tx, id);
      ++confirmed;
    }
  }
  {
    store::Stmt& s = tx.db.Cached(
        "SELECT id FROM orders WHERE status = 'received' AND settle_at IS NOT NULL AND settle_at <= ? LIMIT 10000");
    s.Bind(1, tx.now);
    std::vector<int64_t> ids;
    while (s.Step()) ids.push_back(s.Int(0));
    s.Reset();
    for (int64_t id : ids) {
      store::Stmt& l = tx.db.Cached("SELECT engine_order FROM order_items WHERE order_id = ? ORDER BY line");
      l.Bind(1, id);
      std::vector<int64_t> lines;
      while (l.Step()) lines.push_back(l.Int(0));
      l.Reset();
      for (int64_t line : lines) {
        auto r = tx.Engine(Command{Op::kSettle, line});
        if (!r) return r.error();
      }
      SetStatus(tx.db, id, "settled", "settled_at", tx.now);
      ++settled;
    }
  }
  {
    // Close every shop day that has ended since the last close (the first start counts from its own day).
    const int64_t today = ShopDay(tx.now, utc_offset_minutes);
    store::Stmt& s = tx.db.Cached("SELECT max(day) FROM day_closes");
    s.Step();
    std::optional<int64_t> last = s.OptInt(0);
    s.Reset();
    if (!last) {
      store::Stmt& first = tx.db.Cached("SELECT min(joined_at) FROM members");
      first.Step();
      const std::optional<int64_t> since = first.OptInt(0);
      first.Reset();
      last = (since ? ShopDay(*since, utc_offset_minutes) : today) - 1;
    }
    for (int64_t day = *last + 1; day < today; ++day) {
      auto r = tx.Engine(Command{Op::kCloseDay});
      if (!r) return r.error();
      tx.db.Cached("INSERT INTO day_closes (day, closed_at, seq) VALUES (?, ?, (SELECT max(seq) FROM engine_log))")
          .Bind(1, day)
          .Bind(2, tx.now)
          .Run();
      ++days;
    }
  }
  return json::value{{"expired", expired}, {"confirmed", confirmed}, {"settled", settled}, {"days_closed", days}};
}

}  // namespace guanxi::service
