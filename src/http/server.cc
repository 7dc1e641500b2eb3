// The Beast server: listener and per-connection coroutines, request mapping, static files, metrics,
// graceful stop. Threading: each connection's coroutine runs on its own strand; the registry of
// connections and the stop state are guarded by mutexes; Start/Stop/Wait run outside the io
// threads.
#include "http/server.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
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
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

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
        ioc_(std::max(1, opts_.threads)),
        acceptor_(asio::make_strand(ioc_)) {
    if (metrics_ != nullptr) {
      metrics_->Describe(kRequestsTotal, service::MetricType::kCounter,
                         "HTTP requests answered, by route pattern, method and status.");
      metrics_->Describe(
          kRequestSeconds, service::MetricType::kHistogram,
          "Seconds from a request read to its response ready, by route pattern and method.");
    }
  }

  ~Impl() { Stop(std::chrono::milliseconds(0)); }

  void Start();
  void Stop(std::chrono::milliseconds grace);
  void Wait();
  uint16_t port() const { return port_.load(); }

 private:
  // One connection. Destroyed when its coroutine ends (or is dropped), which unregisters it.
  struct Conn {
    Conn(Impl* impl, tcp::socket socket) : server(impl), stream(std::move(socket)) {}
    ~Conn() { server->Unregister(id); }
    Impl* server;
    beast::tcp_stream stream;
    uint64_t id = 0;
    bool idle = false;  // waiting for the first byte of a request; touched on the strand only
  };

  awaitable<void> Listen();
  awaitable<void> Session(std::shared_ptr<Conn> conn);
  // What the session needs to know about a dispatched request besides its response.
  struct Routed {
    std::string_view route = kUnmatched;  // metrics label: the route pattern, "unmatched", "static"
    bool api = false;                     // the decoded path is under /api/
  };
  awaitable<Response> Dispatch(bhttp::request<bhttp::string_body>& msg, const std::string& remote,
                               Routed& routed);
  // Parses a request from what the connection has sent (a request usually arrives whole with the first
  // read), reading more only while it is incomplete; answers "Expect: 100-continue". Errors as
  // Beast's http::async_read gives them (end_of_stream, partial_message, body_limit, …).
  awaitable<beast::error_code> ReadRequest(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                           bhttp::request_parser<bhttp::string_body>& parser);
  awaitable<void> WriteErrorAndClose(beast::tcp_stream& stream, Response res, unsigned version);
  // The response as it goes on the wire: status line, headers (Content-Length, Connection as
  // keep_alive says), body. Returns the status sent (a handler's invalid status becomes a 500).
  unsigned Serialize(Response&& res, unsigned version, bool keep_alive, bool api, std::string* out) const;
  // Writes `text` on the connection: at once when the socket takes it all (nearly always: answers are
  // small), else the rest within the write timeout.
  awaitable<beast::error_code> Send(beast::tcp_stream& stream, const std::string& text);
  void Record(std::string_view route, std::string_view method, unsigned status,
              std::chrono::steady_clock::duration elapsed);
  void Unregister(uint64_t id);
  void LogError(std::string_view what) const;

  const ServerOptions opts_;
  const Router& router_;
  service::Metrics* const metrics_;

  // Live connections (for the graceful stop). Declared before ioc_: connection coroutines still
  // pending when ioc_ is destroyed unregister on their way out.
  std::mutex conns_mu_;
  std::condition_variable conns_cv_;
  std::unordered_map<uint64_t, std::weak_ptr<Conn>> conns_;
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
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kTuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      // E.g. out of file descriptors: back off instead of spinning.
      LogError("accept: " + ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    auto conn = std::make_shared<Conn>(this, std::move(socket));
    {
      std::lock_guard lock(conns_mu_);
      if (stopping_) continue;  // closes the socket
      conn->id = next_id_++;
      conns_.emplace(conn->id, conn);
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

void Server::Impl::Unregister(uint64_t id) {
  if (id == 0) return;
  std::lock_guard lock(conns_mu_);
  conns_.erase(id);
  if (conns_.empty()) conns_cv_.notify_all();
}

awaitable<void> Server::Impl::Session(std::shared_ptr<Conn> conn) {
  beast::tcp_stream& stream = conn->stream;
  beast::flat_buffer buffer;
  std::string text;  // the response being sent
  std::string remote;
  {
    beast::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  for (;;) {
    if (buffer.size() == 0) {
      // Idle: no part of a request yet. Stop closes a connection waiting here.
      if (stopping_) break;
      conn->idle = true;
      stream.expires_after(opts_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      conn->idle = false;
      if (ec) break;  // closed by the peer, idle timeout, or stopping
      buffer.commit(n);
    }

    // The whole request must arrive by one deadline (a slow client cannot hold the connection).
    stream.expires_after(opts_.read_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(std::min<size_t>(opts_.header_limit, UINT32_MAX)));
    parser.body_limit(opts_.body_limit);
    beast::error_code ec = co_await ReadRequest(stream, buffer, parser);
    if (ec) {
      std::optional<Response> answer;
      if (ec == bhttp::error::body_limit) {
        answer = Response::Error(
            413, "body_too_large",
            "the request body exceeds " + std::to_string(opts_.body_limit) + " bytes");
      } else if (ec == bhttp::error::header_limit) {
        answer = Response::Error(431, "headers_too_large", "the request headers are too large");
      } else if (ec.category() == beast::error_code(bhttp::error::bad_method).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        answer = Response::Error(400, "bad_request", "malformed HTTP request: " + ec.message());
      }
      // Timeouts and closed connections get no answer.
      if (answer) {
        bhttp::verb method = parser.is_header_done() ? parser.get().method() : bhttp::verb::unknown;
        Record(kUnmatched, MethodLabel(method), answer->status, {});
        co_await WriteErrorAndClose(stream, std::move(*answer), 11);
      }
      co_return;
    }

    auto started = std::chrono::steady_clock::now();
    bhttp::request<bhttp::string_body> msg = parser.release();
    unsigned version = msg.version();
    bool wants_keep_alive = msg.keep_alive();
    bhttp::verb method = msg.method();
    Routed routed;
    Response res = co_await Dispatch(msg, remote, routed);
    bool keep_alive = wants_keep_alive && !stopping_;
    const unsigned status = Serialize(std::move(res), version, keep_alive, routed.api, &text);
    // Recorded before the write, so that a client that has its answer sees it counted.
    Record(routed.route, MethodLabel(method), status, std::chrono::steady_clock::now() - started);
    if (co_await Send(stream, text) || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

awaitable<Response> Server::Impl::Dispatch(bhttp::request<bhttp::string_body>& msg,
                                           const std::string& remote, Routed& routed) {
  Request req;
  req.method = msg.method();
  std::vector<std::string> segments;
  if (!ParseTarget(View(msg.target()), req, segments)) {
    co_return Response::Error(400, "bad_request", "invalid request target");
  }
  routed.api = StartsWith(req.path, "/api/");
  req.remote = remote;
  req.body = std::move(msg.body());
  req.headers = std::move(static_cast<bhttp::fields&>(msg.base()));
  req.bearer = Bearer(req.Header("Authorization"));

  Router::Match m = router_.Find(req.method, segments, req.params);
  if (m.handler == nullptr) {
    if (m.status == 404 && !opts_.static_dir.empty() && req.method == bhttp::verb::get &&
        !routed.api && req.path != "/api") {
      routed.route = kStatic;
      co_return ServeStatic(opts_.static_dir, segments);
    }
    if (m.status == 405) {
      Response r = Response::Error(
          405, "method_not_allowed",
          std::string(View(msg.method_string())) + " is not allowed here; allowed: " + m.allow);
      r.headers.emplace_back("Allow", std::move(m.allow));
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
  LogError(std::string(View(msg.method_string())) + " " + req.target +
           ": handler threw: " + failure);
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
                                                      bhttp::request_parser<bhttp::string_body>& parser) {
  bool continued = false;
  for (;;) {
    beast::error_code ec;
    while (buffer.size() > 0 && !parser.is_done()) {
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) co_return ec;
    }
    if (parser.is_done()) co_return beast::error_code{};
    if (parser.is_header_done() && !continued &&
        beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      continued = true;
      const std::string go_on = parser.get().version() == 10 ? "HTTP/1.0 100 Continue\r\n\r\n"
                                                             : "HTTP/1.1 100 Continue\r\n\r\n";
      if (auto wec = co_await Send(stream, go_on)) co_return wec;
    }
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
void Server::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }
void Server::Wait() { impl_->Wait(); }

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
