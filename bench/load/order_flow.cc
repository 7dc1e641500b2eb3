// load_order_flow: the paid-order load of bench/load/run.sh. wrk cannot drive this flow — each step
// needs the previous reply (the order id, the payment intent and amount) and the payment notification
// must carry an HMAC-SHA256 signature, which wrk's Lua cannot compute — so this small driver does it.
//
// Each of --connections connections is a keep-alive HTTP/1.1 connection (non-blocking sockets, all of
// them on --threads epoll loops, default 1, as wrk runs its connections on a few threads; a thread per
// connection cost the shared two cores about 50 µs a request in context switches) that loops, as one
// buyer after another of the tokens file, through one paid order:
//   1. POST /api/v1/orders                   {"items":[{"sku":SKU,"qty":1}]}      → 201, the order id
//      with an Idempotency-Key, new for every order, as the member H5 store sends one
//   2. POST /api/v1/orders/{id}/pay          {"provider":"sandbox"}               → 200, intent, amount
//   3. POST /api/v1/payments/notify/sandbox  the provider's notification, signed  → 200 "applied"
// With --pay-at-create, steps 1 and 2 are one request: POST /api/v1/orders with "pay":"sandbox" answers
// the order and its intent (201), so a paid order is two requests and two write jobs.
// Step 3 is what the sandbox provider itself sends after POST /payments/sandbox/{intent}/complete; the
// driver plays the provider (same body fields, same X-Sandbox-Signature) so the time measured is the
// shop's, not the sandbox's retry timer. Every step is a write: the reply comes after the group commit
// (fsync). This is a closed loop (a thread sends its next request when the previous reply arrived), so,
// like wrk, it understates latency under overload (coordinated omission); the throughput is exact.
//
// Prints paid orders/s and p50/p99/max of every step and of the whole flow; an unexpected status counts
// as an error and ends that flow.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "service/crypto.h"

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string tokens;
  std::string secret;
  std::string sku = "pkg699";
  int connections = 64;
  int threads = 1;
  double duration = 15;
  double warmup = 2;
  bool pay_at_create = false;
};

// Exits with CLI11's message and code on --help or a bad or missing option.
Options Parse(int argc, char** argv) {
  Options o;
  CLI::App app{"load_order_flow: the paid-order flow (create, pay, signed notification) against guanxi serve"};
  app.add_option("--host", o.host);
  app.add_option("--port", o.port);
  app.add_option("--tokens", o.tokens, "buyers' tokens, one per line")->required();
  app.add_option("--secret", o.secret, "the sandbox's payment_secret")->required();
  app.add_option("--sku", o.sku);
  app.add_option("--connections", o.connections)->check(CLI::Range(1, 4096));
  app.add_option("--threads", o.threads, "event-loop threads the connections share")->check(CLI::Range(1, 64));
  app.add_option("--duration", o.duration, "seconds measured")->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup, "seconds before measuring")->check(CLI::NonNegativeNumber);
  app.add_flag("--pay-at-create", o.pay_at_create, "create the order and its payment intent in one request");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return o;
}

enum Step { kCreate = 0, kPay = 1, kNotify = 2, kFlow = 3, kSteps = 4 };
constexpr const char* kStepNames[] = {"create order", "pay (intent)", "notify (paid)", "whole flow"};

struct Stats {
  std::vector<uint32_t> us[kSteps];  // latencies in microseconds, measured part only
  uint64_t paid = 0;
  uint64_t errors = 0;
  std::string first_error;
};

