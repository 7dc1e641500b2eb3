// Hostile and careless HTTP clients on raw non-blocking sockets, for the hostile-clients test
// (tests/hostile) and the load_hostile tool (bench/hostile): connections opened and never used,
// requests whose header or body trickles in, one request sent on many connections at once; and the
// facts they are judged by (a process's resident memory and sockets, this process's file limit).
// IPv4 only; meant for loopback. Threading: an IdleConnections object and a FireRequests call
// belong to the calling thread; SlowClients runs a thread of its own, and its methods may be called
// from any one other thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace guanxi::test::hostile {

// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the soft limit now in force.
uint64_t RaiseFileLimit();

// VmRSS of process `pid` in KiB, from /proc/<pid>/status; -1 when it cannot be read (process gone).
int64_t RssKiB(int pid);

// Sockets open in process `pid` (the entries of /proc/<pid>/fd that are sockets: its listener and
// its connections); -1 when they cannot be read.
int64_t SocketCount(int pid);

// `count` source addresses 127.0.0.2, 127.0.0.3, … to bind before connecting, so that many
// connections to one port do not run out of ephemeral ports (about 28,000 per source address).
std::vector<std::string> LoopbackSources(int count);

// The p-quantile (0 < p ≤ 1) of `values` by the nearest-rank method; 0 for no values.
double Quantile(std::vector<double> values, double p);

// Connections opened with non-blocking connects and then held without sending a byte.
class IdleConnections {
 public:
  struct Counts {
    int opened = 0;     // sockets created (connecting or connected)
    int connected = 0;  // the handshake completed (accepted, or waiting in the server's backlog)
    int pending = 0;    // still connecting (SYNs retried while the server's backlog is full)
    int closed_by_server = 0;  // end of stream or reset after connecting
    int failed = 0;            // no socket (EMFILE: raise the file limit), refused, or timed out
    int open() const { return connected + pending; }
  };

  // Starts `n` connects to host:port, binding the addresses of `sources` in turn (empty: the
  // kernel's choice of address and port).
  IdleConnections(const std::string& host, uint16_t port, int n,
                  const std::vector<std::string>& sources = {});
  ~IdleConnections();
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  // Handles what happens on the sockets for `wait` (connects completing, the server closing or
  // answering); returns the counts then.
  Counts Poll(std::chrono::milliseconds wait);
  Counts counts() const { return counts_; }
  // Closes every socket (the server sees each end).
  void CloseAll();

 private:
  enum class State : uint8_t { kConnecting, kConnected, kClosed };
  void Finish(size_t i, bool by_server);
  int epoll_ = -1;
  std::vector<int> fds_;
  std::vector<State> states_;
  Counts counts_;
};

// Clients that hold a connection by sending a request slowly, as a slowloris attack (or a very bad
// mobile network) does: `header_clients` send a request header one byte every `interval`, a header
// that never ends; `body_clients` send a whole header announcing `body_length` bytes of JSON (and
// `body_burst` bytes of it at once), then `body_step` bytes of it every `interval`. A client whose
// connection the server closes (or answers) opens another, so the pressure lasts until Stop.
class SlowClients {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    int header_clients = 0;
    int body_clients = 0;
    std::chrono::milliseconds interval{500};
    size_t body_length = 60000;
    size_t body_burst = 0;  // bytes of the body sent at once, with the header, before the trickle
    size_t body_step = 4;
    std::string header_target = "/api/v1/products";
    std::string body_target = "/api/v1/auth/login";
    std::vector<std::string> sources;  // as IdleConnections' sources
  };
  struct Counts {
    int open = 0;                  // connections open now (connecting or sending)
    int64_t connections = 0;       // opened since the start
    int64_t closed_by_server = 0;  // ended by the server (closed, reset, or answered)
    int64_t answers = 0;           // connections the server wrote something on (408, 413, 503 …)
    int64_t bytes_sent = 0;
    int64_t connect_failures = 0;  // refused, timed out, or no socket
  };

  explicit SlowClients(Options options);
  ~SlowClients();  // Stop()
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  // Closes every connection and joins the thread. Idempotent.
  void Stop();
  Counts counts() const;

 private:
  void Run();
  Options opts_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Counts counts_;
  std::thread thread_;
};

// One request's answer, as FireRequests read it.
struct Answer {
  unsigned status = 0;      // 0: no answer (refused, reset, closed early, timed out)
  std::string retry_after;  // the Retry-After header; "" when absent
  std::string body;
  double seconds = 0;  // from the start of the connect to the end of the answer (or the failure)
  double started = 0;  // seconds from the call's start to this request's connect
  std::string error;   // why there is no answer
};

// A raw HTTP/1.1 request with "Connection: close": METHOD target, Host, a JSON body when not empty,
// and "Authorization: Bearer …" when `bearer` is not empty.
std::string RawRequest(std::string_view method, std::string_view target,
                       std::string_view json_body = {}, std::string_view bearer = {});

// Sends each of `requests` (raw requests ending the connection, as RawRequest makes) on a
// connection of its own, at most `concurrency` connections at a time, and reads each answer (to its
// Content-Length, or to the close). A request not answered within `timeout` of its connect gets
// status 0. The answers are in the order of `requests`.
std::vector<Answer> FireRequests(const std::string& host, uint16_t port,
                                 const std::vector<std::string>& requests, int concurrency,
                                 std::chrono::milliseconds timeout,
                                 const std::vector<std::string>& sources = {});

// A metric's value in a Prometheus text exposition: "name 12", or the sum over its label sets
// ("name{state=\"idle\"} 10", …); -1 when absent.
double MetricValue(std::string_view exposition, std::string_view name);

// The "code" of an error body {"error":{"code":"…",…}}; "" when there is none.
std::string ErrorCode(std::string_view body);

}  // namespace guanxi::test::hostile
