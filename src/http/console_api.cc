// Routes the web console and the H5 store need beyond the shop's core API: the shop's public
// settings, dashboard reports, the staff list, and a member's earnings and rank history as staff
// see them. Same rules
// as api.cc: each handler parses, runs one service read and maps the reply; callbacks are named
// locals and co_await results are stored before they are returned (GCC 12, see api.cc).
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <functional>
#include <optional>

#include "http/api.h"
#include "http/await.h"
#include "service/api.h"

namespace guanxi::http {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using boost::beast::http::verb;
using service::Caller;
using service::Reply;
using service::Shop;

Response ErrorOf(const core::Error& e) { return Response::Error(service::HttpStatus(e), e.code, e.message, e.field); }

int64_t QueryNumber(const Request& req, std::string_view name, int64_t fallback) {
  const std::string_view v = req.Query(name);
  int64_t out = fallback;
  if (!v.empty()) {
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size()) return fallback;
  }
  return out;
}

// A path id: a non-negative integer, else none (the route answers 404).
std::optional<int64_t> PathNumber(const Request& req, std::string_view name) {
  const std::string_view v = req.Param(name);
  int64_t out = -1;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || out < 0) return std::nullopt;
  return out;
}

// A read through the shop, answered once the state it saw is durable (as DoRead in api.cc).
awaitable<Response> Read(Shop& shop, const std::function<Reply(service::ReadCtx&)>& fn) {
  uint64_t seq = 0;
  Reply r = shop.Read(fn, &seq);
  std::function<void(std::function<void(bool)>)> start = [&shop, seq](std::function<void(bool)> done) {
    shop.WhenDurable(seq, [done] { done(true); });
  };
  co_await Await<bool>(std::move(start));
  Response res = r ? Response::Json(200, r.value()) : ErrorOf(r.error());
  co_return res;
}

}  // namespace

void AddConsoleRoutes(Router& router, Shop& shop) {
  Shop* s = &shop;

  router.Add(verb::get, "/api/v1/shop", [s](Request&) -> awaitable<Response> {
    co_return Response::Json(200, service::ShopInfo(s->config()));
  });

  router.Add(verb::get, "/api/v1/admin/reports/summary", [s](Request& req) -> awaitable<Response> {
    const Caller c = s->Authenticate(req.bearer);
    const int64_t from = QueryNumber(req, "from", 0);
    const int64_t to = QueryNumber(req, "to", 0);
    const int offset = s->config().utc_offset_minutes;
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::DashboardReport(ctx, c, from, to, offset);
    };
    Response res = co_await Read(*s, job);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/admin/staff", [s](Request& req) -> awaitable<Response> {
    const Caller c = s->Authenticate(req.bearer);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::ListStaff(ctx, c); };
    Response res = co_await Read(*s, job);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/admin/members/{id}/ranks", [s](Request& req) -> awaitable<Response> {
    const Caller c = s->Authenticate(req.bearer);
    const std::optional<int64_t> id = PathNumber(req, "id");
    if (!id) co_return Response::Error(404, "not_found", "no such id", "id");
    const int64_t member = *id;
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::RankHistory(ctx, c, member);
    };
    Response res = co_await Read(*s, job);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/admin/members/{id}/earnings", [s](Request& req) -> awaitable<Response> {
    const Caller c = s->Authenticate(req.bearer);
    if (!c.staff()) co_return ErrorOf(c.account < 0 ? core::MakeError("unauthorized", "log in first")
                                                     : core::MakeError("forbidden", "this account may not do that"));
    const std::optional<int64_t> path_id = PathNumber(req, "id");
    if (!path_id) co_return Response::Error(404, "not_found", "no such id", "id");
    const int64_t id = *path_id;
    const int64_t before = QueryNumber(req, "before", 0);
    const int limit = static_cast<int>(QueryNumber(req, "limit", 20));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::Earnings(ctx, c, id, before, limit);
    };
    Response res = co_await Read(*s, job);
    co_return res;
  });
}

}  // namespace guanxi::http
