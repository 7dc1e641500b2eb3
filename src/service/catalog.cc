// The catalogue: products with SKUs, list and member prices (会员价), stock, status, images.
#include <optional>
#include <string>

#include "core/text.h"

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

namespace {

core::Status CheckSku(const std::string& sku) {
  if (sku.empty() || static_cast<int64_t>(sku.size()) > limits::kSkuMaxChars) {
    return Invalid("sku", core::LengthMessage("a SKU", 1, limits::kSkuMaxChars));
  }
  for (char ch : sku) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
          ch == '_' || ch == '.')) {
      return Invalid("sku", "a SKU uses letters, digits, '-', '_' and '.'");
    }
  }
  return core::Ok{};
}

// A whole product, as it will be stored: every limit of limits.json, stated in its message.
core::Status CheckProduct(const core::Engine& engine, const ProductReq& r) {
  if (auto ok = CheckSku(r.sku); !ok) return ok;
  const auto name_chars = static_cast<int64_t>(core::CountChars(r.name));
  if (name_chars == 0 || name_chars > limits::kProductNameMaxChars) {
    return Invalid("name", core::LengthMessage("a name", 1, limits::kProductNameMaxChars));
  }
  if (r.price < 0 || r.price > limits::kAmountMaxFen) {
    return Invalid("price", "price must be 0.." + std::to_string(limits::kAmountMaxFen) + " fen (at most " +
                                core::FormatYuan(limits::kAmountMaxFen) + " yuan)");
  }
  if (r.stock < 0 || r.stock > limits::kStockMax) return Invalid("stock", core::RangeMessage("stock", 0, limits::kStockMax));
  if (static_cast<int64_t>(core::CountChars(r.description)) > limits::kDescriptionMaxChars) {
    return Invalid("description", core::LengthMessage("a description", 0, limits::kDescriptionMaxChars));
  }
  if (r.status != "on" && r.status != "off") return Invalid("status", "status is \"on\" or \"off\"");
  for (const auto& [rank, price] : r.member_prices) {
    if (!engine.plan().FindRank(rank)) {
      return Invalid("member_prices", "the plan has no rank " + std::string(rank));
    }
    if (!price.is_int64() || price.as_int64() < 0 || price.as_int64() > r.price) {
      return Invalid("member_prices", "a member price is a whole number of fen from 0 to the list price (" +
                                          std::to_string(r.price) + " fen)");
    }
  }
  for (const auto& img : r.images) {
    if (!img.is_string() || img.as_string().size() > 1000) return Invalid("images", "images are URLs (strings)");
  }
  return core::Ok{};
}

std::optional<ProductReq> LoadProduct(store::Db& db, const std::string& sku) {
  store::Stmt& s = db.Cached("SELECT name, price, member_prices, stock, status, images, description FROM products WHERE sku = ?");
  s.Bind(1, sku);
  if (!s.Step()) {
    s.Reset();
    return std::nullopt;
  }
  ProductReq p;
  p.sku = sku;
  p.name = s.Text(0);
  p.price = s.Int(1);
  p.member_prices = json::parse(s.Text(2)).as_object();
  p.stock = s.Int(3);
  p.status = s.Text(4);
  p.images = json::parse(s.Text(5)).as_array();
  p.description = s.Text(6);
  s.Reset();
  return p;
}

// Runs an INSERT or UPDATE of products whose parameters ?1..?9 are sku, name, price, member_prices,
// stock, status, images, description and updated_at.
void WriteProduct(Tx& tx, const char* sql, const ProductReq& p) {
  tx.db.Cached(sql)
      .Bind(1, p.sku)
      .Bind(2, p.name)
      .Bind(3, p.price)
      .Bind(4, json::serialize(p.member_prices))
      .Bind(5, p.stock)
      .Bind(6, p.status)
      .Bind(7, json::serialize(p.images))
      .Bind(8, p.description)
      .Bind(9, tx.now)
      .Run();
}

json::value StoredProduct(Tx& tx, const Caller& caller, const std::string& sku) {
  store::Stmt& s = tx.db.Cached(std::string("SELECT ") + kColumns + " FROM products WHERE sku = ?");
  s.Bind(1, sku);
  s.Step();
  json::object o = ProductJson(s, tx.engine, caller);
  s.Reset();
  return json::value(std::move(o));
}

}  // namespace

core::Error SkuTaken() {
  return core::MakeError("sku_taken", "a product already has this SKU: edit it, or choose another SKU", "sku");
}

Reply CreateProduct(Tx& tx, const Caller& caller, const ProductReq& r) {
  if (!HasRole(caller, {"operator"})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();
  if (auto ok = CheckProduct(tx.engine, r); !ok) return ok.error();
  if (LoadProduct(tx.db, r.sku)) return SkuTaken();  // nothing changes: the product keeps its name and prices
  auto engine_product = tx.Engine(Command{Op::kProduct, -1, 0, r.price, r.sku});
  if (!engine_product) return engine_product.error();
  WriteProduct(tx,
               "INSERT INTO products (sku, name, price, member_prices, stock, status, images, description, "
               "updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
               r);
  tx.Audit(caller, "create_product", "sku:" + r.sku,
           {{"name", r.name}, {"price", r.price}, {"member_prices", r.member_prices}, {"stock", r.stock},
            {"status", r.status}});
  return StoredProduct(tx, caller, r.sku);
}

Reply EditProduct(Tx& tx, const Caller& caller, const ProductEdit& e) {
  if (!HasRole(caller, {"operator"})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();
  std::optional<ProductReq> before = LoadProduct(tx.db, e.sku);
  if (!before) return NotFound("product", "sku");
  ProductReq after = *before;
  if (e.name) after.name = *e.name;
  if (e.price) after.price = *e.price;
  if (e.member_prices) after.member_prices = *e.member_prices;
  if (e.stock) after.stock = *e.stock;
  if (e.status) after.status = *e.status;
  if (e.images) after.images = *e.images;
  if (e.description) after.description = *e.description;
  if (auto ok = CheckProduct(tx.engine, after); !ok) return ok.error();
  // What changed, before → after (money in fen), for the audit log.
  json::object changes;
  auto note = [&](const char* field, json::value from, json::value to) {
    if (from != to) changes[field] = json::object{{"before", std::move(from)}, {"after", std::move(to)}};
  };
  note("name", json::value(before->name), json::value(after.name));
  note("price", before->price, after.price);
  note("member_prices", before->member_prices, after.member_prices);
  note("stock", before->stock, after.stock);
  note("status", json::value(before->status), json::value(after.status));
  note("images", before->images, after.images);
  note("description", json::value(before->description), json::value(after.description));
  if (changes.empty()) return StoredProduct(tx, caller, e.sku);
  if (after.price != before->price) {
    auto engine_product = tx.Engine(Command{Op::kProduct, -1, 0, after.price, after.sku});
    if (!engine_product) return engine_product.error();
  }
  WriteProduct(tx,
               "UPDATE products SET name = ?2, price = ?3, member_prices = ?4, stock = ?5, status = ?6, "
               "images = ?7, description = ?8, updated_at = ?9 WHERE sku = ?1",
               after);
  tx.Audit(caller, "edit_product", "sku:" + e.sku, {{"changes", std::move(changes)}});
  return StoredProduct(tx, caller, e.sku);
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
