#include "http/api.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <optional>

#include "http/await.h"
#include "http/handlers.h"
#include "http/server.h"
#include "service/api.h"
#include "service/crypto.h"
#include "service/metrics.h"
#include "service/qr.h"
#include "service/util.h"

namespace guanxi::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using asio::awaitable;
using beast::http::verb;
using service::Caller;
using service::Reply;
using service::Shop;

// ---- request parsing ----

// A plan's refusal names its line in the message ("plan.toml:12: unknown key …"); it is also given as
// "line", so that an editor can point at it.
std::optional<int64_t> PlanErrorLine(const core::Error& e) {
  const std::string prefix = std::string(service::kPlanSourceName) + ":";
  if (e.code != "invalid_plan" || !e.message.starts_with(prefix)) return std::nullopt;
  int64_t line = 0;
  const char* begin = e.message.data() + prefix.size();
  auto [p, ec] = std::from_chars(begin, e.message.data() + e.message.size(), line);
  if (ec != std::errc() || p == begin || *p != ':') return std::nullopt;
  return line;
}

}  // namespace

Response ErrorResponse(const core::Error& e) {
  const unsigned status = service::HttpStatus(e);
  const std::optional<int64_t> line = PlanErrorLine(e);
  if (!line) {
    Response r = Response::Error(status, e.code, e.message, e.field);
    // Too busy now (a full password hashing queue): a client may come back in a second.
    if (e.code == "overloaded") r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  json::object err{
      {"code", e.code}, {"message", e.message}, {"field", e.field.empty() ? "toml" : e.field}, {"line", *line}};
  return Response::Json(status, json::object{{"error", std::move(err)}});
}

namespace {

core::Result<json::object> Body(const Request& req) {
  if (req.body.empty()) return json::object{};
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec) return core::MakeError("malformed_json", "the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return core::MakeError("malformed_json", "the body must be a JSON object");
  return std::move(v.as_object());
}

// Field readers: a missing optional field gives the default; a present field of the wrong type is an
// error naming it.
core::Result<std::string> Str(const json::object& o, const char* field, bool required, size_t max = 1000) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) {
    if (required) return core::MakeError("missing_field", std::string(field) + " is required", field);
    return std::string();
  }
  if (!it->value().is_string()) return core::MakeError("invalid_" + std::string(field), std::string(field) + " must be a string", field);
  if (it->value().as_string().size() > max) {
    return core::MakeError("invalid_" + std::string(field),
                           std::string(field) + " is too long: at most " + std::to_string(max) + " bytes", field);
  }
  return std::string(it->value().as_string());
}

// What an integer field holds, so that its message says so: a rebind's referrer is a member id,
// not money (issue #18). A plain whole number by default; money and ids name their unit.
enum class IntKind { kCount, kFen, kMemberId };

core::Result<int64_t> Int(const json::object& o, const char* field, bool required, int64_t fallback = 0,
                          IntKind kind = IntKind::kCount) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) {
    if (required) return core::MakeError("missing_field", std::string(field) + " is required", field);
    return fallback;
  }
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64() && it->value().as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(it->value().as_uint64());
  }
  const char* what = kind == IntKind::kFen        ? " must be a whole number of fen"
                     : kind == IntKind::kMemberId ? " must be a member id (a whole number)"
                                                  : " must be a whole number";
  return core::MakeError("invalid_" + std::string(field), std::string(field) + what, field);
}

// A plan upload's `lint_shown`: the codes of the lint findings the console showed before the upload
// was confirmed (at most 100 codes of at most 64 bytes), or their count; null when absent.
core::Result<json::value> LintShown(const json::object& o) {
  auto it = o.find("lint_shown");
  if (it == o.end() || it->value().is_null()) return json::value(nullptr);
  const json::value& v = it->value();
  const auto bad = [] {
    return core::MakeError("invalid_lint_shown", "lint_shown is a list of finding codes or their count", "lint_shown");
  };
  if (v.is_int64() || v.is_uint64()) {
    if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() > 100) return bad();
    return v;
  }
  if (!v.is_array() || v.as_array().size() > 100) return bad();
  for (const json::value& code : v.as_array()) {
    if (!code.is_string() || code.as_string().empty() || code.as_string().size() > 64) return bad();
  }
  return v;
}

