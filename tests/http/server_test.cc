// The HTTP server end to end on 127.0.0.1 and an ephemeral port: routing, decoding, error bodies,
// limits and timeouts, handler failures, Await from another thread, graceful stop, metrics, static
// files. Each test starts its own server; the timeouts are short so that the suite takes seconds.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "http/await.h"
#include "service/metrics.h"
#include "support/http_client.h"

namespace guanxi::http {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using boost::beast::http::verb;
using namespace std::chrono_literals;
using test::HttpClient;
using test::SendRaw;

constexpr const char* kHost = "127.0.0.1";

// Finishes jobs on its own thread after a delay, like the service's writer thread after a commit.
// As Await requires of the service's writer, a test joins it (Join) before the Server it completes
// coroutines of is destroyed: a completion still returning on this thread holds the connection's
// executor, whose strand belongs to the Server's io_context.
class Worker {
 public:
  Worker() : thread_([this] { Loop(); }) {}
  ~Worker() { Join(); }
  // Finishes the jobs already submitted, then the thread. Idempotent.
  void Join() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void Submit(std::chrono::milliseconds delay, std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back({std::chrono::steady_clock::now() + delay, std::move(job)});
    }
    cv_.notify_all();
  }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  struct Job {
    std::chrono::steady_clock::time_point due;
    std::function<void()> run;
  };
  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return done_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // done, nothing left
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      std::this_thread::sleep_until(job.due);
      job.run();
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool done_ = false;
  std::thread thread_;
};

ServerOptions TestOptions() {
  ServerOptions o;
  o.host = kHost;
  o.port = 0;
  o.threads = 2;
  o.read_timeout = 2s;
  o.idle_timeout = 5s;
  return o;
}

// A router with the routes most tests use.
void AddCommonRoutes(Router& r) {
  r.Add(verb::get, "/api/v1/orders/{id}", [](Request& req) -> awaitable<Response> {
    json::object o;
    o["id"] = req.Param("id");
    o["path"] = req.path;
    o["q"] = req.Query("q");
    o["bearer"] = req.bearer;
    o["remote"] = req.remote;
    o["trace"] = req.Header("x-trace");
    co_return Response::Json(200, o);
  });
  r.Add(verb::get, "/api/v1/orders/summary", [](Request&) -> awaitable<Response> {
    co_return Response::Json(200, {{"summary", true}});
  });
  r.Add(verb::post, "/api/v1/orders/{id}/refund", [](Request& req) -> awaitable<Response> {
    co_return Response::Json(201, {{"refunded", req.Param("id")}, {"body", req.body}});
  });
  r.Add(verb::delete_, "/api/v1/orders/{id}/refund", [](Request&) -> awaitable<Response> {
    co_return Response::Json(200, {{"deleted", true}});
  });
  r.Add(verb::get, "/api/v1/boom", [](Request&) -> awaitable<Response> {
    throw std::runtime_error("boom");
    co_return Response::Json(200, nullptr);
  });
  r.Add(verb::get, "/api/v1/ping", [](Request&) -> awaitable<Response> {
    co_return Response::Json(200, {{"pong", true}});
  });
}

json::value ErrorOf(const test::HttpResponse& r) { return r.Json().at("error"); }

TEST(RouterTest, ListsRoutesAndRefusesDuplicateShapes) {
  Router r;
  AddCommonRoutes(r);
  auto routes = r.routes();
  ASSERT_EQ(routes.size(), 6u);
  EXPECT_EQ(routes[0].method, verb::get);
  EXPECT_EQ(routes[0].pattern, "/api/v1/orders/{id}");
  EXPECT_EQ(routes[2].method, verb::post);
  EXPECT_EQ(routes[2].pattern, "/api/v1/orders/{id}/refund");
  auto noop = [](Request&) -> awaitable<Response> { co_return Response{}; };
  EXPECT_THROW(r.Add(verb::get, "/api/v1/orders/{other}", noop), std::invalid_argument);
  EXPECT_THROW(r.Add(verb::get, "api/no-slash", noop), std::invalid_argument);
  EXPECT_THROW(r.Add(verb::get, "/api/{a}/{a}", noop), std::invalid_argument);
  EXPECT_THROW(r.Add(verb::get, "/api/x{a}", noop), std::invalid_argument);
  EXPECT_NO_THROW(r.Add(verb::put, "/api/v1/orders/{other}", noop));
}

