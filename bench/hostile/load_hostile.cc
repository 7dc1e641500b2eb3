// load_hostile: hostile and careless clients against a running `guanxi serve` (issue 18), to
// measure what they cost it. Loopback only; every wait is bounded. Two modes:
//
//   load_hostile [--host H] --port P idle --pid PID [--connections N] [--sources S]
//                 [--hold SECONDS] [--slow-body B --body-length L --body-burst U] [--slow-header H]
//     Opens N connections that never send a byte (non-blocking connects, bound in turn to S source
//     addresses 127.0.0.2, 127.0.0.3 … so that N is not limited by one address's ~28,000 ephemeral
//     ports; --sources 0: the kernel's choice), and optionally B clients that announce a body of L
//     bytes (POST /api/v1/auth/login), send U bytes of it at once and then 4 bytes every 500 ms
//     (issue 18's "body just under the limit": L 1000000, U 999000), and H clients that send a
//     header a byte every 500 ms (each reconnecting when the server closes it); holds them --hold
//     seconds, closes them, and prints:
//       - the server's RSS (VmRSS of --pid) before, at the end of the hold (and its peak), and 3 s
//         after closing;
//       - the connections the server held: guanxi_http_connections from GET /metrics when the
//         server exposes it (a gauge; a sum over its label sets if it has labels), and the sockets
//         in /proc/PID/fd either way (its listener included);
//       - the RSS increase per held connection (bytes), by each of those two counts;
//       - the connections' fate on this side: connected (accepted, or waiting in the server's
//         backlog), still connecting, closed by the server, failed (refused, timed out, no socket);
//       - whether /healthz still answers afterwards (exit status 1 when it does not).
//     This tool raises its own soft file limit to its hard limit; connections beyond it fail and
//     are counted. (On the machine of issue 18 the hard limit is 20,000 and cannot be raised, so N
//     = 50,000 cannot be held there by one process of this tool or by the server.)
//
//   load_hostile [--host H] --port P register-flood --taken-phone PHONE --login-phone PHONE
//                 --login-password PW [--register-login] [--registrations R] [--concurrency C]
//                 [--new-phones K] [--timeout SECONDS] [--min-logins L]
//     Sends R registrations (POST /api/v1/auth/register, a connection each, "Connection: close")
//     from at most C connections at once, K of them of new phones (unique to the run) and the
//     others of PHONE, which has an account, while one client logs in as the login member in a loop
//     (a fresh connection per login) until the flood has ended and at least L logins were made.
//     Prints the logins' count, statuses and p50/p99/max (and three logins without load before),
//     and the registrations' statuses with their error codes (503s with and without Retry-After),
//     p50/p99/max and the flood's wall time. A request unanswered after --timeout seconds counts as
//     "no answer". For the real figures the server runs WITHOUT --fast-password-hashing and the
//     login member has a real password hash: the demo members are seeded at the minimum cost and a
//     login verifies at the stored hash's cost, so pass --register-login to register the login
//     member first (201, or 409 when it exists from an earlier run).
//
// Example (a shop with the demo data, real hashing, a file limit like the issue's), from the source
// directory after `cmake --build --preset ci`:
//   mkdir -p /tmp/h && (ulimit -n 1024; exec build/ci/src/cli/guanxi serve --db /tmp/h/shop.db
//       --listen 127.0.0.1:18090 --plan plans/chain-2plus1-699.toml --demo) &
//   build/ci/bench/hostile/load_hostile --port 18090 idle --pid $! --connections 5000 --hold 10
//   build/ci/bench/hostile/load_hostile --port 18090 register-flood --taken-phone 13800000001
//       --login-phone 13900000777 --login-password hostile-login-pw --register-login
//       --registrations 500 --concurrency 150
// (each command on one line).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/hostile_clients.h"