// A product's fields as a request gives them; absent ones stay unset (an edit changes only those
// given). Creating requires a name and a price. Lengths are checked in characters by the service, whose
// message states the limit; the request's body limit bounds the work.
core::Result<service::ProductEdit> ProductFields(const json::object& body, bool creating) {
  service::ProductEdit e;
  const auto text = [&](const char* field, std::optional<std::string>& out) -> core::Status {
    if (body.find(field) == body.end() && !creating) return core::Ok{};
    auto v = Str(body, field, creating && std::string_view(field) == "name", SIZE_MAX);
    if (!v) return v.error();
    if (body.find(field) != body.end()) out = *v;
    return core::Ok{};
  };
  if (auto ok = text("name", e.name); !ok) return ok.error();
  if (auto ok = text("status", e.status); !ok) return ok.error();
  if (auto ok = text("description", e.description); !ok) return ok.error();
  if (creating || body.contains("price")) {
    auto price = Int(body, "price", creating, 0, IntKind::kFen);
    if (!price) return price.error();
    e.price = *price;
  }
  if (body.contains("stock")) {
    auto stock = Int(body, "stock", false, 0);
    if (!stock) return stock.error();
    e.stock = *stock;
  }
  if (auto it = body.find("member_prices"); it != body.end()) {
    if (!it->value().is_object()) {
      return core::MakeError("invalid_member_prices", "member_prices maps rank names to fen", "member_prices");
    }
    e.member_prices = it->value().as_object();
  }
  if (auto it = body.find("images"); it != body.end()) {
    if (!it->value().is_array()) return core::MakeError("invalid_images", "images is a list of URLs", "images");
    e.images = it->value().as_array();
  }
  return e;
}

}  // namespace

int64_t QueryInt(const Request& req, std::string_view name, int64_t fallback) {
  const std::string_view v = req.Query(name);
  int64_t out = fallback;
  if (!v.empty()) {
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size()) return fallback;
  }
  return out;
}

core::Result<int64_t> PathId(const Request& req, std::string_view name) {
  const std::string_view v = req.Param(name);
  int64_t out = -1;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || out < 0) {
    return core::MakeError("not_found", "no such " + std::string(name), std::string(name));
  }
  return out;
}

namespace {

// ---- running service operations ----

// GCC 12 mishandles temporaries with destructors inside `co_await` full-expressions (they can be
// destroyed twice), so the callbacks below are named locals and every co_await result is stored
// before it is returned.
Response ToResponse(const Reply& r, unsigned ok_status) {
  if (!r) return ErrorResponse(r.error());
  return Response::Json(ok_status, r.value());
}

awaitable<Response> DoWrite(Shop& shop, std::function<Reply(service::Tx&)>& job, unsigned ok_status = 200) {
  std::function<void(std::function<void(Reply)>)> start = [&shop, &job](std::function<void(Reply)> done) {
    shop.Write(std::move(job), std::move(done));
  };
  Reply r = co_await Await<Reply>(std::move(start));
  Response res = ToResponse(r, ok_status);
  co_return res;
}

}  // namespace

namespace {

// Runs a read and gives its reply once the state it saw is durable (or store_unavailable).
awaitable<Reply> ReadDurable(Shop& shop, const std::function<Reply(service::ReadCtx&)>& fn) {
  uint64_t seq = 0;
  Reply r = shop.Read(fn, &seq);
  // The read may have seen a batch whose commit is still in flight: answer once it is durable.
  std::function<void(std::function<void(bool)>)> start = [&shop, seq](std::function<void(bool)> done) {
    shop.WhenDurable(seq, std::move(done));
  };
  const bool durable = co_await Await<bool>(std::move(start));
  if (!durable) r = Reply(service::StoreUnavailable());
  co_return r;
}

}  // namespace

awaitable<Response> DoRead(Shop& shop, const std::function<Reply(service::ReadCtx&)>& fn) {
  const Reply r = co_await ReadDurable(shop, fn);
  Response res = ToResponse(r, 200);
  co_return res;
}