TEST(RouterTest, LiteralSegmentsBeatCaptures) {
  Router r;
  auto tagged = [](std::string tag) {
    return [tag](Request&) -> awaitable<Response> { co_return Response::Text(200, tag); };
  };
  r.Add(verb::get, "/a/{x}/c", tagged("capture-first"));
  r.Add(verb::get, "/a/b/{y}", tagged("literal-first"));
  r.Add(verb::get, "/a/b/c", tagged("all-literal"));
  struct Case {
    std::vector<std::string> path;
    const char* pattern;
    const char* param;
    const char* value;
  };
  const Case kCases[] = {
      {{"a", "b", "c"}, "/a/b/c", "", ""},
      {{"a", "b", "z"}, "/a/b/{y}", "y", "z"},
      {{"a", "z", "c"}, "/a/{x}/c", "x", "z"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.pattern);
    std::unordered_map<std::string, std::string> params;
    Router::Match m = r.Find(verb::get, c.path, params);
    ASSERT_NE(m.handler, nullptr);
    EXPECT_EQ(m.pattern, c.pattern);
    if (*c.param != 0) {
      EXPECT_EQ(params[c.param], c.value);
    }
  }
  std::unordered_map<std::string, std::string> params;
  EXPECT_EQ(r.Find(verb::get, {"a", "z", "z"}, params).status, 404u);
  EXPECT_EQ(r.Find(verb::get, {"a", "", "c"}, params).status, 404u);  // a capture is never empty
  Router::Match m = r.Find(verb::post, {"a", "b", "c"}, params);
  EXPECT_EQ(m.status, 405u);
  EXPECT_EQ(m.allow, "GET");
}