namespace {

namespace hostile = guanxi::test::hostile;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Common {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
};

// GET `target` on a fresh connection; the answer (status 0 when none within `timeout`).
hostile::Answer Get(const Common& c, const std::string& target,
                    milliseconds timeout = milliseconds(5000)) {
  return hostile::FireRequests(c.host, c.port, {hostile::RawRequest("GET", target)}, 1, timeout)
      .front();
}

double ConnectionsMetric(const Common& c) {
  const hostile::Answer a = Get(c, "/metrics");
  return a.status == 200 ? hostile::MetricValue(a.body, "guanxi_http_connections") : -1;
}

std::string Json(std::string_view phone, std::string_view password) {
  return "{\"phone\":\"" + std::string(phone) + "\",\"password\":\"" + std::string(password) +
         "\"}";
}

void PrintLatencies(const char* what, const std::vector<double>& seconds) {
  std::printf("%s: n %zu, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", what, seconds.size(),
              hostile::Quantile(seconds, 0.5) * 1e3, hostile::Quantile(seconds, 0.99) * 1e3,
              hostile::Quantile(seconds, 1.0) * 1e3);
}

struct IdleOptions {
  int pid = 0, connections = 10000, sources = 8, slow_body = 0, slow_header = 0;
  size_t body_length = 1'000'000, body_burst = 0;
  double hold = 10;
};

int Idle(const Common& c, const IdleOptions& o) {
  const int pid = o.pid, connections = o.connections, sources = o.sources;
  const double hold = o.hold;
  const uint64_t files = hostile::RaiseFileLimit();
  const int64_t rss_before = hostile::RssKiB(pid);
  if (rss_before < 0) {
    std::fprintf(stderr, "load_hostile: cannot read /proc/%d/status\n", pid);
    return 2;
  }
  const int64_t sockets_before = hostile::SocketCount(pid);
  const double metric_before = ConnectionsMetric(c);
  std::printf(
      "file limit of this process: %llu; opening %d idle connections from %d source addresses\n",
      static_cast<unsigned long long>(files), connections, sources);
  std::printf(
      "before: RSS %lld KiB, server sockets %lld, guanxi_http_connections %s\n",
      static_cast<long long>(rss_before), static_cast<long long>(sockets_before),
      metric_before < 0 ? "absent" : std::to_string(static_cast<long long>(metric_before)).c_str());

  const auto t0 = Clock::now();
  hostile::IdleConnections idle(c.host, c.port, connections, hostile::LoopbackSources(sources));
  std::optional<hostile::SlowClients> slow;
  if (o.slow_body + o.slow_header > 0) {
    hostile::SlowClients::Options so;
    so.host = c.host;
    so.port = c.port;
    so.body_clients = o.slow_body;
    so.header_clients = o.slow_header;
    so.body_length = o.body_length;
    so.body_burst = o.body_burst;
    so.sources = hostile::LoopbackSources(sources);
    slow.emplace(so);
  }
  const auto end =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(hold));
  int64_t rss_peak = rss_before;
  hostile::IdleConnections::Counts counts = idle.counts();
  while (Clock::now() < end) {
    counts = idle.Poll(
        std::min(milliseconds(500), std::chrono::duration_cast<milliseconds>(end - Clock::now())));
    rss_peak = std::max(rss_peak, hostile::RssKiB(pid));
  }
  const int64_t rss_held = hostile::RssKiB(pid);
  if (rss_held < 0) {
    std::printf(
        "held %.0f s: connected %d, still connecting %d, closed by the server %d, failed %d\n",
        hold, counts.connected, counts.pending, counts.closed_by_server, counts.failed);
    std::printf("the server process %d is gone (peak RSS seen %lld KiB)\n", pid,
                static_cast<long long>(rss_peak));
    return 1;
  }
  const int64_t sockets_held = hostile::SocketCount(pid);
  const double metric_held = ConnectionsMetric(c);
  std::printf(
      "held %.0f s: connected %d, still connecting %d, closed by the server %d, failed %d\n", hold,
      counts.connected, counts.pending, counts.closed_by_server, counts.failed);
  std::printf(
      "while held: RSS %lld KiB (peak %lld KiB), server sockets %lld, guanxi_http_connections %s\n",
      static_cast<long long>(rss_held), static_cast<long long>(rss_peak),
      static_cast<long long>(sockets_held),
      metric_held < 0 ? "absent" : std::to_string(static_cast<long long>(metric_held)).c_str());
  const double grown = static_cast<double>(rss_held - rss_before) * 1024.0;
  if (sockets_held > sockets_before) {
    std::printf("RSS growth per held connection (by sockets): %.0f bytes over %lld connections\n",
                grown / static_cast<double>(sockets_held - sockets_before),
                static_cast<long long>(sockets_held - sockets_before));
  }
  if (metric_held > std::max(metric_before, 0.0)) {
    std::printf("RSS growth per held connection (by guanxi_http_connections): %.0f bytes\n",
                grown / (metric_held - std::max(metric_before, 0.0)));
  }
  if (slow) {
    const hostile::SlowClients::Counts sc = slow->counts();
    std::printf(
        "slow clients: %d open, %lld connections, %lld closed by the server, %lld answered, %lld "
        "refused or "
        "failed, %lld bytes sent\n",
        sc.open, static_cast<long long>(sc.connections),
        static_cast<long long>(sc.closed_by_server), static_cast<long long>(sc.answers),
        static_cast<long long>(sc.connect_failures), static_cast<long long>(sc.bytes_sent));
    slow->Stop();
  }
  idle.CloseAll();
  std::this_thread::sleep_for(milliseconds(3000));
  const int64_t rss_after = hostile::RssKiB(pid);
  if (rss_after < 0) {
    std::printf("after closing: the server process %d is gone\n", pid);
    return 1;
  }
  const hostile::Answer health = Get(c, "/healthz");
  std::printf("3 s after closing: RSS %lld KiB, server sockets %lld, /healthz %s\n",
              static_cast<long long>(rss_after), static_cast<long long>(hostile::SocketCount(pid)),
              health.status == 0 ? ("no answer: " + health.error).c_str()
                                 : std::to_string(health.status).c_str());
  return health.status == 200 ? 0 : 1;
}

