// The Beast server: listener and per-connection coroutines, request mapping, static files, metrics,
// graceful stop. Threading: each connection's coroutine runs on its own strand; the registry of
// connections and the stop state are guarded by mutexes; Start/Stop/Wait run outside the io
// threads.
#include "http/server.h"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <list>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/client_address.h"
#include "service/metrics.h"

namespace guanxi::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kRequestsTotal = "guanxi_http_requests_total";
constexpr std::string_view kRequestSeconds = "guanxi_http_request_seconds";
constexpr std::string_view kUnmatched = "unmatched";
constexpr std::string_view kStatic = "static";
constexpr std::string_view kConnections = "guanxi_http_connections";
constexpr std::string_view kConnectionsMax = "guanxi_http_connections_max";
constexpr std::string_view kEvictions = "guanxi_http_idle_connections_closed_total";
constexpr std::string_view kAcceptErrors = "guanxi_http_accept_errors_total";

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Bounded label values: an arbitrary method name from a client must not create a new series.
std::string_view MethodLabel(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
    case bhttp::verb::head:
    case bhttp::verb::post:
    case bhttp::verb::put:
    case bhttp::verb::patch:
    case bhttp::verb::delete_:
    case bhttp::verb::options:
      return View(bhttp::to_string(v));
    default:
      return "other";
  }
}

std::string_view ContentTypeFor(const std::filesystem::path& p) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".wasm", "application/wasm"},
      {".webmanifest", "application/manifest+json"},
  }};
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

Response ServeStatic(const std::string& root, const std::vector<std::string>& segments) {
  std::filesystem::path p(root);
  for (const std::string& s : segments) {
    if (s == ".." || s.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return Response::Error(400, "bad_path", "the path may not contain '..'");
    }
    if (!s.empty() && s != ".") p /= s;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) p /= "index.html";
  if (!std::filesystem::is_regular_file(p, ec)) {
    // History fallback for single-page apps: a missing path whose last segment has no extension
    // (/admin/members/12, /orders) is a client-side route, answered by the nearest index.html above
    // it (admin/index.html, then index.html). A missing file with an extension stays 404, so a
    // stale asset is not answered with HTML.
    const std::string last = segments.empty() ? std::string() : segments.back();
    if (last.find('.') != std::string::npos) return Response::Error(404, "not_found", "no such file");
    bool found = false;
    for (size_t k = segments.size(); k-- > 0 && !found;) {
      std::filesystem::path dir(root);
      for (size_t i = 0; i < k; ++i) {
        if (!segments[i].empty() && segments[i] != ".") dir /= segments[i];
      }
      if (std::filesystem::is_regular_file(dir / "index.html", ec)) {
        p = dir / "index.html";
        found = true;
      }
    }
    if (!found) return Response::Error(404, "not_found", "no such file");
  }
  std::ifstream in(p, std::ios::binary);
  std::ostringstream data;
  if (!in || !(data << in.rdbuf())) {
    return Response::Error(404, "not_found", "no such file");
  }
  Response r;
  r.body = std::move(data).str();
  r.content_type = ContentTypeFor(p);
  return r;
}

