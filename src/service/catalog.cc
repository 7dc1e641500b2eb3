// The catalogue: products with SKUs, list and member prices (会员价), stock, status, images.
#include <optional>
#include <string>

#include "service/api.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;

namespace {

// A product as `caller` sees it: "unit_price" is what the caller would be charged for one unit now
// (UnitPriceFor: the order's own pricing), the list price for a visitor or staff; "member_price_from"
// the lowest member price of any rank, when one is below the list price (what the shelf may advertise
// as 会员价低至, never as the viewer's price), else null.
json::object ProductJson(const store::Stmt& s, const core::Engine& engine, const Caller& caller) {
  // columns: id, sku, name, price, member_prices, stock, status, images, description
  const std::string sku = s.Text(1);
  const core::Fen list = s.Int(3);
  json::value prices = json::parse(s.Text(4));
  std::optional<core::RankId> rank;
  if (caller.member >= 0 && caller.member < static_cast<int64_t>(engine.member_count())) {
    rank = engine.rank(static_cast<core::MemberId>(caller.member));
  }
  const core::Fen unit = UnitPriceFor(engine.plan(), rank, list, prices.as_object());
  json::value from = nullptr;
  for (const auto& [r, price] : prices.as_object()) {
    if (price.is_int64() && price.as_int64() < list && (from.is_null() || price.as_int64() < from.as_int64())) {
      from = price.as_int64();
    }
  }
  json::object o{{"id", s.Int(0)},          {"sku", sku},
                 {"name", s.Text(2)},       {"price", list},
                 {"unit_price", unit},      {"member_price_from", from},
                 {"member_prices", std::move(prices)},
                 {"stock", s.Int(5)},       {"status", s.Text(6)},
                 {"images", json::parse(s.Text(7))},
                 {"description", s.Text(8)}};
  if (auto p = engine.FindProduct(sku)) {
    const core::ActivityId a = engine.product_activity(*p);
    if (a != core::kNoActivity) o["activity"] = engine.plan().activities[a].name;
  }
  return o;
}

constexpr const char* kColumns = "id, sku, name, price, member_prices, stock, status, images, description";

}  // namespace

core::Fen UnitPriceFor(const core::Plan& plan, std::optional<core::RankId> rank, core::Fen list_price,
                       const json::object& member_prices) {
  core::Fen unit = list_price;
  if (!rank) return unit;
  for (const auto& [rank_name, price] : member_prices) {
    const auto needed = plan.FindRank(rank_name);
    if (needed && *rank >= *needed && price.is_int64() && price.as_int64() < unit) unit = price.as_int64();
  }
  return unit;
}

Reply UpsertProduct(Tx& tx, const Caller& caller, const ProductReq& r) {
  if (!HasRole(caller, {"operator"})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();
  if (r.sku.empty() || r.sku.size() > 64) return Invalid("sku", "a SKU has 1 to 64 characters");
  for (char ch : r.sku) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
          ch == '_' || ch == '.')) {
      return Invalid("sku", "a SKU uses letters, digits, '-', '_' and '.'");
    }
  }
  if (r.name.empty() || r.name.size() > 200) return Invalid("name", "a name has 1 to 200 bytes");
  if (r.price < 0 || r.price > core::kMaxPlanAmount) return Invalid("price", "price must be 0..10^10 fen");
  if (r.stock < 0 || r.stock > 1'000'000'000) return Invalid("stock", "stock must be 0..10^9");
  if (r.status != "on" && r.status != "off") return Invalid("status", "status is \"on\" or \"off\"");
  for (const auto& [rank, price] : r.member_prices) {
    if (!tx.engine.plan().FindRank(rank)) {
      return Invalid("member_prices", "the plan has no rank " + std::string(rank));
    }
    if (!price.is_int64() || price.as_int64() < 0 || price.as_int64() > r.price) {
      return Invalid("member_prices", "a member price is an integer number of fen, at most the list price");
    }
  }
  for (const auto& img : r.images) {
    if (!img.is_string() || img.as_string().size() > 1000) return Invalid("images", "images are URLs (strings)");
  }
  auto engine_product = tx.Engine(Command{Op::kProduct, -1, 0, r.price, r.sku});
  if (!engine_product) return engine_product.error();
  // Update the SKU's row, or insert it (the writer is alone, so nothing comes between the two).
  for (const char* sql :
       {"UPDATE products SET name = ?2, price = ?3, member_prices = ?4, stock = ?5, status = ?6, images = ?7, "
        "description = ?8, updated_at = ?9 WHERE sku = ?1",
        "INSERT INTO products (sku, name, price, member_prices, stock, status, images, description, updated_at) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"}) {
    tx.db.Cached(sql)
        .Bind(1, r.sku)
        .Bind(2, r.name)
        .Bind(3, r.price)
        .Bind(4, json::serialize(r.member_prices))
        .Bind(5, r.stock)
        .Bind(6, r.status)
        .Bind(7, json::serialize(r.images))
        .Bind(8, r.description)
        .Bind(9, tx.now)
        .Run();
    if (tx.db.Changes() > 0) break;
  }
  tx.Audit(caller, "upsert_product", "sku:" + r.sku, {{"price", r.price}, {"stock", r.stock}, {"status", r.status}});
  store::Stmt& s = tx.db.Cached(std::string("SELECT ") + kColumns + " FROM products WHERE sku = ?");
  s.Bind(1, r.sku);
  s.Step();
  json::object o = ProductJson(s, tx.engine, caller);
  s.Reset();
  return json::value(std::move(o));
}

Reply ListProducts(ReadCtx& c, const Caller& caller, int64_t after, int limit, bool all) {
  const bool staff_view = all && HasRole(caller, {"operator", "finance", "sales"});
  limit = ClampLimit(limit);
  store::Stmt& s = c.db.Cached(
      staff_view ? std::string("SELECT ") + kColumns + " FROM products WHERE id > ? ORDER BY id LIMIT ?"
                 : std::string("SELECT ") + kColumns + " FROM products WHERE status = 'on' AND id > ? ORDER BY id LIMIT ?");
  s.Bind(1, after).Bind(2, int64_t{limit} + 1);
  return Page(s, limit, [&](const store::Stmt& r) { return ProductJson(r, c.engine, caller); });
}

Reply GetProduct(ReadCtx& c, const Caller& caller, const std::string& sku) {
  store::Stmt& s = c.db.Cached(std::string("SELECT ") + kColumns + " FROM products WHERE sku = ?");
  s.Bind(1, sku);
  if (!s.Step()) {
    s.Reset();
    return NotFound("product", "sku");
  }
  json::object o = ProductJson(s, c.engine, caller);
  s.Reset();
  if (o["status"].as_string() != "on" && !caller.staff()) return NotFound("product", "sku");
  return json::value(std::move(o));
}

}  // namespace guanxi::service