struct FloodOptions {
  std::string taken_phone, login_phone, login_password;
  bool register_login = false;
  int registrations = 500, concurrency = 150, new_phones = 0, min_logins = 5;
  double timeout = 30;
};

int RegisterFlood(const Common& c, const FloodOptions& o) {
  hostile::RaiseFileLimit();
  const milliseconds timeout(static_cast<int64_t>(o.timeout * 1000));
  const std::string login =
      hostile::RawRequest("POST", "/api/v1/auth/login", Json(o.login_phone, o.login_password));
  const auto one = [&](const std::string& request) {
    return hostile::FireRequests(c.host, c.port, {request}, 1, timeout).front();
  };
  if (o.register_login) {
    const hostile::Answer r = one(hostile::RawRequest("POST", "/api/v1/auth/register",
                                                      Json(o.login_phone, o.login_password)));
    std::printf("registering the login member: %u %s in %.1f ms\n", r.status,
                hostile::ErrorCode(r.body).c_str(), r.seconds * 1e3);
  }
  std::vector<double> quiet;
  for (int i = 0; i < 3; ++i) {
    const hostile::Answer a = one(login);
    if (a.status != 200) {
      std::fprintf(stderr, "load_hostile: the login member cannot log in: %u %s%s\n", a.status,
                   a.body.c_str(), a.error.c_str());
      return 2;
    }
    quiet.push_back(a.seconds);
  }
  PrintLatencies("logins without load", quiet);

  const int run = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count() %
                                   100000);
  std::vector<std::string> requests;
  const int every = o.new_phones > 0 ? std::max(1, o.registrations / o.new_phones) : 0;
  int fresh = 0;
  for (int i = 0; i < o.registrations; ++i) {
    // New phones spread over the flood: 139, five digits of the run, three of their count.
    std::string phone = o.taken_phone;
    if (every > 0 && i % every == 0 && fresh < o.new_phones) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "139%05d%03d", run, fresh++ % 1000);
      phone = buf;
    }
    requests.push_back(
        hostile::RawRequest("POST", "/api/v1/auth/register", Json(phone, "flood-password-123")));
  }
  std::vector<hostile::Answer> answers;
  bool flooding = true;
  std::mutex mu;
  const auto t0 = Clock::now();
  std::thread flood([&] {
    auto a = hostile::FireRequests(c.host, c.port, requests, o.concurrency, timeout);
    std::lock_guard lock(mu);
    answers = std::move(a);
    flooding = false;
  });
  const auto deadline = t0 + timeout + std::chrono::seconds(5);
  std::vector<double> logins;
  std::map<std::string, int> login_statuses;
  int during = 0;
  for (;;) {
    bool still;
    {
      std::lock_guard lock(mu);
      still = flooding;
    }
    if (Clock::now() >= deadline || (!still && static_cast<int>(logins.size()) >= o.min_logins))
      break;
    const hostile::Answer a = one(login);
    logins.push_back(a.seconds);
    ++login_statuses[a.status == 0 ? "no answer" : std::to_string(a.status)];
    if (still) ++during;
  }
  flood.join();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();

  std::map<std::string, int> statuses;
  std::vector<double> reg_seconds;
  for (const hostile::Answer& a : answers) {
    std::string key = a.status == 0 ? "no answer" : std::to_string(a.status);
    if (const std::string code = hostile::ErrorCode(a.body); !code.empty()) key += " " + code;
    if (a.status == 503)
      key += a.retry_after.empty() ? " (no Retry-After)" : " (Retry-After " + a.retry_after + ")";
    ++statuses[key];
    reg_seconds.push_back(a.seconds);
  }
  std::printf("flood: %d registrations (%d of new phones), at most %d at once, %.2f s\n",
              o.registrations, fresh, o.concurrency, wall);
  for (const auto& [k, n] : statuses) std::printf("  registrations %s: %d\n", k.c_str(), n);
  PrintLatencies("registrations", reg_seconds);
  std::printf("logins during the flood: %d of %zu;", during, logins.size());
  for (const auto& [k, n] : login_statuses) std::printf(" %s: %d;", k.c_str(), n);
  std::printf("\n");
  PrintLatencies("logins", logins);
  return Get(c, "/healthz").status == 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "load_hostile: idle connections and register floods against guanxi serve (issue 18)"};
  app.require_subcommand(1);
  app.fallthrough();  // --host and --port after the mode's name too
  Common common;
  app.add_option("--host", common.host, "the server's IPv4 address (loopback)");
  app.add_option("--port", common.port, "the server's port")->required();

  IdleOptions io;
  CLI::App* idle = app.add_subcommand(
      "idle", "hold N connections that send nothing; the server's memory per connection");
  idle->add_option("--pid", io.pid, "the server's process id (for /proc/PID)")->required();
  idle->add_option("--connections", io.connections, "N")->check(CLI::Range(0, 1'000'000));
  idle->add_option("--sources", io.sources,
                   "source addresses 127.0.0.2 … to spread the connections over")
      ->check(CLI::Range(0, 1000));
  idle->add_option("--hold", io.hold, "seconds")->check(CLI::Range(0.0, 600.0));
  idle->add_option("--slow-body", io.slow_body, "clients trickling a body")
      ->check(CLI::Range(0, 100'000));
  idle->add_option("--body-length", io.body_length, "the Content-Length they announce")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  idle->add_option("--body-burst", io.body_burst, "bytes of the body they send at once")
      ->check(CLI::Range(size_t{0}, size_t{1} << 30));
  idle->add_option("--slow-header", io.slow_header, "clients trickling a header")
      ->check(CLI::Range(0, 100'000));

  FloodOptions f;
  CLI::App* flood = app.add_subcommand("register-flood",
                                       "registrations of a taken phone against a member's logins");
  flood->add_option("--taken-phone", f.taken_phone, "a phone that has an account")->required();
  flood->add_option("--login-phone", f.login_phone, "the member who logs in during the flood")
      ->required();
  flood->add_option("--login-password", f.login_password)->required();
  flood->add_flag("--register-login", f.register_login, "register the login member first");
  flood->add_option("--registrations", f.registrations, "R")->check(CLI::Range(1, 1'000'000));
  flood->add_option("--concurrency", f.concurrency, "C")->check(CLI::Range(1, 15'000));
  flood->add_option("--new-phones", f.new_phones, "K of the R registrations of new phones")
      ->check(CLI::Range(0, 1000));
  flood->add_option("--timeout", f.timeout, "seconds per request")->check(CLI::Range(0.1, 300.0));
  flood->add_option("--min-logins", f.min_logins, "logins at least")->check(CLI::Range(1, 100'000));
  CLI11_PARSE(app, argc, argv);

  try {
    if (idle->parsed()) return Idle(common, io);
    if (flood->parsed()) return RegisterFlood(common, f);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "load_hostile: %s\n", e.what());
    return 2;
  }
  return 2;
}