namespace {

// Runs `fn` on the hashing pool's lane and gives its result; nothing when the lane is full.
template <typename T>
awaitable<std::optional<T>> OnHashPool(Shop& shop, service::HashPool::Lane lane, std::function<T()> fn) {
  std::function<void(std::function<void(std::optional<T>)>)> start =
      [&shop, lane, &fn](std::function<void(std::optional<T>)> done) {
        if (!shop.Hash(lane, [fn, done] { done(fn()); })) done(std::nullopt);
      };
  std::optional<T> result = co_await Await<std::optional<T>>(std::move(start));
  co_return result;
}

// A password's hash at the shop's cost; nothing when the lane is full.
awaitable<std::optional<std::string>> HashOffThread(Shop& shop, const std::string& password,
                                                    service::HashPool::Lane lane) {
  std::function<std::string()> hash = [cost = shop.password_cost(), password] {
    return service::HashPassword(password, cost);
  };
  std::optional<std::string> result = co_await OnHashPool(shop, lane, std::move(hash));
  co_return result;
}

// Sends a sandbox notification to this server, as the provider would, retrying with back-off until it
// is acknowledged (2xx) or 8 attempts have failed.
awaitable<void> DeliverNotification(std::string host, uint16_t port, service::Notification n) {
  auto ex = co_await asio::this_coro::executor;
  std::chrono::milliseconds delay{50};
  for (int attempt = 0; attempt < 8; ++attempt) {
    try {
      beast::tcp_stream stream(ex);
      stream.expires_after(std::chrono::seconds(10));
      co_await stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address(host), port), asio::use_awaitable);
      beast::http::request<beast::http::string_body> req{verb::post, "/api/v1/payments/notify/sandbox", 11};
      req.set(beast::http::field::host, host);
      req.set(beast::http::field::content_type, "application/json");
      req.set("X-Sandbox-Signature", n.signature);
      req.body() = n.body;
      req.prepare_payload();
      co_await beast::http::async_write(stream, req, asio::use_awaitable);
      beast::flat_buffer buf;
      beast::http::response<beast::http::string_body> res;
      co_await beast::http::async_read(stream, buf, res, asio::use_awaitable);
      if (res.result_int() / 100 == 2) co_return;
    } catch (const std::exception&) {
      // retried below
    }
    asio::steady_timer t(ex, delay);
    co_await t.async_wait(asio::use_awaitable);
    delay *= 2;
  }
}

}  // namespace

Caller Who(Shop& shop, const Request& req) {
  if (!req.bearer.empty() && !shop.available()) throw HttpError(ErrorResponse(service::StoreUnavailable()));
  Caller c = shop.Authenticate(req.bearer);
  c.lang = i18n::LangFromAcceptLanguage(req.Header("Accept-Language"));
  return c;
}