// One keep-alive connection, driven by an epoll loop (Loop below): a small state machine rather than
// Beast and coroutines, so that the driver's own CPU, which the server shares, stays low (the
// previous Beast driver spent about 30 µs of user time per paid order, this one a fraction of it).
// Requests are written as text; a reply is read up to its Content-Length (the server never chunks).
class Conn {
 public:
  Conn(const Options& o, const std::vector<std::string>& tokens, int index, const std::string& run_id, Stats& st)
      : o_(o), tokens_(tokens), index_(index), run_id_(run_id), st_(st),
        next_buyer_(static_cast<size_t>(index) % tokens.size()) {}
  ~Conn() { Close(); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  int fd() const { return fd_; }
  bool paused(Clock::time_point now) const { return now < resume_at_; }

  // Starts the next paid order, unless the run is over. False when this connection is done.
  bool Next(int epoll_fd, Clock::time_point measure_from, Clock::time_point end) {
    const Clock::time_point now = Clock::now();
    if (now >= end) return false;
    end_ = end;
    measured_ = now >= measure_from;
    t0_ = now;
    token_ = &tokens_[next_buyer_];
    next_buyer_ = (next_buyer_ + static_cast<size_t>(o_.connections)) % tokens_.size();
    key_ = run_id_ + "-" + std::to_string(index_) + "-" + std::to_string(n_++);
    step_ = kCreate;
    const std::string body = R"({"items":[{"sku":")" + o_.sku + R"(","qty":1}])" +
                             (o_.pay_at_create ? R"(,"pay":"sandbox"})" : "}");
    Send(epoll_fd, "/api/v1/orders", *token_, body, "", key_);
    return true;
  }

  // The socket is readable: reads, and handles a whole reply when one has arrived.
  void OnReadable(int epoll_fd) {
    char chunk[16384];
    unsigned status = 0;
    bool keep_alive = true;
    std::string body;
    // Reads until a whole reply is in (usually one read: a reply is a few hundred bytes).
    for (;;) {
      const ssize_t got = ::read(fd_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // the rest comes later
      if (got <= 0) return Retry(epoll_fd, got == 0 ? "the server closed the connection" : std::strerror(errno));
      in_.append(chunk, static_cast<size_t>(got));
      if (TakeReply(&status, &keep_alive, &body)) break;
    }
    retried_ = false;
    if (!keep_alive) Close();
    OnReply(epoll_fd, status, body);
  }

  bool idle() const { return step_ == kIdle; }

 private:
  static constexpr int kIdle = kSteps;

  void Send(int epoll_fd, const std::string& target, const std::string& token, const std::string& body,
            const std::string& signature, const std::string& key) {
    out_.clear();
    out_ += "POST " + target + " HTTP/1.1\r\nHost: " + o_.host + "\r\nContent-Type: application/json\r\n";
    if (!token.empty()) out_ += "Authorization: Bearer " + token + "\r\n";
    if (!signature.empty()) out_ += "X-Sandbox-Signature: " + signature + "\r\n";
    if (!key.empty()) out_ += "Idempotency-Key: " + key + "\r\n";
    out_ += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out_ += body;
    Transmit(epoll_fd);
  }

  // Writes out_ (the request), connecting first if needed; a failure reconnects once.
  void Transmit(int epoll_fd) {
    in_.clear();
    if (fd_ < 0 && !Connect(epoll_fd)) {
      Fail("connect", 0, std::string("cannot connect: ") + std::strerror(errno));
      return;
    }
    size_t sent = 0;
    while (sent < out_.size()) {
      const ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{fd_, POLLOUT, 0};  // a request is a few hundred bytes: this does not happen in practice
        ::poll(&p, 1, 1000);
      } else {
        Retry(epoll_fd, std::strerror(errno));
        return;
      }
    }
  }

  bool Connect(int epoll_fd) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(o_.host.c_str(), o_.port.c_str(), &hints, &res) != 0) return false;
    for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd_ < 0) continue;
      if (::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    ::freeaddrinfo(res);
    if (fd_ < 0) return false;
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = this;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd_, &ev);
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);  // also leaves the epoll set
    fd_ = -1;
  }

  // The connection failed mid-request: reconnect and send the request again, once.
  void Retry(int epoll_fd, const std::string& why) {
    Close();
    if (retried_) {
      retried_ = false;
      Fail("connection", 0, why);
      return;
    }
    retried_ = true;
    Transmit(epoll_fd);
  }

  // A whole reply in in_: its status, keep-alive and body. False while more is to come.
  bool TakeReply(unsigned* status, bool* keep_alive, std::string* body) {
    const size_t head_end = in_.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    size_t length = 0;
    *keep_alive = true;
    size_t line = in_.find("\r\n") + 2;
    while (line < head_end + 2) {
      const size_t eol = in_.find("\r\n", line);
      const std::string_view header(in_.data() + line, eol - line);
      const size_t colon = header.find(':');
      if (colon != std::string_view::npos) {
        std::string name(header.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string_view value = header.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (name == "content-length") length = std::strtoull(std::string(value).c_str(), nullptr, 10);
        if (name == "connection" && (value == "close" || value == "Close")) *keep_alive = false;
      }
      line = eol + 2;
    }
    if (in_.size() < head_end + 4 + length) return false;
    *status = in_.size() > 12 ? static_cast<unsigned>(std::atoi(in_.c_str() + 9)) : 0;
    body->assign(in_, head_end + 4, length);
    in_.erase(0, head_end + 4 + length);
    return true;
  }

  void OnReply(int epoll_fd, unsigned status, const std::string& reply) {
    const Clock::time_point now = Clock::now();
    try {
      switch (step_) {
        case kCreate: {
          t1_ = now;
          if (status != 201) return Fail("create", status, reply);
          const json::value order = json::parse(reply);
          if (o_.pay_at_create) {
            t2_ = t1_;
            return Notify(epoll_fd, order.at("payment"));
          }
          step_ = kPay;
          const std::string target = "/api/v1/orders/" + std::to_string(order.at("id").as_int64()) + "/pay";
          return Send(epoll_fd, target, *token_, R"({"provider":"sandbox"})", "", "");
        }
        case kPay:
          t2_ = now;
          if (status != 200) return Fail("pay", status, reply);
          return Notify(epoll_fd, json::parse(reply));
        case kNotify:
          if (status != 200 || reply.find("\"applied\"") == std::string::npos) return Fail("notify", status, reply);
          if (measured_ && now <= end_) {
            st_.us[kCreate].push_back(Micros(t1_ - t0_));
            if (!o_.pay_at_create) st_.us[kPay].push_back(Micros(t2_ - t1_));
            st_.us[kNotify].push_back(Micros(now - t2_));
            st_.us[kFlow].push_back(Micros(now - t0_));
            ++st_.paid;
          }
          step_ = kIdle;
          return;
        default:
          return;
      }
    } catch (const std::exception& e) {
      Fail("reply", status, e.what());
    }
  }

  // The provider's notification for `intent` (what the sandbox sends after .../complete), signed.
  void Notify(int epoll_fd, const json::value& intent) {
    step_ = kNotify;
    const int64_t at = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const std::string body = json::serialize(json::value{{"intent", intent.at("intent")},
                                                         {"txn", "load-" + key_},
                                                         {"amount", intent.at("amount")},
                                                         {"status", "succeeded"},
                                                         {"at", at}});
    Send(epoll_fd, "/api/v1/payments/notify/sandbox", "", body, guanxi::service::HmacSha256Hex(o_.secret, body), "");
  }

  // Counts an error and ends this flow; after a failure to connect the connection pauses 10 ms.
  void Fail(const char* step, unsigned status, const std::string& what) {
    ++st_.errors;
    if (st_.first_error.empty()) {
      st_.first_error = std::string(step) + ": HTTP " + std::to_string(status) + " " + what.substr(0, 300);
    }
    if (status == 0) {
      Close();
      resume_at_ = Clock::now() + std::chrono::milliseconds(10);  // e.g. refused: do not spin
    }
    step_ = kIdle;
  }

  static uint32_t Micros(Clock::duration d) {
    return static_cast<uint32_t>(
        std::min<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count(), UINT32_MAX));
  }

  const Options& o_;
  const std::vector<std::string>& tokens_;
  const int index_;
  const std::string& run_id_;
  Stats& st_;
  size_t next_buyer_;
  uint64_t n_ = 0;
  int fd_ = -1;
  int step_ = kIdle;
  bool retried_ = false;
  bool measured_ = false;
  const std::string* token_ = nullptr;
  std::string key_, out_, in_;
  Clock::time_point t0_, t1_, t2_, end_, resume_at_;
};