std::string Bearer(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !beast::iequals(beast::string_view(authorization.data(), kScheme.size()),
                      beast::string_view(kScheme.data(), kScheme.size()))) {
    return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return std::string(token);
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, const Router& router, service::Metrics* metrics)
      : opts_(std::move(options)),
        router_(router),
        metrics_(metrics),
        proxies_(opts_.trusted_proxies),
        max_connections_(opts_.max_connections > 0 ? opts_.max_connections : DefaultMaxConnections()),
        ioc_(std::max(1, opts_.threads)),
        acceptor_(asio::make_strand(ioc_)) {
    if (metrics_ != nullptr) {
      metrics_->Describe(kRequestsTotal, service::MetricType::kCounter,
                         "HTTP requests answered, by route pattern, method and status.");
      metrics_->Describe(
          kRequestSeconds, service::MetricType::kHistogram,
          "Seconds from a request read to its response ready, by route pattern and method.");
      metrics_->Describe(kConnections, service::MetricType::kGauge, "HTTP connections held.");
      metrics_->Describe(kConnectionsMax, service::MetricType::kGauge,
                         "The connection cap (max_connections, or derived from the file limit).");
      metrics_->Describe(kEvictions, service::MetricType::kCounter,
                         "Idle connections closed to make room at the connection cap.");
      metrics_->Describe(kAcceptErrors, service::MetricType::kCounter,
                         "Failed accepts (out of file descriptors, memory), by error; each backs off.");
      metrics_->Set(kConnectionsMax, {}, static_cast<double>(max_connections_));
      metrics_->Set(kConnections, {}, 0);
    }
  }

  ~Impl() { Stop(std::chrono::milliseconds(0)); }

  void Start();
  void Stop(std::chrono::milliseconds grace);
  void Wait();
  uint16_t port() const { return port_.load(); }
  size_t max_connections() const { return max_connections_; }

 private:
  // One connection. Destroyed when its coroutine ends (or is dropped), which unregisters it.
  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(Impl* impl, tcp::socket socket) : server(impl), stream(std::move(socket)) {}
    ~Conn() { server->Unregister(*this); }
    Impl* server;
    beast::tcp_stream stream;
    uint64_t id = 0;
    bool idle = false;  // waiting for the first byte of a request; touched on the strand only
    // Under conns_mu_: the connection's place in idle_ (while listed), and whether the listener
    // has chosen it to close at the cap.
    std::list<Conn*>::iterator idle_pos;
    bool listed = false;
    bool evicted = false;
  };

  // A share of ServerOptions::body_memory, held while a request's body is read and handled.
  class BodyReservation {
   public:
    BodyReservation() = default;
    BodyReservation(const BodyReservation&) = delete;
    BodyReservation& operator=(const BodyReservation&) = delete;
    ~BodyReservation() { Release(); }
    // False (holding nothing) when `bytes` more would exceed the budget.
    bool Take(std::atomic<size_t>& used, size_t budget, size_t bytes) {
      size_t now = used.load(std::memory_order_relaxed);
      do {
        if (bytes > budget || now > budget - bytes) return false;
      } while (!used.compare_exchange_weak(now, now + bytes, std::memory_order_relaxed));
      used_ = &used;
      bytes_ = bytes;
      return true;
    }
    void Release() {
      if (used_ != nullptr) used_->fetch_sub(bytes_, std::memory_order_relaxed);
      used_ = nullptr;
    }

   private:
    std::atomic<size_t>* used_ = nullptr;
    size_t bytes_ = 0;
  };

  awaitable<void> Listen();
  // Every 2 s: when the connections have fallen well below their peak since the last
  // release, runs opts_.release_memory on each io thread.
  awaitable<void> ReleaseMemory();
  // Before an accept: while the cap is reached, closes the connections idle longest (or waits for
  // busy ones to end). Returns false when the server is stopping.
  awaitable<bool> WaitForRoom();
  awaitable<void> Session(std::shared_ptr<Conn> conn);
  // What the session needs to know about a dispatched request besides its response.
  struct Routed {
    std::string_view route = kUnmatched;  // metrics label: the route pattern, "unmatched", "static"
    bool api = false;                     // the decoded path is under /api/
  };
  awaitable<Response> Dispatch(Request& req, const Router::Match& m, const std::vector<std::string>& segments,
                               bool target_ok, std::string_view method_text, Routed& routed);
  // Feeds the parser what the connection has sent (a request usually arrives whole with the first
  // read), reading more only while the part wanted (the header, or the whole request) is incomplete;
  // answers "Expect: 100-continue" before reading a body. Errors as Beast's http::async_read gives
  // them (end_of_stream, partial_message, body_limit, …).
  awaitable<beast::error_code> ReadRequest(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                           bhttp::request_parser<bhttp::string_body>& parser,
                                           bool header_only, std::chrono::steady_clock::time_point deadline);
  awaitable<void> WriteErrorAndClose(beast::tcp_stream& stream, Response res, unsigned version);
  // The response as it goes on the wire: status line, headers (Content-Length, Connection as
  // keep_alive says), body. Returns the status sent (a handler's invalid status becomes a 500).
  unsigned Serialize(Response&& res, unsigned version, bool keep_alive, bool api, std::string* out) const;
  // Writes `text` on the connection: at once when the socket takes it all (nearly always: answers are
  // small), else the rest within the write timeout.
  awaitable<beast::error_code> Send(beast::tcp_stream& stream, const std::string& text);
  void Record(std::string_view route, std::string_view method, unsigned status,
              std::chrono::steady_clock::duration elapsed);
  void SetIdle(Conn& conn, bool idle);
  void Unregister(Conn& conn);
  void LogError(std::string_view what) const;

  const ServerOptions opts_;
  const Router& router_;
  service::Metrics* const metrics_;
  const TrustedProxies proxies_;
  const size_t max_connections_;
  std::atomic<size_t> body_bytes_{0};  // BodyReservation's

  // Live connections (for the cap and the graceful stop). Declared before ioc_: connection
  // coroutines still pending when ioc_ is destroyed unregister on their way out.
  std::mutex conns_mu_;
  std::condition_variable conns_cv_;
  std::unordered_map<uint64_t, std::weak_ptr<Conn>> conns_;
  std::list<Conn*> idle_;  // idle connections, longest idle first
  size_t peak_ = 0;        // connections held at most since the last release of memory
  size_t evicting_ = 0;    // chosen to close at the cap, not yet ended
  uint64_t next_id_ = 1;
  std::atomic<bool> stopping_{false};

  std::mutex state_mu_;
  std::condition_variable state_cv_;
  bool start_called_ = false, started_ = false, stop_begun_ = false, stopped_ = false;

  std::atomic<uint16_t> port_{0};
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
};

