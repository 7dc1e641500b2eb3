#include "cli/serve.h"

#ifdef GUANXI_MIMALLOC
#include <mimalloc.h>
#endif

#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "cli/settings.h"
#include "http/api.h"
#include "http/server.h"
#include "service/api.h"
#include "service/crypto.h"
#include "service/demo.h"
#include "service/metrics.h"
#include "service/shop.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace guanxi::cli {
namespace {

// The allocator malloc really is: with GUANXI_MIMALLOC, mimalloc's only if its shared library was
// loaded ahead of libc (a block from calloc then lies in mimalloc's heap).
std::string Allocator() {
#ifdef GUANXI_MIMALLOC
  void* p = std::calloc(1, 64);
  const bool ours = mi_is_in_heap_region(p);
  std::free(p);
  const int v = mi_version();  // 209: 2.0.9
  if (ours) {
    return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
  }
#endif
  return "glibc malloc";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Gives the system back the memory the allocator holds free for the calling thread (after a burst of
// connections, say).
void ReleaseFreeMemory() {
#ifdef GUANXI_MIMALLOC
  mi_collect(true);
#else
  malloc_trim(0);
#endif
}

// The soft file limit raised to the hard one: each connection is a descriptor, and the default soft
// limit (often 1,024) is a shell's, not a server's. Returns the limit now in force.
uint64_t RaiseFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

bool SplitListen(const std::string& listen, std::string& host, uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  const std::string p = listen.substr(colon + 1);
  if (host.empty() || p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  const unsigned long v = std::stoul(p);
  if (v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}

// "2026-12-07": the shop's calendar date of a Unix time (civil date from days since 1970-01-01).
std::string ShopDate(int64_t unix_ms, int utc_offset_minutes) {
  const int64_t z = service::ShopDay(unix_ms, utc_offset_minutes) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[64];  // room for any int64 year (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

// What a newcomer can try in the demo shop, Chinese first (the people who run `make demo` are the
// merchant's), each with the page where it is done.
void PrintDemoTour(const boost::json::object& tour, const std::string& url, int utc_offset_minutes) {
  auto yuan = [](const boost::json::value& fen) { return "¥" + core::FormatYuan(fen.as_int64()); };
  auto phone = [](const boost::json::value& v) { return std::string(v.at("phone").as_string()); };
  const auto& w = tour.at("withdrawal");
  const auto& r = tour.at("refund");
  const auto& a = tour.at("available");
  const auto& p = tour.at("pending");
  const auto& pool = tour.at("pool_payout");
  std::cout << "\n演示店铺：新手可以试试（demo shop: things to try）\n"
            << "  1. 审核提现：会员 " << phone(w) << " 申请提现 " << yuan(w.at("amount"))
            << "，财务在控制台「提现」页打款或驳回\n"
            << "     " << url << "/admin/withdrawals   (approve the pending withdrawal)\n"
            << "  2. 处理退款：会员 " << phone(r) << " 申请退款，原因「" << r.at("reason").as_string().c_str()
            << "」，在控制台「订单」页同意或拒绝\n"
            << "     " << url << "/admin/orders   (decide the refund request)\n"
            << "  3. 日结与奖池分红：已日结 " << tour.at("days_closed").as_int64() << " 天，区域奖池分红 "
            << yuan(pool.at("amount")) << " 已发给区域经销商 " << phone(pool)
            << "，见该会员的收益明细和控制台「账本」页\n"
            << "     " << url << "/admin/members/" << pool.at("member").as_int64() << "   " << url
            << "/admin/ledger   (the pool payout, the closed days)\n"
            << "  4. 会员视角：用 " << phone(a) << " 登录商城，「我的」→ 钱包里有可提现 " << yuan(a.at("amount"));
  const auto* at = p.as_object().if_contains("settle_at");
  if (at != nullptr && p.at("status") == "received") {
    std::cout << "；" << phone(p) << " 三天前买的礼包，奖励待结算，" << ShopDate(at->as_int64(), utc_offset_minutes)
              << " 结算";
  }
  std::cout << "\n     " << url << "/login   (a member's wallet: available and pending money)\n";
}

}  // namespace

int Serve(const ServeOptions& given) {
  ServeOptions opts = given;
  Settings http;
  service::ShopConfig& config = http.shop;
  // The sandbox provider marks orders paid without money: on only for the demo unless the settings
  // file turns it on (tests, staging).
  config.sandbox_payments = opts.demo;
  try {
    if (!opts.config.empty()) LoadSettingsFile(opts.config, http);
    if (!http.static_dir.empty()) opts.static_dir = http.static_dir;
  } catch (const std::exception& e) {
    std::cerr << "guanxi: " << e.what() << "\n";
    return 2;
  }
  if (!SplitListen(opts.listen, http.server.host, http.server.port)) {
    std::cerr << "guanxi: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n";
    return 2;
  }
  config.db_path = opts.db;
  config.shop_id = opts.shop;
  config.fast_password_hashing = opts.fast_hashing;
  http.server.static_dir = opts.static_dir;

  std::string plan_source;
  if (!opts.plan.empty()) {
    try {
      plan_source = ReadAll(opts.plan);
    } catch (const std::exception& e) {
      std::cerr << "guanxi: " << e.what() << "\n";
      return 2;
    }
  } else if (!store::IsPostgres(opts.db) && !std::filesystem::exists(opts.db)) {
    std::cerr << "guanxi: a new shop needs --plan FILE\n";
    return 2;
  }

  const uint64_t file_limit = RaiseFileLimit();
  http.server.release_memory = ReleaseFreeMemory;
  const std::string where = store::DisplayName(opts.db, opts.shop);
  service::SystemClock system_clock;
  // The system clock, shifted only while the demo seeds its history days in the past (SeedDemo).
  service::ShiftedClock clock(system_clock);
  service::Metrics metrics;
  std::unique_ptr<service::Shop> shop;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    shop = std::make_unique<service::Shop>(config, clock, plan_source, opts.plan.empty() ? where : opts.plan);
  } catch (const std::exception& e) {
    std::cerr << "guanxi: cannot open the shop: " << e.what() << "\n";
    return 1;
  }
  const double rebuild_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  shop->SetMetrics(&metrics);
  shop->Start();
  std::cerr << "guanxi: " << where << ": rebuilt the engine from " << shop->rebuilt_commands()
            << " journal commands in " << rebuild_s << " s\n";
  std::cerr << "guanxi: allocator: " << Allocator() << "\n";
  if (shop->plan_file_ignored()) {
    std::cerr << "guanxi: note: the shop runs its stored plan versions, not " << opts.plan
              << " (--plan only seeds a new database; upload new versions with POST /api/v1/admin/plan)\n";
  }

  // The first owner account, with a password printed once.
  const std::string owner_password = service::RandomToken(12);
  bool created = false;
  const bool has_owner = shop->ReadSync([](service::ReadCtx& c) {
                               store::Stmt& s = c.db.Cached("SELECT count(*) FROM accounts WHERE role = 'owner'");
                               s.Step();
                               const bool any = s.Int(0) > 0;
                               s.Reset();
                               return service::Reply(boost::json::value(any));
                             }).value().as_bool();
  const std::string owner_hash =
      has_owner ? std::string() : service::HashPassword(owner_password, service::PasswordCost::Interactive());
  service::Reply owner =
      shop->WriteSync([&](service::Tx& tx) { return service::EnsureOwner(tx, "owner", owner_hash, &created); });
  if (!owner) {
    std::cerr << "guanxi: " << owner.error().message << "\n";
    return 1;
  }
  if (created) {
    std::cout << "owner account created: login \"owner\", password \"" << owner_password
              << "\" (shown once; change it after logging in)\n";
    // At once: the account is committed, so a crash before the next flush would lose the only copy.
    std::cout.flush();
  }

  boost::json::object demo_tour;
  if (opts.demo) {
    service::Caller owner_caller{1, "owner", -1};
    service::Reply seeded = service::SeedDemo(*shop, owner_caller, clock);
    if (!seeded) {
      std::cerr << "guanxi: demo seeding failed: " << seeded.error().message << "\n";
      return 1;
    }
    for (const auto& m : seeded.value().at("members").as_array()) {
      std::cout << "demo member: phone " << m.at("phone").as_string().c_str() << ", password "
                << m.at("password").as_string().c_str() << "\n";
    }
    if (const auto* tour = seeded.value().as_object().if_contains("tour")) demo_tour = tour->as_object();
  }

  http::Router router;
  http::ApiOptions api;
  api.notify_host = http.server.host == "0.0.0.0" ? "127.0.0.1" : http.server.host;
  http::AddShopRoutes(router, *shop, &metrics, api);
  http::Server server(http.server, router, &metrics);
  try {
    server.Start();
  } catch (const std::exception& e) {
    std::cerr << "guanxi: " << e.what() << "\n";
    return 1;
  }
  api.notify_port = server.port();
  api.public_url = http.public_url.empty()
                       ? "http://" + api.notify_host + ":" + std::to_string(server.port())
                       : http.public_url;
  std::cerr << "guanxi: up to " << server.max_connections() << " connections (file limit " << file_limit << ")\n";
  std::cout << "guanxi is serving " << where << " at " << api.public_url << "\n"
            << "  API:     " << api.public_url << "/api/v1/products\n"
            << "  health:  " << api.public_url << "/healthz\n"
            << "  metrics: " << api.public_url << "/metrics\n";
  if (!opts.static_dir.empty()) {
    std::cout << "  console: " << api.public_url << "/admin/\n  store:   " << api.public_url << "/\n";
  }
  if (!demo_tour.empty()) PrintDemoTour(demo_tour, api.public_url, config.utc_offset_minutes);
  std::cout.flush();

  // The scheduler: settles, expires and closes days once a second on the system clock.
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread scheduler([&] {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::seconds(1), [&] { return stop; })) {
      lock.unlock();
      (void)shop->RunScheduler();
      lock.lock();
    }
  });

  http::WaitForStopSignal();
  std::cerr << "guanxi: stopping: finishing requests in flight\n";
  server.Stop(std::chrono::seconds(10));
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  scheduler.join();
  shop->Stop();
  std::cerr << "guanxi: stopped\n";
  return 0;
}

int Backup(const std::string& db, const std::string& out) {
  if (std::filesystem::exists(out)) {
    std::cerr << "guanxi: " << out << " exists; backup writes a new file\n";
    return 2;
  }
  try {
    if (store::IsPostgres(db)) {
      std::cerr << "guanxi: backup copies a SQLite database; back up PostgreSQL with pg_basebackup or pg_dump "
                   "(docs/operations.md)\n";
      return 2;
    }
    store::SqliteDb src(db, /*create=*/false);
    store::Stmt s = src.Prepare("VACUUM INTO ?");
    s.Bind(1, out);
    s.Run();
  } catch (const std::exception& e) {
    std::cerr << "guanxi: backup failed: " << e.what() << "\n";
    return 1;
  }
  std::cout << "backup of " << db << " written to " << out << "\n";
  return 0;
}

}  // namespace guanxi::cli
