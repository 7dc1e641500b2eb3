// Fuzz target: the JSON API's handlers, every route, with hostile bodies, query strings and path
// values, as each kind of caller. One shop per process (fuzz/shop_fixture.h); each input is one
// request run to completion on an io_context:
//
//   byte 0   the route: an index into router.routes() (every route, reads and writes alike), or past
//            them one of two steps a client cannot take: pay an order through the sandbox provider
//            (the notify route, validly signed), or let 1..255 hours pass and run the scheduler
//   byte 1   bits 0-2 the caller (anonymous, member A, member B, owner, finance, operator); bit 6
//            sends an Idempotency-Key (the path value); bit 7 signs the body as the sandbox provider
//   then     "path value\nquery string\nbody": the value of every {capture}, the query, the body
//
// Checked for every answer: a status of 200..499 (a 5xx is a handler that threw or a job that
// failed: bad input must get a 4xx naming its field), a JSON body that parses when the type says
// JSON, an error body of the form {"error":{"code","message"}}; and after every input the engine's
// ledger, read through the admin ledger report, sums to zero account by account.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "http/api.h"
#include "shop_fixture.h"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;
using guanxi::fuzz::Check;
using guanxi::fuzz::Fail;
using guanxi::http::Request;
using guanxi::http::Response;
using guanxi::http::Router;

struct State {
  guanxi::fuzz::ShopFixture fixture{"api-body-fuzz", /*start=*/true};
  // The designer's routes again, with limits that keep a simulation to a fraction of a second (the
  // defaults let one run for minutes on a core the fuzzer needs): requests under kDesigner go here.
  Router designer;
  std::vector<Router::Route> routes;
  State() {
    guanxi::http::AddDesignerRoutes(designer, *fixture.shop, guanxi::http::DesignerOptions{1, 4, 30, 300});
    routes = fixture.router->routes();
  }
};
State* g_state = nullptr;
constexpr std::string_view kDesigner = "/api/v1/admin/designer";

// The pattern's segments with every capture given `value` (for Router::Find) and the capture names.
std::vector<std::string> Segments(const std::string& pattern, const std::string& value,
                                  std::vector<std::string>& captures) {
  std::vector<std::string> out;
  size_t pos = 1;
  while (pos <= pattern.size() && pattern != "/") {
    size_t slash = pattern.find('/', pos);
    if (slash == std::string::npos) slash = pattern.size();
    std::string seg = pattern.substr(pos, slash - pos);
    if (seg.size() > 2 && seg.front() == '{') {
      captures.push_back(seg.substr(1, seg.size() - 2));
      seg = value;
    }
    out.push_back(std::move(seg));
    pos = slash + 1;
  }
  return out;
}

// Runs the handler as the server's Dispatch does (an HttpError is its answer); anything else thrown
// is a finding.
Response Run(const guanxi::http::Handler& handler, Request& req) {
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::optional<Response> answer;
  bool done = false;
  std::exception_ptr thrown;
  auto call = [&]() -> asio::awaitable<void> {
    try {
      Response r = co_await handler(req);
      answer = std::move(r);
    } catch (const guanxi::http::HttpError& e) {
      answer = e.response;
    }
  };
  asio::co_spawn(ioc, call(), [&](std::exception_ptr e) {
    thrown = e;
    done = true;
  });
  while (!done) ioc.run_one();
  if (thrown) {
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      Fail(std::string("the handler threw (the server answers 500): ") + e.what());
    } catch (...) {
      Fail("the handler threw something that is not a std::exception");
    }
  }
  // A sandbox "complete" leaves its delivery running on the context; it goes with it.
  return std::move(*answer);
}

void CheckAnswer(const Response& res, const std::string& what) {
  Check(res.status >= 200 && res.status <= 499,
        what + ": status " + std::to_string(res.status) + " " + res.body.substr(0, 300));
  if (res.content_type != "application/json") return;
  boost::system::error_code ec;
  const json::value v = json::parse(res.body, ec);
  Check(!ec, what + ": a JSON answer that does not parse: " + res.body.substr(0, 300));
  if (res.status >= 400) {
    const json::object* o = v.if_object();
    const json::value* e = o != nullptr ? o->if_contains("error") : nullptr;
    Check(e != nullptr && e->is_object() && e->as_object().contains("code") && e->as_object().contains("message") &&
              e->at("code").is_string() && !e->at("code").as_string().empty(),
          what + ": an error without {\"error\":{\"code\",\"message\"}}: " + res.body.substr(0, 300));
  }
}

int64_t Sum(const json::object& accounts, const std::string& what) {
  int64_t sum = 0;
  for (const auto& kv : accounts) {
    Check(kv.value().is_int64(), what + ": a balance that is not an integer");
    sum = static_cast<int64_t>(static_cast<uint64_t>(sum) + static_cast<uint64_t>(kv.value().as_int64()));
  }
  return sum;
}

// The ledger report (GET /api/v1/admin/ledger's read) as the owner: every account's balance adds up
// to zero, and so does the engine's own sum.
void CheckLedger(const std::string& what) {
  guanxi::fuzz::ShopFixture& f = g_state->fixture;
  const guanxi::service::Caller& owner = f.callers[3].caller;
  const json::value l = f.Must(
      f.shop->ReadSync([&](guanxi::service::ReadCtx& c) {
        return guanxi::service::LedgerReport(c, owner, f.shop->config().utc_offset_minutes);
      }),
      "ledger");
  const int64_t sum = Sum(l.at("platform").as_object(), what) + Sum(l.at("members").as_object(), what) +
                      Sum(l.at("pools").as_object(), what);
  Check(l.at("ledger_sum").as_int64() == 0 && sum == 0,
        what + ": the ledger does not sum to zero: " + json::serialize(l));
}