void Server::Impl::LogError(std::string_view what) const {
  if (opts_.log_errors) std::cerr << "guanxi http: " << what << std::endl;
}

void Server::Impl::Start() {
  {
    std::lock_guard lock(state_mu_);
    if (start_called_) throw std::logic_error("Server::Start called twice");
    start_called_ = true;
  }
  std::string where = opts_.host + ":" + std::to_string(opts_.port);
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(opts_.host, std::to_string(opts_.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot listen on " + where +
                             ": cannot resolve the host: " + ec.message());
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  auto fail = [&](std::string_view step) {
    throw std::runtime_error("cannot listen on " + where + ": " + std::string(step) + ": " +
                             ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) fail("open");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) fail("reuse_address");
  if (acceptor_.bind(endpoint, ec)) fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) fail("listen");
  port_ = acceptor_.local_endpoint().port();

  work_.emplace(ioc_.get_executor());
  asio::co_spawn(acceptor_.get_executor(), Listen(), [this](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      LogError(std::string("listener stopped: ") + ex.what());
    }
  });
  if (opts_.release_memory) asio::co_spawn(asio::make_strand(ioc_), ReleaseMemory(), asio::detached);
  int n = std::max(1, opts_.threads);
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          LogError(std::string("io thread: ") + e.what());
        }
      }
    });
  }
  std::lock_guard lock(state_mu_);
  started_ = true;
}

