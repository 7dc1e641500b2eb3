// The server against careless and hostile clients, on 127.0.0.1: the connection cap (the
// connection idle longest makes room; busy ones are waited for), out of file descriptors at accept,
// one deadline per request however the bytes trickle in, per-route body limits decided from the
// header, the memory budget for bodies being read, and the client address behind trusted proxies.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "http/client_address.h"
#include "http/server.h"
#include "service/metrics.h"
#include "support/http_client.h"

namespace guanxi::http {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using boost::beast::http::verb;
using namespace std::chrono_literals;
using test::HttpClient;
using Clock = std::chrono::steady_clock;

constexpr const char* kHost = "127.0.0.1";

// A raw TCP connection that sends what it is told, when it is told.
class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, kHost, &a.sin_addr);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;
  RawConn(RawConn&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }

  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Reads what arrives within `wait`; *closed tells whether the server closed the connection.
  std::string Read(std::chrono::milliseconds wait, bool* closed) {
    std::string out;
    *closed = false;
    const auto until = Clock::now() + wait;
    while (Clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) break;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // True when the server has closed the connection (within `wait`).
  bool Closed(std::chrono::milliseconds wait) {
    bool closed = false;
    (void)Read(wait, &closed);
    return closed;
  }

 private:
  int fd_ = -1;
};

ServerOptions Options() {
  ServerOptions o;
  o.host = kHost;
  o.port = 0;
  o.threads = 2;
  o.read_timeout = 2s;
  o.idle_timeout = 30s;
  return o;
}

void AddRoutes(Router& r) {
  r.Add(verb::get, "/ping", [](Request& req) -> awaitable<Response> {
    co_return Response::Json(200, {{"pong", true}, {"remote", req.remote}});
  });
  r.Add(verb::post, "/echo", [](Request& req) -> awaitable<Response> {
    co_return Response::Json(200, {{"bytes", req.body.size()}});
  });
  r.Add(
      verb::post, "/upload",
      [](Request& req) -> awaitable<Response> { co_return Response::Json(200, {{"bytes", req.body.size()}}); },
      1 << 20);
}

std::string Post(std::string_view path, size_t length, std::string_view body) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(length) + "\r\n\r\n" + std::string(body);
}

TEST(ConnectionCapTest, TheConnectionIdleLongestMakesRoomForANewOne) {
  service::Metrics metrics;
  Router router;
  AddRoutes(router);
  ServerOptions o = Options();
  o.max_connections = 4;
  Server server(o, router, &metrics);
  server.Start();
  // Four connections that never send a byte fill the cap, oldest first.
  std::vector<RawConn> idle;
  for (int i = 0; i < 4; ++i) {
    idle.emplace_back(server.port());
    std::this_thread::sleep_for(20ms);
  }
  // A fifth client is answered at once: the oldest idle connection is closed to make room.
  HttpClient c(kHost, server.port(), 2s);
  const auto t0 = Clock::now();
  EXPECT_EQ(c.Get("/ping").status, 200u);
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_TRUE(idle[0].Closed(1s));
  EXPECT_FALSE(idle[3].Closed(100ms));
  EXPECT_EQ(metrics.Value("guanxi_http_idle_connections_closed_total", {}), 1);
  EXPECT_EQ(metrics.Value("guanxi_http_connections_max", {}), 4);
  EXPECT_LE(metrics.Value("guanxi_http_connections", {}), 4);
  server.Stop(1s);
}

TEST(ConnectionCapTest, BusyConnectionsAreNotClosedAndNewOnesWaitForRoom) {
  Router router;
  AddRoutes(router);
  ServerOptions o = Options();
  o.max_connections = 3;
  o.read_timeout = 600ms;
  Server server(o, router, nullptr);
  server.Start();
  // Three connections in the middle of a request: not idle, so not closed to make room.
  std::vector<RawConn> busy;
  for (int i = 0; i < 3; ++i) {
    busy.emplace_back(server.port());
    ASSERT_TRUE(busy.back().Send("GET /ping HTTP/1.1\r\nHo"));
  }
  std::this_thread::sleep_for(100ms);
  // A new client waits in the backlog until their deadlines end them, then is answered.
  HttpClient c(kHost, server.port(), 5s);
  const auto t0 = Clock::now();
  EXPECT_EQ(c.Get("/ping").status, 200u);
  const auto waited = Clock::now() - t0;
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 3s);
  for (RawConn& b : busy) EXPECT_TRUE(b.Closed(1s));
  server.Stop(1s);
}