// One event loop: its connections each run paid orders one after another until `end`.
void Loop(std::vector<std::unique_ptr<Conn>>& conns, Clock::time_point measure_from, Clock::time_point end) {
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn*> live;
  for (auto& c : conns) live.push_back(c.get());
  std::vector<epoll_event> events(live.size() + 1);
  while (!live.empty()) {
    // Start a new order on every idle connection (unless paused after a failure); drop finished ones.
    const Clock::time_point now = Clock::now();
    bool paused = false;
    for (size_t i = 0; i < live.size();) {
      Conn* c = live[i];
      if (c->idle()) {
        if (c->paused(now)) {
          paused = now < end;
        } else if (!c->Next(epoll_fd, measure_from, end)) {
          live[i] = live.back();
          live.pop_back();
          continue;
        }
      }
      ++i;
    }
    if (live.empty()) break;
    const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), paused ? 10 : 100);
    for (int i = 0; i < n; ++i) static_cast<Conn*>(events[static_cast<size_t>(i)].data.ptr)->OnReadable(epoll_fd);
  }
  ::close(epoll_fd);
}

double Pct(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::vector<std::string> tokens;
  {
    std::ifstream in(o.tokens);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) tokens.push_back(line);
    }
  }
  if (tokens.empty()) {
    std::fprintf(stderr, "load_order_flow: %s has no tokens\n", o.tokens.c_str());
    return 2;
  }
  guanxi::service::CryptoInit();
  const std::string run_id = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());

  const Clock::time_point start = Clock::now();
  const auto measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
  const auto end = measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  std::vector<Stats> stats(static_cast<size_t>(o.connections));
  std::vector<std::vector<std::unique_ptr<Conn>>> loops(static_cast<size_t>(o.threads));
  for (int c = 0; c < o.connections; ++c) {
    loops[static_cast<size_t>(c % o.threads)].push_back(
        std::make_unique<Conn>(o, tokens, c, run_id, stats[static_cast<size_t>(c)]));
  }
  std::vector<std::thread> threads;
  for (auto& conns : loops) threads.emplace_back([&conns, measure_from, end] { Loop(conns, measure_from, end); });
  for (auto& t : threads) t.join();

  Stats all;
  for (Stats& s : stats) {
    for (int k = 0; k < kSteps; ++k) all.us[k].insert(all.us[k].end(), s.us[k].begin(), s.us[k].end());
    all.paid += s.paid;
    all.errors += s.errors;
    if (all.first_error.empty()) all.first_error = s.first_error;
  }
  const double secs = o.duration;
  const double requests_per_order = o.pay_at_create ? 2.0 : 3.0;
  std::printf("paid-order flow%s: %d connections, %.0f s measured after %.0f s warm-up, %zu buyers, sku %s\n",
              o.pay_at_create ? " (order and intent in one request)" : "", o.connections, o.duration, o.warmup,
              tokens.size(), o.sku.c_str());
  std::printf("  paid orders: %llu (%.0f/s), requests %.0f/s, errors %llu\n",
              static_cast<unsigned long long>(all.paid), static_cast<double>(all.paid) / secs,
              requests_per_order * static_cast<double>(all.paid) / secs, static_cast<unsigned long long>(all.errors));
  if (!all.first_error.empty()) std::printf("  first error: %s\n", all.first_error.c_str());
  std::printf("  %-14s %9s %9s %9s %9s\n", "latency (ms)", "p50", "p90", "p99", "max");
  double p[kSteps][4];
  for (int k = 0; k < kSteps; ++k) {
    auto& v = all.us[k];
    p[k][0] = Pct(v, 50);
    p[k][1] = Pct(v, 90);
    p[k][2] = Pct(v, 99);
    p[k][3] = v.empty() ? 0 : *std::max_element(v.begin(), v.end()) / 1000.0;
    std::printf("  %-14s %9.2f %9.2f %9.2f %9.2f\n", kStepNames[k], p[k][0], p[k][1], p[k][2], p[k][3]);
  }
  // One line for run.sh: paid/s, then p50 p99 max of each request step, then of the flow.
  std::printf("RESULT order_flow paid_per_s=%.0f errors=%llu", static_cast<double>(all.paid) / secs,
              static_cast<unsigned long long>(all.errors));
  for (int k = 0; k < kSteps; ++k) std::printf(" s%d_p50=%.2f s%d_p99=%.2f s%d_max=%.2f", k, p[k][0], k, p[k][2], k, p[k][3]);
  std::printf("\n");
  return all.errors > 0 && all.paid == 0 ? 1 : 0;
}