awaitable<void> Server::Impl::Listen() {
  auto pause = [](std::chrono::milliseconds d) -> awaitable<void> {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(kTuple);
  };
  std::chrono::milliseconds backoff{0};
  auto last_logged = std::chrono::steady_clock::now() - std::chrono::seconds(2);  // the first is logged
  for (;;) {
    // Room is made only for a connection that is waiting: none is closed ahead of need.
    auto [wec] = co_await acceptor_.async_wait(tcp::acceptor::wait_read, kTuple);
    if (wec && (stopping_ || !acceptor_.is_open())) co_return;
    if (!co_await WaitForRoom()) co_return;
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kTuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      // Out of file descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) is a condition, not a
      // failure: the connections held go on being served, and accepting resumes when it passes. Back
      // off (doubling to a second) instead of spinning, and log at most once a second.
      if (metrics_ != nullptr) metrics_->Add(kAcceptErrors, {{"error", ec.message()}}, 1);
      const auto now = std::chrono::steady_clock::now();
      if (now - last_logged >= std::chrono::seconds(1)) {
        LogError("accept: " + ec.message() + " (holding " + std::to_string(conns_.size()) +
                 " connections; retrying)");
        last_logged = now;
      }
      backoff = std::clamp(backoff * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
      co_await pause(backoff);
      continue;
    }
    backoff = std::chrono::milliseconds(0);
    auto conn = std::make_shared<Conn>(this, std::move(socket));
    {
      std::lock_guard lock(conns_mu_);
      if (stopping_) continue;  // closes the socket
      conn->id = next_id_++;
      conns_.emplace(conn->id, conn);
      peak_ = std::max(peak_, conns_.size());
      if (metrics_ != nullptr) metrics_->Set(kConnections, {}, static_cast<double>(conns_.size()));
    }
    auto strand = conn->stream.get_executor();
    asio::co_spawn(strand, Session(std::move(conn)), [this](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        LogError(std::string("connection dropped: ") + ex.what());
      }
    });
  }
}

awaitable<bool> Server::Impl::WaitForRoom() {
  // Connections chosen to close count as gone, so that a backlog of new ones is admitted at the pace
  // of accepts, not of closes; the descriptors they still hold come out of the reserve that
  // DefaultMaxConnections keeps, at most kMaxEvicting of them.
  constexpr size_t kMaxEvicting = 32;
  for (;;) {
    if (stopping_) co_return false;
    std::shared_ptr<Conn> victim;
    bool wait = false;
    {
      std::lock_guard lock(conns_mu_);
      if (conns_.size() - evicting_ < max_connections_) co_return true;
      if (idle_.empty() || evicting_ >= kMaxEvicting) {
        wait = true;  // busy connections end by their deadlines; chosen ones within moments
      } else {
        Conn* c = idle_.front();
        idle_.pop_front();
        c->listed = false;
        victim = c->weak_from_this().lock();  // null: it is being destroyed (and ends by itself)
        if (victim) {
          victim->evicted = true;
          ++evicting_;
        }
      }
    }
    if (victim) {
      if (metrics_ != nullptr) metrics_->Add(kEvictions, {}, 1);
      // On its strand: a connection whose request began meanwhile is left alone, and the next
      // pass chooses another.
      asio::post(victim->stream.get_executor(), [this, victim] {
        if (victim->idle) {
          victim->stream.cancel();
          return;
        }
        std::lock_guard lock(conns_mu_);
        victim->evicted = false;
        --evicting_;
      });
    }
    if (wait) {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
      co_await t.async_wait(kTuple);
    }
  }
}