TEST(ServerTest, RoutesParamsAndDecodesUtf8Query) {
  Router router;
  AddCommonRoutes(router);
  router.Add(verb::get, "/", [](Request& req) -> awaitable<Response> {
    co_return Response::Text(200, "root " + req.path);
  });
  Server server(TestOptions(), router, nullptr);
  server.Start();
  ASSERT_NE(server.port(), 0);
  HttpClient c(kHost, server.port());
  EXPECT_EQ(c.Get("/").body, "root /");
  EXPECT_EQ(c.Get("/?x=1").body, "root /");
  EXPECT_EQ(c.Get("/api/v1/orders/").status, 404u);  // an empty segment is not an id

  // 订单 as the id, "你好 世界" as q ("+" is a space in a query), an escaped "&" kept in the value.
  auto r =
      c.Request(verb::get,
                "/api/v1/orders/%E8%AE%A2%E5%8D%95?q=%E4%BD%A0%E5%A5%BD+%E4%B8%96%E7%95%8C%26x&q=2",
                "", "tok-123", {{"X-Trace", "t1"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  json::value v = r.Json();
  EXPECT_EQ(v.at("id"), "订单");
  EXPECT_EQ(v.at("path"), "/api/v1/orders/订单");
  EXPECT_EQ(v.at("q"), "你好 世界&x");  // the first of two wins
  EXPECT_EQ(v.at("bearer"), "tok-123");
  EXPECT_EQ(v.at("remote"), "127.0.0.1");
  EXPECT_EQ(v.at("trace"), "t1");

  r = c.Get("/api/v1/orders/summary");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Json().at("summary"), true);

  r = c.Post("/api/v1/orders/o%2F1/refund", R"({"reason":"破损"})");
  ASSERT_EQ(r.status, 201u);
  EXPECT_EQ(r.Json().at("refunded"), "o/1");  // %2F stays inside its segment
  EXPECT_EQ(r.Json().at("body"), R"({"reason":"破损"})");
  server.Stop(1s);
}

TEST(ServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router;
  AddCommonRoutes(router);
  Server server(TestOptions(), router, nullptr);
  server.Start();
  HttpClient c(kHost, server.port());

  auto r = c.Get("/api/v1/nothing-here");
  ASSERT_EQ(r.status, 404u);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(ErrorOf(r).at("code"), "not_found");
  EXPECT_FALSE(ErrorOf(r).as_object().contains("field"));

  r = c.Request(verb::put, "/api/v1/orders/o1/refund");
  ASSERT_EQ(r.status, 405u);
  EXPECT_EQ(ErrorOf(r).at("code"), "method_not_allowed");
  EXPECT_EQ(r.Header("Allow"), "POST, DELETE");

  // Without a static directory, paths outside /api/ are not served either.
  r = c.Get("/index.html");
  EXPECT_EQ(r.status, 404u);
  server.Stop(1s);
}

TEST(ServerTest, ErrorBodyNamesTheField) {
  Response r = Response::Error(422, "invalid", "qty must be positive", "qty");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(json::parse(r.body),
            json::parse(
                R"({"error":{"code":"invalid","message":"qty must be positive","field":"qty"}})"));
}

TEST(ServerTest, KeepsTheConnectionAliveAndAnswersPipelinedRequests) {
  Router router;
  AddCommonRoutes(router);
  Server server(TestOptions(), router, nullptr);
  server.Start();
  auto raw = SendRaw(kHost, server.port(),
                     "GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /api/v1/orders/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     3s);
  EXPECT_TRUE(raw.closed_by_server);
  EXPECT_NE(raw.received.find("{\"pong\":true}"), std::string::npos) << raw.received;
  EXPECT_NE(raw.received.find("\"id\":\"7\""), std::string::npos) << raw.received;
  EXPECT_LT(raw.elapsed, 1s);
  server.Stop(1s);
}

TEST(ServerTest, OversizedBodyIs413) {
  Router router;
  AddCommonRoutes(router);
  ServerOptions o = TestOptions();
  o.body_limit = 1024;
  Server server(o, router, nullptr);
  server.Start();
  HttpClient c(kHost, server.port());

  auto r = c.Post("/api/v1/orders/o1/refund", std::string(1024, 'x'));
  EXPECT_EQ(r.status, 201u);  // at the limit is fine
  r = c.Post("/api/v1/orders/o1/refund", std::string(64 * 1024, 'x'));
  ASSERT_EQ(r.status, 413u);
  EXPECT_EQ(ErrorOf(r).at("code"), "body_too_large");
  EXPECT_EQ(r.Header("Connection"), "close");
  // Chunked bodies are limited as they arrive.
  std::string chunked =
      "POST /api/v1/orders/o1/refund HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) chunked += "200\r\n" + std::string(512, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  auto raw = SendRaw(kHost, server.port(), chunked, 3s);
  EXPECT_EQ(raw.received.rfind("HTTP/1.1 413", 0), 0u) << raw.received;
  EXPECT_TRUE(raw.closed_by_server);
  // So are headers (16 KiB by default).
  raw = SendRaw(
      kHost, server.port(),
      "GET /api/v1/ping HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'z') + "\r\n\r\n", 3s);
  EXPECT_EQ(raw.received.rfind("HTTP/1.1 431", 0), 0u) << raw.received;
  EXPECT_NE(raw.received.find("\"code\":\"headers_too_large\""), std::string::npos);
  // The server goes on.
  EXPECT_EQ(c.Get("/api/v1/ping").status, 200u);
  server.Stop(1s);
}

TEST(ServerTest, GarbageIs400AndClosed) {
  Router router;
  AddCommonRoutes(router);
  Server server(TestOptions(), router, nullptr);
  server.Start();
  const char* kGarbage[] = {
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n",  // TLS hello
      "GET /api/v1/ping HTTP/9.9\r\nHost: x\r\n\r\n",
      "GET /api/v1/ping HTTP/1.1\r\nBad Header Line\r\n\r\n",
      "POST /api/v1/ping HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
  };
  for (const char* g : kGarbage) {
    SCOPED_TRACE(g);
    auto raw = SendRaw(kHost, server.port(), g, 3s);
    EXPECT_EQ(raw.received.rfind("HTTP/1.1 400", 0), 0u) << raw.received;
    EXPECT_NE(raw.received.find("\"code\":\"bad_request\""), std::string::npos);
    EXPECT_TRUE(raw.closed_by_server);
  }
  // A well-framed request with a bad target is answered and the connection stays usable.
  HttpClient c(kHost, server.port());
  auto r = c.Get("/api/v1/orders/%zz");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).at("code"), "bad_request");
  EXPECT_EQ(c.Get("/api/v1/ping").status, 200u);
  EXPECT_EQ(c.Get("http://127.0.0.1/api/v1/orders/9?q=x").Json().at("q"), "x");  // absolute form
  server.Stop(1s);
}

TEST(ServerTest, SlowClientIsDisconnectedAfterReadTimeout) {
  Router router;
  AddCommonRoutes(router);
  ServerOptions o = TestOptions();
  o.read_timeout = 200ms;
  Server server(o, router, nullptr);
  server.Start();
  // Half the headers, then nothing.
  auto raw = SendRaw(kHost, server.port(), "GET /api/v1/ping HTTP/1.1\r\nHost: x\r\nX-Half", 3s);
  EXPECT_TRUE(raw.closed_by_server);
  EXPECT_EQ(raw.received, "");
  EXPECT_GE(raw.elapsed, 150ms);
  EXPECT_LT(raw.elapsed, 1500ms);
  // A client that sends in time is answered.
  HttpClient c(kHost, server.port());
  EXPECT_EQ(c.Get("/api/v1/ping").status, 200u);
  server.Stop(1s);
}

TEST(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  Router router;
  AddCommonRoutes(router);
  ServerOptions o = TestOptions();
  o.idle_timeout = 200ms;
  Server server(o, router, nullptr);
  server.Start();
  auto raw = SendRaw(kHost, server.port(), "GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n", 3s);
  EXPECT_EQ(raw.received.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_TRUE(raw.closed_by_server);
  EXPECT_GE(raw.elapsed, 150ms);
  EXPECT_LT(raw.elapsed, 1500ms);
  // The client reopens a connection the server closed.
  HttpClient c(kHost, server.port());
  EXPECT_EQ(c.Get("/api/v1/ping").status, 200u);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(c.Get("/api/v1/ping").status, 200u);
  server.Stop(1s);
}

TEST(ServerTest, HandlerExceptionIs500AndTheServerGoesOn) {
  Router router;
  AddCommonRoutes(router);
  ServerOptions o = TestOptions();
  o.log_errors = false;
  Server server(o, router, nullptr);
  server.Start();
  HttpClient c(kHost, server.port());
  for (int i = 0; i < 3; ++i) {
    auto r = c.Get("/api/v1/boom");
    ASSERT_EQ(r.status, 500u);
    EXPECT_EQ(ErrorOf(r).at("code"), "internal");
    EXPECT_EQ(c.Get("/api/v1/ping").status, 200u);
  }
  server.Stop(1s);
}

// A handler (or a helper inside it) that throws HttpError is answered with the error's response, as if it
// had returned it: status, body and headers, not a 500.
TEST(ServerTest, HttpErrorIsAnsweredAsItsResponse) {
  Router router;
  router.Add(verb::get, "/api/v1/unavailable", [](Request&) -> awaitable<Response> {
    Response r = Response::Error(503, "store_unavailable", "the store is out of reach; try again");
    r.headers.emplace_back("Retry-After", "1");
    throw HttpError(std::move(r));
    co_return Response::Json(200, nullptr);
  });
  Server server(TestOptions(), router, nullptr);
  server.Start();
  HttpClient c(kHost, server.port());
  auto r = c.Get("/api/v1/unavailable");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(ErrorOf(r).at("code"), "store_unavailable");
  EXPECT_EQ(r.Header("Retry-After"), "1");
  server.Stop(1s);
}

TEST(ServerTest, BindFailureNamesTheAddress) {
  Router router;
  Server first(TestOptions(), router, nullptr);
  first.Start();
  ServerOptions o = TestOptions();
  o.port = first.port();
  Server second(o, router, nullptr);
  try {
    second.Start();
    FAIL() << "a second server bound the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(o.port)),
              std::string::npos)
        << e.what();
  }
  first.Stop(1s);
}

TEST(ServerTest, AwaitResumesOnTheServerUnderManyConcurrentRequests) {
  Worker worker;
  std::atomic<int> in_flight{0}, max_in_flight{0}, resumed_on_worker{0};
  Router router;
  router.Add(verb::get, "/api/double/{n}", [&](Request& req) -> awaitable<Response> {
    int n = std::stoi(std::string(req.Param("n")));
    int now = ++in_flight;
    for (int m = max_in_flight; now > m && !max_in_flight.compare_exchange_weak(m, now);) {
    }
    int v = co_await Await<int>([&worker, n](std::function<void(int)> complete) {
      worker.Submit(100ms, [complete, n] { complete(2 * n); });
    });
    if (std::this_thread::get_id() == worker.id()) ++resumed_on_worker;
    --in_flight;
    co_return Response::Json(200, {{"n", n}, {"v", v}});
  });
  Server server(TestOptions(), router, nullptr);
  server.Start();

  constexpr int kClients = 100;
  std::vector<int> got(kClients, -1);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      try {
        HttpClient c(kHost, server.port());
        auto r = c.Get("/api/double/" + std::to_string(i));
        if (r.status == 200)
          got[static_cast<size_t>(i)] = static_cast<int>(r.Json().at("v").as_int64());
      } catch (const std::exception&) {
      }
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], 2 * i) << i;
  EXPECT_EQ(resumed_on_worker, 0);
  // The io threads were not blocked while waiting: many requests waited at once.
  EXPECT_GE(max_in_flight, 20);
  server.Stop(1s);
  worker.Join();  // before the Server goes
}