TEST(ConnectionCapTest, OutOfFileDescriptorsAtAcceptIsNotFatal) {
  Router router;
  AddRoutes(router);
  ServerOptions o = Options();
  o.max_connections = 100'000;  // no cap: the file limit is what runs out
  o.log_errors = false;
  Server server(o, router, nullptr);
  server.Start();
  HttpClient keep(kHost, server.port(), 2s);
  ASSERT_EQ(keep.Get("/ping").status, 200u);
  // Leave this process a few descriptors more than it has open: the server's accepts fail (EMFILE)
  // once the test's own connections have taken them.
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  int open_fds = 0;
  for (int fd = 0; fd < 4096; ++fd) open_fds += ::fcntl(fd, F_GETFD) != -1 ? 1 : 0;
  rlimit low = before;
  low.rlim_cur = static_cast<rlim_t>(open_fds + 12);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> clients;
  for (int i = 0; i < 20; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server.port());
    ::inet_pton(AF_INET, kHost, &a.sin_addr);
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);  // the backlog completes it
    clients.push_back(fd);
  }
  std::this_thread::sleep_for(300ms);  // accepts fail and back off meanwhile
  // The connection it holds is still served.
  EXPECT_EQ(keep.Get("/ping").status, 200u);
  for (int fd : clients) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &before), 0);
  // And new connections are accepted again.
  HttpClient later(kHost, server.port(), 3s);
  EXPECT_EQ(later.Get("/ping").status, 200u);
  server.Stop(1s);
}

TEST(RequestDeadlineTest, ATrickleCannotExtendTheRequestsDeadline) {
  Router router;
  AddRoutes(router);
  ServerOptions o = Options();
  o.read_timeout = 500ms;
  Server server(o, router, nullptr);
  server.Start();
  struct Case {
    const char* name;
    std::string head;  // sent at once
    std::string rest;  // then a byte every 100 ms
  };
  const Case kCases[] = {
      {"header", "GET /ping HTTP/1.1\r\n", "X-Slow: " + std::string(100, 'a')},
      {"body", Post("/echo", 200, ""), std::string(200, 'b')},
  };
  for (const Case& k : kCases) {
    SCOPED_TRACE(k.name);
    RawConn conn(server.port());
    ASSERT_TRUE(conn.Send(k.head));
    const auto t0 = Clock::now();
    bool closed = false;
    for (char ch : k.rest) {
      if (!conn.Send(std::string(1, ch))) break;
      if (conn.Closed(100ms)) {
        closed = true;
        break;
      }
    }
    const auto elapsed = Clock::now() - t0;
    EXPECT_TRUE(closed);
    EXPECT_GE(elapsed, 400ms);
    EXPECT_LT(elapsed, 1500ms);
  }
  server.Stop(1s);
}

TEST(BodyLimitTest, EachRouteHasItsOwnLimitDecidedFromTheHeader) {
  Router router;
  AddRoutes(router);
  ServerOptions o = Options();
  o.body_limit = 64 << 10;
  Server server(o, router, nullptr);
  server.Start();
  HttpClient c(kHost, server.port(), 5s);
  // A JSON route takes up to 64 KiB; the upload route up to 1 MiB.
  EXPECT_EQ(c.Post("/echo", std::string(64 << 10, ' ')).status, 200u);
  EXPECT_EQ(c.Post("/upload", std::string(512 << 10, ' ')).status, 200u);
  auto r = c.Post("/echo", std::string((64 << 10) + 1, ' '));
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.Json().at("error").at("code"), "body_too_large");
  EXPECT_EQ(c.Post("/upload", std::string((1 << 20) + 1, ' ')).status, 413u);
  // Refused from the header alone: no byte of the body needs to arrive.
  RawConn conn(server.port());
  ASSERT_TRUE(conn.Send(Post("/echo", 10 << 20, "")));
  bool closed = false;
  const std::string answer = conn.Read(1500ms, &closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  server.Stop(1s);
}