awaitable<void> Server::Impl::ReleaseMemory() {
  constexpr size_t kFall = 1024;  // connections closed since the peak that make a release worth it
  const size_t threads = static_cast<size_t>(std::max(1, opts_.threads));
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping_) {
    timer.expires_after(std::chrono::seconds(2));
    co_await timer.async_wait(kTuple);
    {
      std::lock_guard lock(conns_mu_);
      if (stopping_ || peak_ < conns_.size() + kFall) continue;
      peak_ = conns_.size();
    }
    // Twice, a second apart: an allocator may only schedule the return of what the first pass frees
    // (mimalloc decommits after a delay, and only when it is called again).
    for (int pass = 0; pass < 2; ++pass) {
      if (pass > 0) {
        timer.expires_after(std::chrono::seconds(1));
        co_await timer.async_wait(kTuple);
      }
      // One task per io thread: each waits (briefly) until all have started, so no thread takes two.
      struct Barrier {
        std::mutex mu;
        std::condition_variable cv;
        size_t arrived = 0;
      };
      auto barrier = std::make_shared<Barrier>();
      for (size_t i = 0; i < threads; ++i) {
        asio::post(ioc_, [this, barrier, threads] {
          {
            std::unique_lock lock(barrier->mu);
            ++barrier->arrived;
            barrier->cv.notify_all();
            barrier->cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return barrier->arrived >= threads; });
          }
          opts_.release_memory();
        });
      }
    }
  }
}

void Server::Impl::SetIdle(Conn& conn, bool idle) {
  conn.idle = idle;
  std::lock_guard lock(conns_mu_);
  if (idle && !conn.listed && !conn.evicted) {
    conn.idle_pos = idle_.insert(idle_.end(), &conn);
    conn.listed = true;
  } else if (!idle && conn.listed) {
    idle_.erase(conn.idle_pos);
    conn.listed = false;
  }
}

void Server::Impl::Unregister(Conn& conn) {
  if (conn.id == 0) return;
  std::lock_guard lock(conns_mu_);
  if (conn.listed) idle_.erase(conn.idle_pos);
  if (conn.evicted) --evicting_;
  conns_.erase(conn.id);
  if (metrics_ != nullptr) metrics_->Set(kConnections, {}, static_cast<double>(conns_.size()));
  if (conns_.empty()) conns_cv_.notify_all();
}