TEST(ServerTest, AwaitIgnoresASecondCompletion) {
  Router router;
  router.Add(verb::get, "/api/twice", [](Request&) -> awaitable<Response> {
    int v = co_await Await<int>([](std::function<void(int)> complete) {
      complete(1);  // inside start, before the coroutine may resume
      complete(2);
    });
    co_return Response::Json(200, {{"v", v}});
  });
  Server server(TestOptions(), router, nullptr);
  server.Start();
  HttpClient c(kHost, server.port());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(c.Get("/api/twice").Json().at("v"), 1);
  server.Stop(1s);
}

TEST(ServerTest, GracefulStopAnswersTheRequestInFlightAndRefusesNewConnections) {
  Worker worker;
  std::atomic<bool> entered{false};
  Router router;
  AddCommonRoutes(router);
  router.Add(verb::get, "/api/slow", [&](Request&) -> awaitable<Response> {
    entered = true;
    int v = co_await Await<int>([&worker](std::function<void(int)> complete) {
      worker.Submit(300ms, [complete] { complete(7); });
    });
    co_return Response::Json(200, {{"v", v}});
  });
  Server server(TestOptions(), router, nullptr);
  server.Start();
  uint16_t port = server.port();

  HttpClient idle(kHost, port);  // a keep-alive connection left idle
  ASSERT_EQ(idle.Get("/api/v1/ping").status, 200u);

  test::HttpResponse slow;
  std::thread requester([&] {
    HttpClient c(kHost, port);
    slow = c.Get("/api/slow");
  });
  for (int i = 0; i < 200 && !entered; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(entered);

  auto t0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration stop_took{};
  std::thread stopper([&] {
    server.Stop(5s);
    stop_took = std::chrono::steady_clock::now() - t0;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_THROW(HttpClient(kHost, port).Get("/api/v1/ping"), test::HttpClientError);
  // The idle connection was closed; reconnecting is refused.
  EXPECT_THROW(idle.Get("/api/v1/ping"), test::HttpClientError);

  requester.join();
  EXPECT_EQ(slow.status, 200u);
  EXPECT_EQ(slow.body, R"({"v":7})");
  EXPECT_EQ(slow.Header("Connection"), "close");
  stopper.join();
  EXPECT_GE(stop_took, 200ms);  // it waited for the request in flight
  EXPECT_LT(stop_took, 3s);     // and not for the idle connection or the whole grace
  server.Stop(1s);              // idempotent
  server.Wait();
  worker.Join();                // before the Server goes: the completion may still be returning
}

TEST(ServerTest, StopGivesUpAfterTheGraceAndLateCompletionsAreHarmless) {
  // Completions held by the test, called (or dropped) only after Stop gave up on them; both must be
  // safe as long as the Server still exists.
  std::mutex mu;
  std::vector<std::function<void(int)>> pending;
  Router router;
  router.Add(verb::get, "/api/stuck", [&](Request&) -> awaitable<Response> {
    int v = co_await Await<int>([&](std::function<void(int)> complete) {
      std::lock_guard lock(mu);
      pending.push_back(std::move(complete));
    });
    co_return Response::Json(200, {{"v", v}});
  });
  auto server = std::make_unique<Server>(TestOptions(), router, nullptr);
  server->Start();
  uint16_t port = server->port();
  std::vector<std::thread> clients;
  std::atomic<int> failed{0};
  for (int i = 0; i < 2; ++i) {
    clients.emplace_back([&] {
      try {
        HttpClient(kHost, port).Get("/api/stuck");
      } catch (const test::HttpClientError&) {
        ++failed;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (pending.size() == 2) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  auto t0 = std::chrono::steady_clock::now();
  server->Stop(200ms);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(pending.size(), 2u);
    pending[0](1);    // completes into the stopped server
    pending.clear();  // the other is dropped without a call
  }
  server.reset();  // the abandoned requests' connections close
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed, 2);
}

TEST(ServerTest, MetricsCountRequestsByRoutePattern) {
  service::Metrics metrics;
  Router router;
  AddCommonRoutes(router);
  router.Add(verb::get, "/metrics", MetricsHandler(metrics));
  Server server(TestOptions(), router, &metrics);
  server.Start();
  HttpClient c(kHost, server.port());
  for (const char* id : {"a", "b", "c"}) {
    EXPECT_EQ(c.Get(std::string("/api/v1/orders/") + id).status, 200u);
  }
  EXPECT_EQ(c.Get("/api/v1/nope/1").status, 404u);
  EXPECT_EQ(c.Get("/api/v1/nope/2").status, 404u);

  auto r = c.Get("/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = r.body;
  for (const char* line : {
           "# TYPE guanxi_http_requests_total counter\n",
           "# TYPE guanxi_http_request_seconds histogram\n",
           "guanxi_http_requests_total{route=\"/api/v1/orders/"
           "{id}\",method=\"GET\",status=\"200\"} 3\n",
           "guanxi_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 2\n",
           "guanxi_http_request_seconds_count{route=\"/api/v1/orders/{id}\",method=\"GET\"} 3\n",
           "guanxi_http_request_seconds_bucket{route=\"/api/v1/orders/"
           "{id}\",method=\"GET\",le=\"+Inf\"} 3\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
  EXPECT_EQ(text.find("/api/v1/nope"), std::string::npos);  // raw paths never become labels
  server.Stop(1s);
}

TEST(ServerTest, ServesStaticFilesAndRefusesDotDot) {
  namespace fs = std::filesystem;
  fs::path base = fs::temp_directory_path() /
                  ("guanxi-static-" + std::to_string(::getpid()) + "-" +
                   std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(base / "www" / "assets");
  auto write = [](const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
  };
  write(base / "www" / "index.html", "<h1>关系</h1>");
  write(base / "www" / "assets" / "app.js", "console.log(1)");
  write(base / "www" / "assets" / "index.html", "assets index");
  write(base / "secret.txt", "SECRET");
  fs::create_directories(base / "www" / "admin");
  write(base / "www" / "admin" / "index.html", "console");

  Router router;
  AddCommonRoutes(router);
  ServerOptions o = TestOptions();
  o.static_dir = (base / "www").string();
  Server server(o, router, nullptr);
  server.Start();
  HttpClient c(kHost, server.port());

  auto r = c.Get("/");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "<h1>关系</h1>");
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.Header("Cache-Control"), "");
  r = c.Get("/assets/app.js");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(r.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(c.Get("/assets").body, "assets index");
  EXPECT_EQ(c.Get("/assets/missing.js").status, 404u);
  // History fallback: client-side routes get the nearest index.html above them; missing files with
  // an extension stay 404.
  struct Fallback {
    const char* target;
    unsigned status;
    const char* body;
  };
  constexpr Fallback kFallbacks[] = {
      {"/admin/", 200, "console"},
      {"/admin", 200, "console"},
      {"/admin/members/12", 200, "console"},
      {"/admin/members/12/", 200, "console"},
      {"/orders", 200, "<h1>关系</h1>"},
      {"/h5/?ref=ABC", 200, "<h1>关系</h1>"},
      {"/team/directs", 200, "<h1>关系</h1>"},
      {"/assets/deep/route", 200, "assets index"},
      {"/admin/missing.js", 404, nullptr},
      {"/missing.css", 404, nullptr},
  };
  for (const Fallback& f : kFallbacks) {
    SCOPED_TRACE(f.target);
    r = c.Get(f.target);
    EXPECT_EQ(r.status, f.status);
    if (f.body != nullptr) {
      EXPECT_EQ(r.body, f.body);
      EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
    }
  }
  // /api/ stays JSON, never files.
  r = c.Get("/api/index.html");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(ErrorOf(r).at("code"), "not_found");
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets/%2E%2E/%2e%2e/secret.txt"}) {
    SCOPED_TRACE(target);
    r = c.Get(target);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos);
  }
  // Only GET serves files.
  EXPECT_EQ(c.Request(verb::post, "/index.html", "{}").status, 404u);
  server.Stop(1s);
  fs::remove_all(base);
}

}  // namespace
}  // namespace guanxi::http