TEST(BodyLimitTest, BodiesBeingReadShareAMemoryBudget) {
  service::Metrics metrics;
  Router router;
  AddRoutes(router);
  ServerOptions o = Options();
  o.body_memory = 100 << 10;
  Server server(o, router, &metrics);
  server.Start();
  // One client holds a 60 KiB body half sent; a second one's 60 KiB would pass the budget.
  RawConn slow(server.port());
  ASSERT_TRUE(slow.Send(Post("/echo", 60 << 10, "{")));
  std::this_thread::sleep_for(100ms);
  HttpClient c(kHost, server.port(), 5s);
  auto r = c.Post("/echo", std::string(60 << 10, ' '));
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.Json().at("error").at("code"), "overloaded");
  EXPECT_EQ(r.Header("Retry-After"), "1");
  // Small requests still pass, and once the slow body has arrived the budget is free again.
  EXPECT_EQ(c.Post("/echo", "{}").status, 200u);
  ASSERT_TRUE(slow.Send(std::string((60 << 10) - 1, ' ')));
  bool closed = false;
  EXPECT_EQ(slow.Read(1s, &closed).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(c.Post("/echo", std::string(60 << 10, ' ')).status, 200u);
  server.Stop(1s);
}

TEST(ClientAddressTest, HeadersAreBelievedOnlyFromTrustedProxies) {
  const TrustedProxies none;
  EXPECT_EQ(none.ClientAddress("10.0.0.1", "1.2.3.4", "5.6.7.8"), "10.0.0.1");
  const TrustedProxies proxies({"10.0.0.0/8", "127.0.0.1", "fd00::/8"});
  struct Case {
    const char* peer;
    const char* forwarded_for;
    const char* real_ip;
    const char* client;
  };
  constexpr Case kCases[] = {
      {"192.168.1.9", "1.2.3.4", "", "192.168.1.9"},            // not a proxy: its headers are the client's own
      {"10.1.2.3", "1.2.3.4", "", "1.2.3.4"},                   // a proxy's report
      {"10.1.2.3", "6.6.6.6, 1.2.3.4", "", "1.2.3.4"},          // a forged first hop is not believed
      {"10.1.2.3", "1.2.3.4, 10.9.9.9", "", "1.2.3.4"},         // through two proxies of ours
      {"10.1.2.3", "10.8.8.8, 10.9.9.9", "", "10.8.8.8"},       // all ours: the leftmost
      {"10.1.2.3", "", "1.2.3.4", "1.2.3.4"},                   // X-Real-IP when no X-Forwarded-For
      {"10.1.2.3", "", "not an address", "10.1.2.3"},
      {"10.1.2.3", "1.2.3.4, garbage", "", "10.1.2.3"},         // a bad hop ends the walk
      {"127.0.0.1", "2001:db8::1", "", "2001:db8::1"},
      {"fd12::5", " 1.2.3.4 ", "", "1.2.3.4"},
      {"127.0.0.2", "1.2.3.4", "", "127.0.0.2"},                // a single address, not a network
  };
  for (const Case& k : kCases) {
    SCOPED_TRACE(std::string(k.peer) + " / " + k.forwarded_for);
    EXPECT_EQ(proxies.ClientAddress(k.peer, k.forwarded_for, k.real_ip), k.client);
  }
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "nope", "10.0.0.0/", "10.0.0.0/8x", ""}) {
    EXPECT_THROW(TrustedProxies({bad}), std::invalid_argument) << bad;
  }
}

TEST(ClientAddressTest, TheServerGivesHandlersTheClientBehindATrustedProxy) {
  Router router;
  AddRoutes(router);
  ServerOptions o = Options();
  Server plain(o, router, nullptr);
  plain.Start();
  HttpClient c(kHost, plain.port(), 2s);
  auto remote = [&](HttpClient& client) {
    return std::string(client.Request(verb::get, "/ping", {}, {}, {{"X-Forwarded-For", "1.2.3.4"}})
                           .Json()
                           .at("remote")
                           .as_string());
  };
  EXPECT_EQ(remote(c), "127.0.0.1");  // nobody trusted: the peer
  plain.Stop(1s);
  o.trusted_proxies = {"127.0.0.1"};
  Server proxied(o, router, nullptr);
  proxied.Start();
  HttpClient p(kHost, proxied.port(), 2s);
  EXPECT_EQ(remote(p), "1.2.3.4");
  proxied.Stop(1s);
}

}  // namespace
}  // namespace guanxi::http
