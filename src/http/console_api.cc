// Routes the web console and the H5 store need beyond the shop's core API: the shop's public
// settings, dashboard reports, the staff list, and a member's earnings and rank history as staff
// see them. Same rules as api.cc: each handler parses, runs one service read and maps the reply;
// callbacks are named locals and co_await results are stored before they are returned (GCC 12).
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <functional>

#include "http/api.h"
#include "http/handlers.h"
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

}  // namespace

void AddConsoleRoutes(Router& router, Shop& shop) {
  Shop* s = &shop;

  router.Add(verb::get, "/api/v1/shop", [s](Request&) -> awaitable<Response> {
    co_return Response::Json(200, service::ShopInfo(s->config()));
  });

  router.Add(verb::get, "/api/v1/admin/reports/summary", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const int64_t from = QueryInt(req, "from", 0);
    const int64_t to = QueryInt(req, "to", 0);
    const int offset = s->config().utc_offset_minutes;
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::DashboardReport(ctx, c, from, to, offset);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/admin/staff", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) { return service::ListStaff(ctx, c); };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/admin/members/{id}/ranks", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    const core::Result<int64_t> id = PathId(req, "id");
    if (!id) co_return ErrorResponse(id.error());
    const int64_t member = *id;
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::RankHistory(ctx, c, member);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/admin/members/{id}/earnings", [s](Request& req) -> awaitable<Response> {
    const Caller c = Who(*s, req);
    if (!c.staff()) co_return ErrorResponse(c.account < 0 ? core::MakeError("unauthorized", "log in first")
                                                     : core::MakeError("forbidden", "this account may not do that"));
    const core::Result<int64_t> path_id = PathId(req, "id");
    if (!path_id) co_return ErrorResponse(path_id.error());
    const int64_t id = *path_id;
    const int64_t before = QueryInt(req, "before", 0);
    const int limit = static_cast<int>(QueryInt(req, "limit", 20));
    const std::string balance(req.Query("balance"));
    std::function<Reply(service::ReadCtx&)> job = [&](service::ReadCtx& ctx) {
      return service::Earnings(ctx, *s, c, id, before, limit, balance);
    };
    Response res = co_await DoRead(*s, job);
    co_return res;
  });
}

}  // namespace guanxi::http
