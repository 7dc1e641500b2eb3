// The HTTP/1.1 server: Boost.Beast with one C++20 coroutine per connection (read → handle → write,
// keep-alive), static files, metrics, and a graceful stop that lets requests in flight finish. Built
// for clients that are careless or hostile: a connection cap (the longest idle connection makes room),
// accept errors that back off instead of stopping, one deadline per request, per-route body limits
// decided from the header and a memory budget for bodies, and the client address behind trusted
// proxies (docs/operations.md). Threading: Start, Stop and Wait are called from outside the
// server's io threads (Stop and Wait may be called from different threads); each connection's
// coroutine runs on its own strand, so one connection's handler never runs twice at once, while
// handlers of different connections run concurrently on `threads` threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/router.h"

namespace guanxi::service {
class Metrics;
}

namespace guanxi::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: an ephemeral port (tests); see Server::port()
  // The largest request body of a route that does not set its own (Router::Add), sized for JSON;
  // larger bodies → 413 "body_too_large" and the connection closes.
  size_t body_limit = 64 << 10;
  size_t header_limit = 16 << 10;  // larger request line + headers → 431 "headers_too_large"
  // Request bodies being read, all connections together: a request whose body would take more
  // (its Content-Length, or its route's limit when chunked) is answered 503 "overloaded" with
  // Retry-After, so that many clients holding big bodies cannot exhaust the memory.
  size_t body_memory = 64 << 20;
  // One deadline per request: from its first byte, the request line, headers and body must all
  // have arrived within this time, however the client spreads them; else the connection is closed
  // without an answer.
  std::chrono::milliseconds read_timeout{15000};
  std::chrono::milliseconds idle_timeout{60000};   // a keep-alive connection waiting for a request
  std::chrono::milliseconds write_timeout{30000};  // writing one response
  // Connections held at once; 0: DefaultMaxConnections(). At the cap the connection idle longest
  // (waiting for a request) is closed to make room; when none is idle, new connections wait in the
  // listen backlog until one ends.
  size_t max_connections = 0;
  // Peers whose X-Forwarded-For / X-Real-IP are believed (client_address.h): IP addresses or CIDR
  // networks. Empty: every request's address is its peer's.
  std::vector<std::string> trusted_proxies;
  int threads = 2;
  // When set: a GET of a path that no route knows and that is not under /api/ serves a file from
  // here (no "..", content type by extension, index.html for directories). A missing path whose last
  // segment has no extension gets the nearest index.html above it (single-page apps' history
  // fallback: /admin/members/12 → admin/index.html, /orders → index.html). Empty: no files.
  std::string static_dir;
  // Handler exceptions and other unexpected errors are written to stderr unless false.
  bool log_errors = true;
  // When set: called on every io thread once the connections held have fallen well below their peak
  // (checked every few seconds), to give the system back what the allocator keeps of them: an
  // allocator keeps a thread's freed memory for that thread (mimalloc's mi_collect, glibc's
  // malloc_trim).
  std::function<void()> release_memory;
};

// The connection cap for this process's file limit (RLIMIT_NOFILE, soft): the limit less a reserve
// for the store's files, reader connections, logs and the static files being read (64 descriptors
// and a sixteenth of the limit), and at least 16.
size_t DefaultMaxConnections();

class Server {
 public:
  // `router` and `metrics` (may be null) must outlive the server.
  Server(ServerOptions options, const Router& router, service::Metrics* metrics);
  // Stops (with no grace) if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the io threads; returns at once. Throws std::runtime_error naming
  // the address when it cannot listen. REQUIRES: called once.
  void Start();
  // The bound port (after Start).
  uint16_t port() const;
  // The connection cap in force (ServerOptions::max_connections, or DefaultMaxConnections()).
  size_t max_connections() const;
  // Graceful stop: stops accepting (new connections are refused), closes idle keep-alive
  // connections, lets requests being read or handled finish and be answered with
  // "Connection: close", waits up to `grace` for them, then stops the io threads. Idempotent;
  // returns when the threads have stopped.
  void Stop(std::chrono::milliseconds grace);
  // Blocks until the server has stopped (returns at once if it never started).
  void Wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A GET handler answering the metrics in the Prometheus text format, for a "/metrics" route.
Handler MetricsHandler(const service::Metrics& metrics);

// Blocks until SIGINT or SIGTERM arrives (for `guanxi serve`), then returns.
void WaitForStopSignal();

}  // namespace guanxi::http
