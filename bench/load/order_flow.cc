// load_order_flow: the paid-order load of bench/load/run.sh. wrk cannot drive this flow — each step
// needs the previous reply (the order id, the payment intent and amount) and the payment notification
// must carry an HMAC-SHA256 signature, which wrk's Lua cannot compute — so this small driver does it.
//
// Each of --connections connections is a keep-alive HTTP/1.1 connection (Boost.Beast, asynchronous: a
// coroutine per connection, all of them on --threads event loops, default 1, as wrk runs its connections
// on a few threads; a thread per connection cost the shared two cores about 50 µs a request in context
// switches) that loops, as one buyer after another of the tokens file, through one paid order:
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
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "service/crypto.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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

class Client {
 public:
  Client(const asio::any_io_executor& ex, const Options& o) : o_(o), stream_(ex), resolver_(ex) {}

  // One request on the keep-alive connection (reconnecting once if the server closed it).
  // Returns the status, the body in *body.
  asio::awaitable<unsigned> Post(const std::string& target, const std::string& token, const std::string& body_in,
                                 const std::string& signature, const std::string& idempotency_key,
                                 std::string* body) {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!connected_) co_await Connect();
        http::request<http::string_body> req{http::verb::post, target, 11};
        req.set(http::field::host, o_.host);
        req.set(http::field::content_type, "application/json");
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        if (!signature.empty()) req.set("X-Sandbox-Signature", signature);
        if (!idempotency_key.empty()) req.set("Idempotency-Key", idempotency_key);
        req.keep_alive(true);
        req.body() = body_in;
        req.prepare_payload();
        co_await http::async_write(stream_, req, asio::use_awaitable);
        http::response<http::string_body> res;
        co_await http::async_read(stream_, buf_, res, asio::use_awaitable);
        if (!res.keep_alive()) Close();
        *body = std::move(res.body());
        co_return res.result_int();
      } catch (const std::exception&) {
        Close();
        if (attempt > 0) throw;
      }
    }
  }

 private:
  asio::awaitable<void> Connect() {
    const auto endpoints = co_await resolver_.async_resolve(o_.host, o_.port, asio::use_awaitable);
    co_await asio::async_connect(stream_, endpoints, asio::use_awaitable);
    stream_.set_option(asio::ip::tcp::no_delay(true));
    connected_ = true;
  }
  void Close() {
    boost::system::error_code ec;
    stream_.close(ec);
    buf_.clear();
    connected_ = false;
  }

  const Options& o_;
  asio::ip::tcp::socket stream_;
  asio::ip::tcp::resolver resolver_;
  beast::flat_buffer buf_;
  bool connected_ = false;
};

uint32_t Micros(Clock::duration d) {
  return static_cast<uint32_t>(std::min<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count(),
                                                 UINT32_MAX));
}

// One connection's loop of paid orders until `end`.
asio::awaitable<void> Run(const Options& o, const std::vector<std::string>& tokens, int connection,
                          const std::string& run_id, Clock::time_point measure_from, Clock::time_point end,
                          Stats& st) {
  Client client(co_await asio::this_coro::executor, o);
  const std::string orders_target = "/api/v1/orders";
  const std::string pay_body = R"({"provider":"sandbox"})";
  const std::string notify_target = "/api/v1/payments/notify/sandbox";
  const std::string no_signature;
  const std::string no_token;
  const std::string no_key;
  const std::string order_body =
      R"({"items":[{"sku":")" + o.sku + R"(","qty":1}])" + (o.pay_at_create ? R"(,"pay":"sandbox"})" : "}");
  size_t next_buyer = static_cast<size_t>(connection) % tokens.size();
  std::string reply;
  const asio::any_io_executor client_executor = co_await asio::this_coro::executor;
  bool failed = false;
  for (uint64_t n = 0;; ++n) {
    const Clock::time_point t0 = Clock::now();
    if (t0 >= end) break;
    const bool measured = t0 >= measure_from;
    const std::string& token = tokens[next_buyer];
    next_buyer = (next_buyer + static_cast<size_t>(o.connections)) % tokens.size();
    auto fail = [&](const char* step, unsigned status) {
      ++st.errors;
      if (st.first_error.empty()) {
        st.first_error = std::string(step) + ": HTTP " + std::to_string(status) + " " + reply.substr(0, 300);
      }
    };
    try {
      const std::string key = run_id + "-" + std::to_string(connection) + "-" + std::to_string(n);
      unsigned status = co_await client.Post(orders_target, token, order_body, no_signature, key, &reply);
      const Clock::time_point t1 = Clock::now();
      if (status != 201) {
        fail("create", status);
        continue;
      }
      json::value intent;
      Clock::time_point t2 = t1;
      if (o.pay_at_create) {
        intent = json::parse(reply).at("payment");
      } else {
        const int64_t order = json::parse(reply).at("id").as_int64();
        const std::string pay_target = "/api/v1/orders/" + std::to_string(order) + "/pay";
        status = co_await client.Post(pay_target, token, pay_body, no_signature, no_key, &reply);
        t2 = Clock::now();
        if (status != 200) {
          fail("pay", status);
          continue;
        }
        intent = json::parse(reply);
      }
      const json::value note{{"intent", intent.at("intent")},
                             {"txn", "load-" + key},
                             {"amount", intent.at("amount")},
                             {"status", "succeeded"},
                             {"at", std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()}};
      const std::string body = json::serialize(note);
      const std::string signature = guanxi::service::HmacSha256Hex(o.secret, body);
      status = co_await client.Post(notify_target, no_token, body, signature, no_key, &reply);
      const Clock::time_point t3 = Clock::now();
      if (status != 200 || reply.find("\"applied\"") == std::string::npos) {
        fail("notify", status);
        continue;
      }
      if (measured && t3 <= end) {
        st.us[kCreate].push_back(Micros(t1 - t0));
        if (!o.pay_at_create) st.us[kPay].push_back(Micros(t2 - t1));
        st.us[kNotify].push_back(Micros(t3 - t2));
        st.us[kFlow].push_back(Micros(t3 - t0));
        ++st.paid;
      }
    } catch (const std::exception& e) {
      ++st.errors;
      if (st.first_error.empty()) st.first_error = e.what();
      failed = true;
    }
    if (failed) {  // e.g. refused: do not spin
      failed = false;
      asio::steady_timer pause(client_executor, std::chrono::milliseconds(10));
      co_await pause.async_wait(asio::use_awaitable);
    }
  }
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
  std::vector<std::unique_ptr<asio::io_context>> loops;
  for (int t = 0; t < o.threads; ++t) loops.push_back(std::make_unique<asio::io_context>(1));
  for (int c = 0; c < o.connections; ++c) {
    asio::io_context& io = *loops[static_cast<size_t>(c % o.threads)];
    asio::co_spawn(io, Run(o, tokens, c, run_id, measure_from, end, stats[static_cast<size_t>(c)]), asio::detached);
  }
  std::vector<std::thread> threads;
  for (auto& io : loops) threads.emplace_back([&io] { io->run(); });
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