void AddShopRoutes(Router& router, Shop& shop, service::Metrics* metrics, const ApiOptions& options) {
  Shop* s = &shop;
  const ApiOptions* opt = &options;

  router.Add(verb::get, "/healthz", [](Request&) -> awaitable<Response> {
    co_return Response::Json(200, json::value{{"status", "ok"}});
  });
  if (metrics != nullptr) router.Add(verb::get, "/metrics", MetricsHandler(*metrics));

  // ---- auth ----
  router.Add(verb::post, "/api/v1/auth/register", [s](Request& req) -> awaitable<Response> {
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto phone = Str(*body, "phone", true, 32);
    auto password = Str(*body, "password", true, service::kMaxPasswordBytes);
    auto invite = Str(*body, "invite_code", false, 32);
    auto channel = Str(*body, "channel", false, 64);
    for (const auto* r : {&phone, &password, &invite, &channel}) {
      if (!*r) co_return ErrorResponse(r->error());
    }
    if (auto ok = service::CheckCredentials(*phone, *password); !ok) co_return ErrorResponse(ok.error());
    // A taken phone is refused before a hash is spent on it (the writer checks again: two
    // registrations of one new phone may both get this far).
    std::function<Reply(service::ReadCtx&)> taken = [&](service::ReadCtx& ctx) {
      return service::PhoneRegistered(ctx, *phone);
    };
    const Reply registered = co_await ReadDurable(*s, taken);
    if (!registered) co_return ErrorResponse(registered.error());
    if (registered->as_bool()) co_return ErrorResponse(service::PhoneTaken());
    const std::optional<std::string> hash = co_await HashOffThread(*s, *password, service::HashPool::Lane::kRegister);
    if (!hash) co_return ErrorResponse(service::Overloaded());
    service::RegisterReq r{*phone, *hash, *invite, *channel};
    std::function<Reply(service::Tx&)> job = [r](service::Tx& tx) { return service::Register(tx, r); };
    Response res = co_await DoWrite(*s, job, 201);
    co_return res;
  });

  router.Add(verb::post, "/api/v1/auth/login", [s, metrics](Request& req) -> awaitable<Response> {
    auto count = [metrics](std::string_view outcome) {
      if (metrics != nullptr) metrics->Add("guanxi_logins_total", {{"outcome", outcome}}, 1);
    };
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto phone = Str(*body, "phone", true, 32);
    auto password = Str(*body, "password", true, service::kMaxPasswordBytes);
    if (!phone) co_return ErrorResponse(phone.error());
    if (!password) co_return ErrorResponse(password.error());
    service::LoginLimiter& limiter = s->login_limiter();
    const service::LoginLimiter::Verdict verdict = limiter.Begin(*phone, req.remote, s->clock().NowMs());
    if (verdict.wait_ms > 0) {
      count(verdict.by_address ? "delayed_address" : "delayed_account");
      const int64_t seconds = (verdict.wait_ms + 999) / 1000;
      Response r = Response::Error(429, "too_many_attempts",
                                   "too many failed logins; try again in " + std::to_string(seconds) + " s");
      r.headers.emplace_back("Retry-After", std::to_string(seconds));
      co_return r;
    }
    using Outcome = service::LoginLimiter::Outcome;
    std::optional<service::LoginRecord> login;
    std::function<Reply(service::ReadCtx&)> find = [&](service::ReadCtx& c) {
      login = service::FindLogin(c, *phone);
      return Reply(json::value(nullptr));
    };
    const Reply read = co_await ReadDurable(*s, find);
    if (!read) {
      limiter.End(*phone, req.remote, Outcome::kNotChecked, s->clock().NowMs());
      co_return ErrorResponse(read.error());
    }
    // An unknown phone is checked against a hash of the same cost, so timing does not tell which
    // phones have accounts; staff logins go ahead of members' in the hashing queue.
    std::function<bool()> verify = [hash = login ? login->password_hash : s->dummy_password_hash(), pw = *password] {
      return service::VerifyPassword(hash, pw);
    };
    const bool staff = login && login->role != "member";
    const std::optional<bool> verified = co_await OnHashPool(
        *s, staff ? service::HashPool::Lane::kStaffLogin : service::HashPool::Lane::kLogin, std::move(verify));
    if (!verified) {
      limiter.End(*phone, req.remote, Outcome::kNotChecked, s->clock().NowMs());
      count("overloaded");
      co_return ErrorResponse(service::Overloaded());
    }
    const bool good = *verified && login.has_value();
    limiter.End(*phone, req.remote, good ? Outcome::kRight : Outcome::kWrong, s->clock().NowMs());
    if (!good) {
      count("bad_credentials");
      co_return Response::Error(401, "bad_credentials", "wrong phone number or password", "password");
    }
    count("ok");
    const int64_t account = login->account;
    std::function<Reply(service::Tx&)> job = [account](service::Tx& tx) { return service::IssueToken(tx, account); };
    Response res = co_await DoWrite(*s, job);
    co_return res;
  });

  router.Add(verb::post, "/api/v1/auth/logout", [s](Request& req) -> awaitable<Response> {
    if (Who(*s, req).account < 0) co_return ErrorResponse(service::Unauthorized());
    std::string token = req.bearer;
    std::function<Reply(service::Tx&)> job = [token](service::Tx& tx) { return service::Logout(tx, token); };
    Response res = co_await DoWrite(*s, job);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/me", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::Me(ctx, c); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/plan", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::PlanView(ctx, c); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });

  // ---- catalogue ----
  router.Add(verb::get, "/api/v1/products", [s](Request& req) -> awaitable<Response> {
    // A visitor's list (list prices) is the same for every visitor: served from the catalogue cache
    // until a write changes the products (Shop::catalogue_version, read before the list's snapshot
    // begins). A member's carries the prices it pays ("unit_price"), so it is read for it.
    const int64_t after = QueryInt(req, "after", 0);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    const Caller c = req.bearer.empty() ? Caller{} : Who(*s, req);
    if (c.member >= 0) {
      std::function<Reply(service::ReadCtx&)> mine = [&](service::ReadCtx& ctx) {
        return service::ListProducts(ctx, c, after, limit, false);
      };
      Response res = co_await DoRead(*s, mine);
      co_return res;
    }
    const std::string key = std::to_string(after) + "/" + std::to_string(limit);
    const uint64_t version = s->catalogue_version();
    if (std::optional<std::string> body = s->CachedCatalogue(key, version)) {
      co_return Response::Text(200, std::move(*body), "application/json");
    }
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::ListProducts(ctx, Caller{}, after, limit, false);
    };
    Response res = co_await DoRead(*s, job);
    if (res.status == 200) s->CacheCatalogue(key, version, res.body);  // durable: DoRead waited for it
    co_return res;
  });
  router.Add(verb::get, "/api/v1/products/{sku}", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const std::string sku(req.Param("sku"));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::GetProduct(ctx, c, sku); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/admin/products", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    if (!c.staff()) co_return ErrorResponse(c.account < 0 ? service::Unauthorized() : service::Forbidden());
    const int64_t after = QueryInt(req, "after", 0);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::ListProducts(ctx, c, after, limit, true); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  // Creating and editing are two routes (issue #19): POST never overwrites (409 sku_taken), PUT never
  // creates (404 not_found) and changes only the fields it is given.
  router.Add(verb::post, "/api/v1/admin/products", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto fields = ProductFields(*body, true);
    if (!fields) co_return ErrorResponse(fields.error());
    auto sku = Str(*body, "sku", true, SIZE_MAX);
    if (!sku) co_return ErrorResponse(sku.error());
    service::ProductReq p;
    p.sku = *sku;
    p.name = *fields->name;
    p.price = *fields->price;
    p.stock = fields->stock.value_or(0);
    p.status = fields->status.value_or("on");
    p.description = fields->description.value_or("");
    p.member_prices = fields->member_prices.value_or(json::object{});
    p.images = fields->images.value_or(json::array{});
    std::function<Reply(service::Tx&)> job = [c, p](service::Tx& tx) { return service::CreateProduct(tx, c, p); };
    Response res = co_await DoWrite(*s, job, 201);
    co_return res;
  });
  router.Add(verb::put, "/api/v1/admin/products/{sku}", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto fields = ProductFields(*body, false);
    if (!fields) co_return ErrorResponse(fields.error());
    service::ProductEdit e = std::move(*fields);
    e.sku = std::string(req.Param("sku"));
    std::function<Reply(service::Tx&)> job = [c, e](service::Tx& tx) { return service::EditProduct(tx, c, e); };
    Response res = co_await DoWrite(*s, job);
    co_return res;
  });

  // ---- orders ----
  router.Add(verb::post, "/api/v1/orders", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    service::CreateOrderReq r;
    // The whole key, never a prefix: two keys that share 100 characters are two keys.
    r.idempotency_key = std::string(req.Header("Idempotency-Key"));
    if (r.idempotency_key.size() > service::kMaxIdempotencyKey) {
      co_return Response::Error(400, "invalid_idempotency_key",
                                "an Idempotency-Key has at most " + std::to_string(service::kMaxIdempotencyKey) +
                                    " characters",
                                "Idempotency-Key");
    }
    r.idempotency_fingerprint = service::TokenHash("POST " + req.path + "\n" + req.body);
    auto items = body->find("items");
    if (items == body->end() || !items->value().is_array()) {
      co_return Response::Error(400, "invalid_items", "items is a list of {sku, qty}", "items");
    }
    for (const json::value& v : items->value().as_array()) {
      if (!v.is_object()) co_return Response::Error(400, "invalid_items", "items is a list of {sku, qty}", "items");
      auto sku = Str(v.as_object(), "sku", true, 64);
      auto qty = Int(v.as_object(), "qty", false, 1);
      if (!sku) co_return ErrorResponse(sku.error());
      if (!qty) co_return ErrorResponse(qty.error());
      r.items.push_back({*sku, *qty});
    }
    auto pay = Str(*body, "pay", false, 32);
    if (!pay) co_return ErrorResponse(pay.error());
    r.pay = *pay;
    std::function<Reply(service::Tx&)> job = [c, r](service::Tx& tx) { return service::CreateOrder(tx, c, r); };
    Response res = co_await DoWrite(*s, job, 201);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/orders", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const int64_t after = QueryInt(req, "after", 0);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    const std::string status(req.Query("status"));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::ListOrders(ctx, *s, c, after, limit, status, -1); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/orders/{id}", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto id = PathId(req, "id");
    if (!id) co_return ErrorResponse(id.error());
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::GetOrder(ctx, c, *id); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  // Order and withdrawal actions that take an optional text field; the staff's decisions also take the
  // reason they are audited with (required: the service refuses one that is missing).
  struct Action {
    const char* path;
    const char* field;
    bool reason;
    Reply (*fn)(service::Tx&, const Caller&, int64_t, const std::string&, const std::string&);
  };
  static constexpr Action kActions[] = {
      {"/api/v1/orders/{id}/cancel", nullptr, false,
       [](service::Tx& tx, const Caller& c, int64_t id, const std::string&, const std::string&) {
         return service::CancelOrder(tx, c, id);
       }},
      {"/api/v1/orders/{id}/pay", "provider", false,
       [](service::Tx& tx, const Caller& c, int64_t id, const std::string& provider, const std::string&) {
         return service::CreatePayment(tx, c, id, provider.empty() ? "sandbox" : provider);
       }},
      {"/api/v1/orders/{id}/confirm", nullptr, false,
       [](service::Tx& tx, const Caller& c, int64_t id, const std::string&, const std::string&) {
         return service::ConfirmReceipt(tx, c, id);
       }},
      {"/api/v1/orders/{id}/refund", "reason", false,
       [](service::Tx& tx, const Caller& c, int64_t id, const std::string& reason, const std::string&) {
         return service::RequestRefund(tx, c, id, reason);
       }},
      {"/api/v1/admin/orders/{id}/ship", "tracking", false,
       [](service::Tx& tx, const Caller& c, int64_t id, const std::string& tracking, const std::string&) {
         return service::ShipOrder(tx, c, id, tracking);
       }},
      {"/api/v1/admin/orders/{id}/refund", nullptr, true,
       [](service::Tx& tx, const Caller& c, int64_t id, const std::string&, const std::string& reason) {
         return service::ApproveRefund(tx, c, id, reason);
       }},
      {"/api/v1/admin/orders/{id}/refund/reject", "note", true, &service::RejectRefund},
      {"/api/v1/admin/withdrawals/{id}/pay", "reference", true,
       [](service::Tx& tx, const Caller& c, int64_t id, const std::string& ref, const std::string& reason) {
         return service::DecideWithdrawal(tx, c, id, true, ref, reason);
       }},
      {"/api/v1/admin/withdrawals/{id}/reject", "note", true,
       [](service::Tx& tx, const Caller& c, int64_t id, const std::string& note, const std::string& reason) {
         return service::DecideWithdrawal(tx, c, id, false, note, reason);
       }},
  };
  for (const Action& a : kActions) {
    router.Add(verb::post, a.path, [s, a](Request& req) -> awaitable<Response> {
      const Caller c = Who(*s, req);
      if (c.account < 0) co_return ErrorResponse(service::Unauthorized());
      auto id = PathId(req, "id");
      if (!id) co_return ErrorResponse(id.error());
      std::string text;
      std::string reason;
      if (a.field != nullptr || a.reason) {
        auto body = Body(req);
        if (!body) co_return ErrorResponse(body.error());
        if (a.field != nullptr) {
          auto v = Str(*body, a.field, false, 500);
          if (!v) co_return ErrorResponse(v.error());
          text = *v;
        }
        if (a.reason) {
          auto v = Str(*body, "reason", false, SIZE_MAX);  // its length in characters: service::CheckReason
          if (!v) co_return ErrorResponse(v.error());
          reason = *v;
        }
      }
      const int64_t order = *id;
      std::function<Reply(service::Tx&)> job = [a, c, order, text, reason](service::Tx& tx) {
        return a.fn(tx, c, order, text, reason);
      };
      Response res = co_await DoWrite(*s, job);
      co_return res;
    });
  }
  router.Add(verb::get, "/api/v1/admin/orders", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    if (!c.staff()) co_return ErrorResponse(c.account < 0 ? service::Unauthorized() : service::Forbidden());
    const int64_t after = QueryInt(req, "after", 0);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    const int64_t member = QueryInt(req, "member", -1);
    const std::string status(req.Query("status"));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::ListOrders(ctx, *s, c, after, limit, status, member); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });

  // ---- payments ----
  // The sandbox stands in for the buyer paying in the provider's app: it answers 202 at once and
  // delivers a signed notification to this server asynchronously, like a real provider.
  router.Add(verb::post, "/api/v1/payments/sandbox/{intent}/complete", [s, opt](Request& req) -> awaitable<Response> {
    if (!s->config().sandbox_payments) co_return Response::Error(404, "not_found", "the sandbox provider is off");
    const std::string intent(req.Param("intent"));
    core::Result<service::Notification> n = core::MakeError("not_found", "no such payment intent", "intent");
    (void)s->ReadSync([&](service::ReadCtx& c) {
      n = service::SandboxComplete(c, s->config().payment_secret, intent);
      return Reply(json::value(nullptr));
    });
    if (!n) co_return ErrorResponse(n.error());
    const json::value body = json::parse(n->body);
    asio::co_spawn(co_await asio::this_coro::executor, DeliverNotification(opt->notify_host, opt->notify_port, *n),
                   asio::detached);
    co_return Response::Json(202, json::value{{"txn", body.at("txn")}, {"status", "notifying"}});
  });
  router.Add(verb::post, "/api/v1/payments/notify/sandbox", [s](Request& req) -> awaitable<Response> {
    if (!service::HmacSha256Verify(s->config().payment_secret, req.body, req.Header("X-Sandbox-Signature"))) {
      co_return Response::Error(401, "bad_signature", "the notification's signature does not verify");
    }
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto intent = Str(*body, "intent", true, 100);
    auto txn = Str(*body, "txn", true, 100);
    auto amount = Int(*body, "amount", true);
    auto status = Str(*body, "status", true);
    for (const auto* r : {&intent, &txn, &status}) {
      if (!*r) co_return ErrorResponse(r->error());
    }
    if (!amount) co_return ErrorResponse(amount.error());
    if (*status != "succeeded") co_return Response::Json(200, json::value{{"status", "ignored"}});
    std::function<Reply(service::Tx&)> job = [i = *intent, t = *txn, a = *amount](service::Tx& tx) {
      return service::ApplyPaymentNotification(tx, "sandbox", i, t, a);
    };
    Response res = co_await DoWrite(*s, job);
    co_return res;
  });

  // ---- wallet ----
  router.Add(verb::get, "/api/v1/me/wallet", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::Wallet(ctx, *s, c, -1); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/me/earnings", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const int64_t before = QueryInt(req, "before", 0);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    const std::string balance(req.Query("balance"));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::Earnings(ctx, *s, c, -1, before, limit, balance);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::post, "/api/v1/me/withdrawals", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto amount = Int(*body, "amount", true, 0, IntKind::kFen);
    if (!amount) co_return ErrorResponse(amount.error());
    std::function<Reply(service::Tx&)> job = [c, a = *amount](service::Tx& tx) { return service::RequestWithdrawal(tx, c, a); };
    Response res = co_await DoWrite(*s, job, 201);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/me/withdrawals", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const int64_t after = QueryInt(req, "after", -1);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    if (c.staff()) co_return ErrorResponse(service::Forbidden());
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::ListWithdrawals(ctx, c, -1, "", after, limit); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/admin/withdrawals", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    if (!c.staff()) co_return ErrorResponse(c.account < 0 ? service::Unauthorized() : service::Forbidden());
    const int64_t after = QueryInt(req, "after", -1);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    const int64_t member = QueryInt(req, "member", -1);
    const std::string status(req.Query("status"));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::ListWithdrawals(ctx, c, member, status, after, limit); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });

  // ---- team ----
  router.Add(verb::get, "/api/v1/me/team", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::TeamSummary(ctx, *s, c, -1); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/me/team/directs", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const int64_t after = QueryInt(req, "after", -1);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::TeamDirects(ctx, c, -1, after, limit); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/me/team/members", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const int64_t after = QueryInt(req, "after", -1);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    const std::string scope(req.Query("scope"));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::TeamMembers(ctx, c, -1, after, limit, scope);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/me/team/counts", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::TeamCounts(ctx, *s, c, -1);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/me/invite", [s, opt](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::Invite(ctx, c, opt->public_url); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  // Who invites with a code, for the register page of an invite link (public, a cheap indexed lookup).
  router.Add(verb::get, "/api/v1/invites/{code}", [s](Request& req) -> awaitable<Response> {
    const std::string code(req.Param("code"));
    bool unknown = false;  // 404 here (a registration with the code is refused 400: a bad field)
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      Reply r = service::InviteInfo(ctx, code);
      unknown = !r && r.error().code == "unknown_invite_code";
      return r;
    };
    Response res = co_await DoRead(*s, job);
    if (unknown) co_return Response::Error(404, "unknown_invite_code", "no member has this invite code", "code");
    co_return res;
  });
  router.Add(verb::get, "/api/v1/me/invite/qr.png", [s, opt](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    uint64_t seq = 0;
    Reply r = s->Read([&](service::ReadCtx& ctx) { return service::Invite(ctx, c, opt->public_url); }, &seq);
    if (!r) co_return ErrorResponse(r.error());
    co_return Response::Text(200, service::QrPng(std::string(r.value().at("link").as_string())), "image/png");
  });

  // ---- admin ----
  router.Add(verb::get, "/api/v1/admin/members", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const std::string q(req.Query("q"));
    const int64_t after = QueryInt(req, "after", -1);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::SearchMembers(ctx, c, q, after, limit); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/admin/members/{id}", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto id = PathId(req, "id");
    if (!id) co_return ErrorResponse(id.error());
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::MemberDetail(ctx, *s, c, *id); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/admin/members/{id}/children", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    if (!c.staff()) co_return ErrorResponse(c.account < 0 ? service::Unauthorized() : service::Forbidden());
    auto id = PathId(req, "id");
    if (!id) co_return ErrorResponse(id.error());
    const int64_t after = QueryInt(req, "after", -1);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::TeamDirects(ctx, c, *id, after, limit); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::post, "/api/v1/admin/members/{id}/rank", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto id = PathId(req, "id");
    if (!id) co_return ErrorResponse(id.error());
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto rank = Str(*body, "rank", true, 64);
    if (!rank) co_return ErrorResponse(rank.error());
    auto reason = Str(*body, "reason", false, SIZE_MAX);
    if (!reason) co_return ErrorResponse(reason.error());
    std::function<Reply(service::Tx&)> job = [c, m = *id, r = *rank, why = *reason](service::Tx& tx) {
      return service::SetRank(tx, c, m, r, why);
    };
    Response res = co_await DoWrite(*s, job);
    co_return res;
  });
  router.Add(verb::post, "/api/v1/admin/members/{id}/rebind", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto id = PathId(req, "id");
    if (!id) co_return ErrorResponse(id.error());
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto referrer = Int(*body, "referrer", false, -1, IntKind::kMemberId);  // absent or null: the top of the tree
    if (!referrer) co_return ErrorResponse(referrer.error());
    auto reason = Str(*body, "reason", false, SIZE_MAX);
    if (!reason) co_return ErrorResponse(reason.error());
    std::function<Reply(service::Tx&)> job = [c, m = *id, r = *referrer, why = *reason](service::Tx& tx) {
      return service::Rebind(tx, c, m, r, why);
    };
    Response res = co_await DoWrite(*s, job);
    co_return res;
  });
  router.Add(verb::post, "/api/v1/admin/staff", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    if (c.role != "owner") co_return ErrorResponse(c.account < 0 ? service::Unauthorized() : service::Forbidden());
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto login = Str(*body, "phone", true, 32);
    auto password = Str(*body, "password", true, service::kMaxPasswordBytes);
    auto role = Str(*body, "role", true, 32);
    auto name = Str(*body, "name", false, 100);
    for (const auto* r : {&login, &password, &role, &name}) {
      if (!*r) co_return ErrorResponse(r->error());
    }
    if (auto ok = service::CheckPassword(*password); !ok) co_return ErrorResponse(ok.error());
    const std::optional<std::string> hash = co_await HashOffThread(*s, *password, service::HashPool::Lane::kRegister);
    if (!hash) co_return ErrorResponse(service::Overloaded());
    std::function<Reply(service::Tx&)> job = [c, l = *login, h = *hash, r = *role, n = *name](service::Tx& tx) {
      return service::CreateStaff(tx, c, l, h, r, n);
    };
    Response res = co_await DoWrite(*s, job, 201);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/admin/plan", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    if (!c.staff()) co_return ErrorResponse(c.account < 0 ? service::Unauthorized() : service::Forbidden());
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::PlanView(ctx, c); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::post, "/api/v1/admin/plan", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto body = Body(req);
    if (!body) co_return ErrorResponse(body.error());
    auto source = Str(*body, "toml", true, 256 * 1024);
    if (!source) co_return ErrorResponse(source.error());
    auto note = Str(*body, "note", false, 500);
    if (!note) co_return ErrorResponse(note.error());
    auto reason = Str(*body, "reason", false, SIZE_MAX);
    if (!reason) co_return ErrorResponse(reason.error());
    auto shown = LintShown(*body);
    if (!shown) co_return ErrorResponse(shown.error());
    std::function<Reply(service::Tx&)> job = [c, src = std::move(*source), n = std::move(*note),
                                              why = std::move(*reason), lint = std::move(*shown)](service::Tx& tx) {
      return service::UploadPlan(tx, c, src, n, why, lint);
    };
    Response res = co_await DoWrite(*s, job, 201);
    co_return res;
  }, kDocumentBodyLimit);
  router.Add(verb::get, "/api/v1/admin/plan/versions", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::PlanVersions(ctx, c); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/admin/plan/versions/{version}", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    auto version = PathId(req, "version");
    if (!version) co_return ErrorResponse(version.error());
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::PlanVersion(ctx, c, *version);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::post, "/api/v1/admin/close-day", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::Tx&)> job = [c](service::Tx& tx) { return service::CloseDayNow(tx, c); };
    Response res = co_await DoWrite(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/admin/ledger", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const int offset = s->config().utc_offset_minutes;
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::LedgerReport(ctx, c, offset);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  router.Add(verb::get, "/api/v1/admin/audit", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const int64_t before = QueryInt(req, "before", 0);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    const int offset = s->config().utc_offset_minutes;
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::AuditLog(ctx, c, before, limit, offset);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
  AddDesignerRoutes(router, shop);
  AddConsoleRoutes(router, shop);
}

}  // namespace guanxi::http