// The notification of a sandbox payment of one of the caller's orders (the path value picks which),
// for the notify route.
std::optional<guanxi::service::Notification> PayOneOrder(const guanxi::fuzz::ShopFixture::Who& buyer,
                                                         const std::string& pick) {
  guanxi::fuzz::ShopFixture& f = g_state->fixture;
  if (buyer.caller.member < 0) return std::nullopt;
  const guanxi::service::Reply list = f.shop->ReadSync([&](guanxi::service::ReadCtx& c) {
    return guanxi::service::ListOrders(c, *f.shop, buyer.caller, 0, 20, "created", -1);
  });
  if (!list || list.value().at("items").as_array().empty()) return std::nullopt;
  const json::array& items = list.value().at("items").as_array();
  const size_t i = pick.empty() ? 0 : static_cast<unsigned char>(pick[0]) % items.size();
  return f.SandboxPayment(buyer.caller, items[i].at("id").as_int64());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_state = new State();
  std::atexit([] { delete g_state; });
  // fuzz/seed-corpus.py names routes by their index: it asks for the list this way.
  if (std::getenv("GUANXI_FUZZ_LIST_ROUTES") != nullptr) {
    for (size_t i = 0; i < g_state->routes.size(); ++i) {
      std::printf("%zu %s %s\n", i, std::string(boost::beast::http::to_string(g_state->routes[i].method)).c_str(),
                  g_state->routes[i].pattern.c_str());
    }
    std::printf("%zu PAY\n%zu TIME\n", g_state->routes.size(), g_state->routes.size() + 1);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  State& s = *g_state;
  guanxi::fuzz::ShopFixture& f = s.fixture;
  const size_t op = data[0];
  const guanxi::fuzz::ShopFixture::Who& who = f.callers[(data[1] & 7u) % f.callers.size()];
  const bool idempotency_key = (data[1] & 0x40u) != 0;
  bool signed_body = (data[1] & 0x80u) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  auto line = [&rest] {
    const size_t eol = rest.find('\n');
    std::string out(rest.substr(0, eol));
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    return out;
  };
  std::string value = line();
  const std::string query = line();
  std::string body(rest);

  const size_t n = s.routes.size();
  verb method;
  std::string pattern;
  if (op % (n + 2) == n + 1) {
    // Time passes: orders expire, confirm and settle, days close.
    f.clock.Advance(static_cast<int64_t>(1 + data[1]) * 3'600'000);
    (void)f.Must(f.shop->RunScheduler(), "scheduler");
    CheckLedger("scheduler");
    return 0;
  }
  if (op % (n + 2) == n) {
    std::optional<guanxi::service::Notification> paid = PayOneOrder(who, value);
    if (!paid) return 0;
    method = verb::post;
    pattern = "/api/v1/payments/notify/sandbox";
    body = paid->body;
    signed_body = true;
  } else {
    method = s.routes[op % (n + 2)].method;
    pattern = s.routes[op % (n + 2)].pattern;
  }

  // The real router finds the handler (its shape is unique per method); the captures then get the
  // fuzzed value, which a request's decoded path segment may hold whole (%2F included), but never empty.
  if (value.empty()) value = "1";
  std::vector<std::string> captures;
  const std::vector<std::string> segments = Segments(pattern, value, captures);
  Request req;
  const Router& router = pattern.starts_with(kDesigner) ? s.designer : *f.router;
  std::vector<std::string> placeholder_segments;
  {
    std::vector<std::string> ignored;
    placeholder_segments = Segments(pattern, "1", ignored);
  }
  const Router::Match m = router.Find(method, placeholder_segments, req.params);
  if (m.handler == nullptr || m.pattern != pattern) Fail("route not found again: " + pattern);
  req.params.clear();
  for (const std::string& c : captures) req.params[c] = value;
  req.method = method;
  std::vector<std::string> ignored;
  if (!guanxi::http::ParseTarget("/?" + query, req, ignored)) req.query.clear();
  req.path = pattern;
  req.target = pattern + "?" + query;
  req.body = std::move(body);
  req.bearer = who.token;
  req.remote = "10.0.0." + std::to_string(data[1] >> 3 & 7u);
  // A header value as the parser lets one through: visible ASCII and spaces.
  const bool printable = value.find_first_not_of(
                             " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
                             "abcdefghijklmnopqrstuvwxyz{|}~") == std::string::npos;
  if (idempotency_key && printable) req.headers.set("Idempotency-Key", value);
  if (signed_body) req.headers.set("X-Sandbox-Signature", guanxi::service::HmacSha256Hex(guanxi::fuzz::kPaymentSecret, req.body));

  const std::string what = std::string(boost::beast::http::to_string(method)) + " " + pattern + " as " + who.name;
  const Response res = Run(*m.handler, req);
  CheckAnswer(res, what);
  CheckLedger(what);
  f.KeepLoggedIn();
  return 0;
}