namespace {

// Scratch memory of a connection kept between requests only while small: a connection that once
// carried a big request or answer does not hold that much while it waits for the next.
constexpr size_t kKeptScratch = 16 << 10;
// The first read of a request: most requests fit whole.
constexpr size_t kFirstRead = 2048;

// The answer to a request that could not be read, or none (timeouts, closed connections).
std::optional<Response> ReadFailure(const beast::error_code& ec, size_t body_limit) {
  if (ec == bhttp::error::body_limit) {
    return Response::Error(413, "body_too_large",
                           "the request body exceeds " + std::to_string(body_limit) + " bytes");
  }
  if (ec == bhttp::error::header_limit) {
    return Response::Error(431, "headers_too_large", "the request headers are too large");
  }
  if (ec.category() == beast::error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    return Response::Error(400, "bad_request", "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

}  // namespace

awaitable<void> Server::Impl::Session(std::shared_ptr<Conn> conn) {
  beast::tcp_stream& stream = conn->stream;
  beast::flat_buffer buffer;
  std::string text;  // the response being sent
  std::string peer;
  {
    beast::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) peer = ep.address().to_string();
  }
  for (;;) {
    if (buffer.size() == 0) {
      // Idle: no part of a request yet. Stop closes a connection waiting here, and so does the
      // listener at the connection cap (the longest idle first).
      if (stopping_) break;
      if (buffer.capacity() > kKeptScratch) buffer.shrink_to_fit();
      if (text.capacity() > kKeptScratch) std::string().swap(text);
      SetIdle(*conn, true);
      stream.expires_after(opts_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstRead), kTuple);
      SetIdle(*conn, false);
      if (ec) break;  // closed by the peer, idle timeout, stopping, or closed at the cap
      buffer.commit(n);
    }

    // One deadline for the whole request, set at its first byte: a client that trickles it cannot
    // hold the connection longer.
    const auto deadline = std::chrono::steady_clock::now() + opts_.read_timeout;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(std::min<size_t>(opts_.header_limit, UINT32_MAX)));
    parser.body_limit(boost::none);  // the route's, once the header has named it
    size_t body_limit = opts_.body_limit;
    auto fail = [&](beast::error_code ec) -> std::optional<Response> { return ReadFailure(ec, body_limit); };
    beast::error_code ec = co_await ReadRequest(stream, buffer, parser, /*header_only=*/true, deadline);
    std::optional<Response> refusal;
    if (ec) {
      refusal = fail(ec);
      if (!refusal) co_return;  // timed out or closed: no answer
    }

    // The route, from the header: its body limit applies before any of the body is read or stored.
    Request req;
    std::vector<std::string> segments;
    Router::Match match;
    bool target_ok = false;
    BodyReservation reservation;
    if (!refusal) {
      const auto& head = parser.get();
      req.method = head.method();
      target_ok = ParseTarget(View(head.target()), req, segments);
      if (target_ok) match = router_.Find(req.method, segments, req.params);
      if (match.handler != nullptr && match.body_limit > 0) body_limit = match.body_limit;
      const boost::optional<uint64_t> length = parser.content_length();
      if (length && *length > body_limit) {
        refusal = fail(bhttp::error::body_limit);
      } else if (const size_t need = length ? static_cast<size_t>(*length) : parser.chunked() ? body_limit : 0;
                 need > 0 && !reservation.Take(body_bytes_, opts_.body_memory, need)) {
        Response busy = Response::Error(503, "overloaded", "the server is busy; retry in a moment");
        busy.headers.emplace_back("Retry-After", "1");
        refusal = std::move(busy);
      } else {
        parser.body_limit(body_limit);
        ec = co_await ReadRequest(stream, buffer, parser, /*header_only=*/false, deadline);
        if (ec) {
          refusal = fail(ec);
          if (!refusal) co_return;
        }
      }
    }
    if (refusal) {
      const bhttp::verb method = parser.is_header_done() ? parser.get().method() : bhttp::verb::unknown;
      Record(kUnmatched, MethodLabel(method), refusal->status, {});
      co_await WriteErrorAndClose(stream, std::move(*refusal), parser.is_header_done() ? parser.get().version() : 11);
      co_return;
    }

    auto started = std::chrono::steady_clock::now();
    bhttp::request<bhttp::string_body> msg = parser.release();
    const unsigned version = msg.version();
    const bool wants_keep_alive = msg.keep_alive();
    req.body = std::move(msg.body());
    req.headers = std::move(static_cast<bhttp::fields&>(msg.base()));
    req.bearer = Bearer(req.Header("Authorization"));
    req.remote = proxies_.ClientAddress(peer, req.Header("X-Forwarded-For"), req.Header("X-Real-IP"));
    const bhttp::verb method = req.method;
    const std::string method_text(View(msg.method_string()));
    Routed routed;
    Response res = co_await Dispatch(req, match, segments, target_ok, method_text, routed);
    req = Request{};  // the body's memory goes back before the answer is written
    reservation.Release();
    bool keep_alive = wants_keep_alive && !stopping_;
    const unsigned status = Serialize(std::move(res), version, keep_alive, routed.api, &text);
    // Recorded before the write, so that a client that has its answer sees it counted.
    Record(routed.route, MethodLabel(method), status, std::chrono::steady_clock::now() - started);
    if (co_await Send(stream, text) || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

awaitable<Response> Server::Impl::Dispatch(Request& req, const Router::Match& m,
                                           const std::vector<std::string>& segments, bool target_ok,
                                           std::string_view method_text, Routed& routed) {
  if (!target_ok) co_return Response::Error(400, "bad_request", "invalid request target");
  routed.api = StartsWith(req.path, "/api/");
  if (m.handler == nullptr) {
    if (m.status == 404 && !opts_.static_dir.empty() && req.method == bhttp::verb::get &&
        !routed.api && req.path != "/api") {
      routed.route = kStatic;
      co_return ServeStatic(opts_.static_dir, segments);
    }
    if (m.status == 405) {
      Response r = Response::Error(
          405, "method_not_allowed",
          std::string(method_text) + " is not allowed here; allowed: " + m.allow);
      r.headers.emplace_back("Allow", m.allow);
      co_return r;
    }
    co_return Response::Error(404, "not_found", "no such path: " + req.path);
  }
  routed.route = m.pattern;
  // The handler's own errors become 500s, but for an HttpError, which carries its answer; co_await
  // is not allowed in a catch block.
  std::string failure;
  std::optional<Response> answer;
  try {
    co_return co_await (*m.handler)(req);
  } catch (const HttpError& e) {
    answer = e.response;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  if (answer) co_return std::move(*answer);
  LogError(std::string(method_text) + " " + req.target + ": handler threw: " + failure);
  co_return Response::Error(500, "internal", "internal error");
}

unsigned Server::Impl::Serialize(Response&& res, unsigned version, bool keep_alive, bool api,
                                std::string* out) const {
  if (res.status < 200 || res.status > 599) {
    LogError("handler answered status " + std::to_string(res.status));
    res = Response::Error(500, "internal", "internal error");
  }
  const bool bodiless = res.status == 204 || res.status == 304;  // no body, no Content-Length
  if (bodiless) res.body.clear();
  std::string& o = *out;
  o.clear();
  o.reserve(160 + res.body.size());
  o += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  o += std::to_string(res.status);
  o += ' ';
  o += View(bhttp::obsolete_reason(static_cast<bhttp::status>(res.status)));
  o += "\r\n";
  const auto header = [&o](std::string_view name, std::string_view value) {
    o.append(name).append(": ").append(value).append("\r\n");
  };
  if (!bodiless) header("Content-Type", res.content_type);
  for (const auto& [name, value] : res.headers) header(name, value);
  if (api && res.Header("Cache-Control").empty()) header("Cache-Control", "no-store");
  if (version == 10 && keep_alive) header("Connection", "keep-alive");
  if (version != 10 && !keep_alive) header("Connection", "close");
  if (!bodiless) header("Content-Length", std::to_string(res.body.size()));
  o += "\r\n";
  o += res.body;
  return res.status;
}

awaitable<beast::error_code> Server::Impl::ReadRequest(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                      bhttp::request_parser<bhttp::string_body>& parser,
                                                      bool header_only,
                                                      std::chrono::steady_clock::time_point deadline) {
  bool continued = false;
  auto wanted = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  for (;;) {
    beast::error_code ec;
    // Without the eager option the parser stops after the header, so that the route is known
    // before the body is parsed.
    while (buffer.size() > 0 && !wanted()) {
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) co_return ec;
    }
    if (wanted()) co_return beast::error_code{};
    if (!header_only && !continued && beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      continued = true;
      const std::string go_on = parser.get().version() == 10 ? "HTTP/1.0 100 Continue\r\n\r\n"
                                                             : "HTTP/1.1 100 Continue\r\n\r\n";
      if (auto wec = co_await Send(stream, go_on)) co_return wec;
    }
    stream.expires_at(deadline);  // again after Send, which may have set the write timeout
    auto [rec, n] = co_await stream.async_read_some(buffer.prepare(16384), kTuple);
    if (rec == asio::error::eof) {
      if (!parser.got_some()) co_return bhttp::error::end_of_stream;
      parser.put_eof(ec);  // partial_message unless the request is complete without more
      co_return ec;
    }
    if (rec) co_return rec;
    buffer.commit(n);
  }
}

awaitable<beast::error_code> Server::Impl::Send(beast::tcp_stream& stream, const std::string& text) {
  beast::error_code ec;
  tcp::socket& socket = stream.socket();
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  const size_t sent = ec ? 0 : socket.write_some(asio::buffer(text), ec);
  if (!ec && sent == text.size()) co_return ec;
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return ec;
  stream.expires_after(opts_.write_timeout);
  auto [wec, n] = co_await asio::async_write(stream, asio::buffer(text.data() + sent, text.size() - sent), kTuple);
  co_return wec;
}

awaitable<void> Server::Impl::WriteErrorAndClose(beast::tcp_stream& stream, Response res,
                                                 unsigned version) {
  std::string text;
  Serialize(std::move(res), version, /*keep_alive=*/false, /*api=*/false, &text);
  beast::error_code ec = co_await Send(stream, text);
  if (ec) co_return;
  // Lingering close: closing with unread input would reset the connection, and the client could
  // lose the answer. Stop sending, then discard what the client still sends, for a bounded time.
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::min(opts_.read_timeout, std::chrono::milliseconds(2000)));
  std::array<char, 16384> sink;
  size_t drained = 0;
  while (drained < (size_t{4} << 20)) {
    auto [rec, rn] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    drained += rn;
  }
}

void Server::Impl::Record(std::string_view route, std::string_view method, unsigned status,
                          std::chrono::steady_clock::duration elapsed) {
  if (metrics_ == nullptr) return;
  char buf[8];
  auto r = std::to_chars(buf, buf + sizeof buf, status);
  std::string_view status_text(buf, static_cast<size_t>(r.ptr - buf));
  metrics_->Add(kRequestsTotal, {{"route", route}, {"method", method}, {"status", status_text}}, 1);
  metrics_->Observe(kRequestSeconds, {{"route", route}, {"method", method}},
                    std::chrono::duration<double>(elapsed).count());
}

void Server::Impl::Stop(std::chrono::milliseconds grace) {
  if (ioc_.get_executor().running_in_this_thread()) {
    throw std::logic_error("Server::Stop called from an io thread");
  }
  {
    std::unique_lock lock(state_mu_);
    if (!started_ || stopped_) return;
    if (stop_begun_) {
      state_cv_.wait(lock, [&] { return stopped_; });
      return;
    }
    stop_begun_ = true;
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  {
    std::lock_guard lock(conns_mu_);
    stopping_ = true;
  }
  // Stop accepting; wait until the acceptor is closed so that new connections are refused.
  auto closed = std::make_shared<std::promise<void>>();
  auto closed_future = closed->get_future();
  asio::post(acceptor_.get_executor(), [this, closed] {
    beast::error_code ec;
    acceptor_.close(ec);
    closed->set_value();
  });
  closed_future.wait_until(deadline);
  // Close idle connections; busy ones answer with "Connection: close" and end by themselves.
  std::vector<std::shared_ptr<Conn>> live;
  {
    std::lock_guard lock(conns_mu_);
    for (auto& [id, weak] : conns_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) {
    asio::post(c->stream.get_executor(), [c] {
      if (c->idle) c->stream.cancel();
    });
  }
  live.clear();
  {
    std::unique_lock lock(conns_mu_);
    conns_cv_.wait_until(lock, deadline, [&] { return conns_.empty(); });
  }
  work_.reset();
  ioc_.stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  {
    std::lock_guard lock(state_mu_);
    stopped_ = true;
  }
  state_cv_.notify_all();
}

void Server::Impl::Wait() {
  std::unique_lock lock(state_mu_);
  state_cv_.wait(lock, [&] { return !started_ || stopped_; });
}

Server::Server(ServerOptions options, const Router& router, service::Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}
Server::~Server() = default;
void Server::Start() { impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
size_t Server::max_connections() const { return impl_->max_connections(); }
void Server::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }
void Server::Wait() { impl_->Wait(); }

size_t DefaultMaxConnections() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 65'536;
  const auto files = static_cast<size_t>(limit.rlim_cur);
  const size_t reserve = 64 + files / 16;
  return files > reserve + 16 ? files - reserve : 16;
}

Handler MetricsHandler(const service::Metrics& metrics) {
  return [&metrics](Request&) -> awaitable<Response> {
    co_return Response::Text(200, metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
  };
}

void WaitForStopSignal() {
  asio::io_context ioc(1);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([](const beast::error_code&, int) {});
  ioc.run();
}

}  // namespace guanxi::http
