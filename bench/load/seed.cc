// load_seed: makes the shop database of the HTTP load benchmarks (bench/load/run.sh) — 1,000,000
// members by default, one of whom has exactly 100,000 people below, 100 products, the owner — and
// writes login tokens of a set of buyers and of that member for the load drivers.
//
// It runs the service in-process, not over HTTP: registering a million members through the API would
// spend hours on argon2id hashing alone. Every member is still made by the real service::Register (the
// account, the engine's join command in the journal with its effects, the member row with a fresh
// invite code, the login token), inside jobs of the real single writer, so the database is exactly
// what the service would have written. Two liberties, both about speed, neither visible in the data's
// shape:
//   - one argon2id hash (libsodium's interactive cost, of the password printed at the end) is computed
//     once and reused for every account, instead of one hash per account;
//   - a job registers a thousand members, and the writer commits a few such jobs per transaction.
// The referral tree is a typical social-commerce network like bench/engine.cc's (same habits, shares
// and seed; recency and the uniform tail pick among newcomers only, so the same code grows a subtree)
// for all members but the last `--team`, who are a subtree of the same shape below one member.
// --paid-percent of the members (and that member) then pay for the 699 package, in join order.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "service/api.h"
#include "service/crypto.h"
#include "service/shop.h"
#include "../splitmix.h"

namespace {

namespace json = boost::json;
using guanxi::service::Caller;
using guanxi::service::Reply;
using guanxi::service::Shop;
using guanxi::service::Tx;

constexpr uint32_t kNone = 0xffffffffu;
using guanxi::bench::kSeed;
using guanxi::bench::SplitMix;

// The typical network of bench/engine.cc (see there): founders, preferential attachment, recency and a
// uniform tail. Here it grows below `roots` (members already in `ref`) by `count` newcomers appended to
// `ref`; each newcomer's referrer is one of the roots or a newcomer before it. Called with the 8
// founders for the shop, and with one member as the single root for the big team.
void GrowTypical(std::vector<uint32_t>& ref, const std::vector<uint32_t>& roots, uint32_t count, SplitMix& rng) {
  constexpr uint32_t kFounderPercent = 2, kAttachPercent = 53, kRecentPercent = 30, kRecentWindow = 1000;
  std::vector<uint32_t> weighted(roots);  // every member once, plus once per direct referral
  weighted.reserve(roots.size() + 2 * static_cast<size_t>(count));
  std::vector<uint32_t> grown;  // the newcomers, in join order (for recency and the uniform tail)
  grown.reserve(count);
  for (uint32_t k = 0; k < count; ++k) {
    const auto i = static_cast<uint32_t>(ref.size());
    const uint32_t roll = rng.Below(100);
    const auto have = static_cast<uint32_t>(grown.size());
    uint32_t r;
    if (roll < kFounderPercent || have == 0) {
      r = roots[rng.Below(roots.size())];
    } else if (roll < kFounderPercent + kAttachPercent) {
      r = weighted[rng.Below(weighted.size())];
    } else if (roll < kFounderPercent + kAttachPercent + kRecentPercent) {
      r = grown[have - 1 - rng.Below(std::min(have, kRecentWindow))];
    } else {
      r = grown[rng.Below(have)];
    }
    ref.push_back(r);
    grown.push_back(i);
    weighted.push_back(r);
    weighted.push_back(i);
  }
}

struct Options {
  std::string db, plan, out = ".";
  uint32_t members = 1'000'000;
  uint32_t team = 100'000;
  uint32_t products = 100;
  uint32_t buyers = 2'000;
  uint32_t per_job = 1'000;
  uint32_t paid_percent = 0;
  std::string password = "load-bench-password";
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "load_seed: %s (--help lists the options)\n", why);
  std::exit(2);
}

// Exits with CLI11's message and code on --help or a bad or missing option.
Options Parse(int argc, char** argv) {
  Options o;
  CLI::App app{"load_seed: a shop database for bench/load (members, a big team, products, paid orders)"};
  app.add_option("--db", o.db)->required();
  app.add_option("--plan", o.plan)->required();
  app.add_option("--out", o.out, "directory for seed.txt and the tokens");
  const auto count = CLI::Range(0u, 100'000'000u);
  app.add_option("--members", o.members)->check(count);
  app.add_option("--team", o.team)->check(count);
  app.add_option("--products", o.products)->check(count);
  app.add_option("--buyers", o.buyers)->check(count);
  app.add_option("--per-job", o.per_job)->check(CLI::Range(1u, 100'000'000u));
  app.add_option("--paid-percent", o.paid_percent)->check(CLI::Range(0u, 100u));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  if (o.team + 9 > o.members) Usage("--members must exceed --team by at least 9");
  if (o.buyers == 0 || o.buyers > o.members) Usage("--buyers must be 1..members");
  return o;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Usage(("cannot read " + path).c_str());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The value of a reply; an error ends the seeding.
json::value Must(const Reply& r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "load_seed: %s failed: %s: %s\n", what, r.error().code.c_str(), r.error().message.c_str());
    std::exit(1);
  }
  return r.value();
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = Parse(argc, argv);
  if (std::filesystem::exists(opt.db)) Usage((opt.db + " exists; the seed makes a new database").c_str());
  std::filesystem::create_directories(opt.out);
  const auto t_start = std::chrono::steady_clock::now();

  // ---- the network: referrer of each member in join order (member i gets engine id i) ----
  std::vector<uint32_t> ref;
  ref.reserve(opt.members);
  SplitMix rng(kSeed);
  const uint32_t founders = 8;
  for (uint32_t i = 0; i < founders; ++i) ref.push_back(kNone);
  GrowTypical(ref, {0, 1, 2, 3, 4, 5, 6, 7}, opt.members - opt.team - founders, rng);
  // The team head is the newest member of the typical part, so nobody else is below it.
  const uint32_t head = opt.members - opt.team - 1;
  GrowTypical(ref, {head}, opt.team, rng);

  guanxi::service::ShopConfig config;
  config.db_path = opt.db;
  config.max_batch = 4;  // jobs per transaction: ~4,000 registrations per commit
  guanxi::service::SystemClock clock;
  Shop shop(config, clock, ReadFile(opt.plan), opt.plan);
  shop.Start();
  // A bigger page cache for this connection only (not stored in the file): a million random invite
  // codes and token hashes make the unique indexes' pages hot all over.
  Must(shop.WriteSync([](Tx& tx) {
         if (tx.db.backend() == guanxi::store::Backend::kSqlite) tx.db.Exec("PRAGMA cache_size=-262144");
         return Reply(json::value(nullptr));
       }),
       "cache_size");

  std::fprintf(stderr, "load_seed: hashing the shared password (argon2id, interactive cost) once\n");
  const std::string hash =
      guanxi::service::HashPassword(opt.password, guanxi::service::PasswordCost::Interactive());

  // ---- the owner and the catalogue ----
  bool created = false;
  Must(shop.WriteSync([&](Tx& tx) { return guanxi::service::EnsureOwner(tx, "owner", hash, &created); }), "owner");
  const int64_t owner_account =
      Must(shop.ReadSync([](guanxi::service::ReadCtx& c) {
             guanxi::store::Stmt& s = c.db.Cached("SELECT id FROM accounts WHERE role = 'owner' ORDER BY id LIMIT 1");
             s.Step();
             const int64_t id = s.Int(0);
             s.Reset();
             return Reply(json::value(id));
           }),
           "owner id")
          .as_int64();
  const Caller owner{owner_account, "owner", -1};
  {
    // The plan's packages first (the order flow buys pkg699; stock enough for any run), then ordinary
    // goods with a member price, up to --products.
    struct Package {
      const char* sku;
      const char* name;
      int64_t price;
    };
    static constexpr Package kPackages[] = {{"pkg699", "699 会员礼包", 69900},
                                            {"pkg499", "499 体验礼包", 49900},
                                            {"id999", "区域经销商身份包", 99900},
                                            {"id1980", "市级经销商身份包", 198000},
                                            {"id5000", "省级经销商身份包", 500000}};
    std::vector<guanxi::service::ProductReq> products;
    for (const Package& p : kPackages) {
      if (products.size() >= opt.products) break;
      guanxi::service::ProductReq r;
      r.sku = p.sku;
      r.name = p.name;
      r.price = p.price;
      r.stock = 1'000'000'000;
      r.description = "load benchmark package";
      products.push_back(std::move(r));
    }
    for (uint32_t i = 1; products.size() < opt.products; ++i) {
      guanxi::service::ProductReq r;
      char sku[32];
      std::snprintf(sku, sizeof sku, "goods-%03u", i);
      r.sku = sku;
      r.name = "商品 " + std::to_string(i) + " (load benchmark)";
      r.price = 1000 + 100 * static_cast<int64_t>(i % 50);
      r.member_prices["member"] = r.price * 9 / 10;
      r.stock = 1'000'000;
      r.images.emplace_back("https://img.example.com/goods/" + std::to_string(i) + ".jpg");
      r.description = "an ordinary product with a member price (会员价), for the product list";
      products.push_back(std::move(r));
    }
    Must(shop.WriteSync([&](Tx& tx) {
           for (const auto& p : products) {
             Reply r = guanxi::service::CreateProduct(tx, owner, p);
             if (!r) return r;
           }
           return Reply(json::value(nullptr));
         }),
         "products");
    std::fprintf(stderr, "load_seed: %zu products\n", products.size());
  }

  // ---- the members, through service::Register, per_job at a time, a few jobs in flight ----
  // Buyers: every (members / buyers)-th member, so they are spread over the whole tree (the team
  // included); their tokens are the ones Register issued.
  const uint32_t stride = opt.members / opt.buyers;
  std::vector<std::string> buyer_tokens;
  std::vector<int64_t> account(opt.members, -1);  // each member's account
  std::string head_token;
  std::mutex mu;
  std::condition_variable cv;
  uint32_t in_flight = 0;
  uint32_t registered = 0;
  bool failed = false;
  const auto t_members = std::chrono::steady_clock::now();
  uint32_t next_report = 50'000;
  static constexpr const char* kChannels[] = {"wechat", "douyin", "taobao", "store", "xiaohongshu"};
  for (uint32_t first = 0; first < opt.members; first += opt.per_job) {
    const uint32_t last = std::min(opt.members, first + opt.per_job);
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < 8; });
      if (failed) break;
      ++in_flight;
    }
    auto job = [&ref, first, last, &hash](Tx& tx) -> Reply {
      json::array tokens, accounts;
      guanxi::store::Stmt& code = tx.db.Cached("SELECT invite_code FROM members WHERE id = ?");
      for (uint32_t i = first; i < last; ++i) {
        guanxi::service::RegisterReq r;
        r.phone = std::to_string(13'000'000'000LL + i);
        r.password_hash = hash;
        r.channel = kChannels[i % 5];
        if (ref[i] != kNone) {
          code.Bind(1, int64_t{ref[i]});
          if (code.Step()) r.invite_code = code.Text(0);
          code.Reset();
        }
        Reply reg = guanxi::service::Register(tx, r);
        if (!reg) return reg;
        const json::object& o = reg.value().as_object();
        if (o.at("member").at("id").as_int64() != int64_t{i}) {
          return guanxi::core::MakeError("seed", "member " + std::to_string(i) + " got another engine id");
        }
        tokens.push_back(o.at("token"));
        accounts.push_back(o.at("account"));
      }
      return json::value{{"tokens", std::move(tokens)}, {"accounts", std::move(accounts)}};
    };
    auto done = [&, first](Reply r) {
      std::lock_guard lock(mu);
      --in_flight;
      if (!r) {
        std::fprintf(stderr, "load_seed: registering from member %u failed: %s: %s\n", first,
                     r.error().code.c_str(), r.error().message.c_str());
        failed = true;
      } else {
        const json::array& tokens = r.value().at("tokens").as_array();
        const json::array& ids = r.value().at("accounts").as_array();
        for (size_t k = 0; k < tokens.size(); ++k) {
          const uint32_t m = first + static_cast<uint32_t>(k);
          account[m] = ids[k].as_int64();
          if (m % stride == 0 && buyer_tokens.size() < opt.buyers) {
            buyer_tokens.emplace_back(tokens[k].as_string());
          }
          if (m == head) head_token = std::string(tokens[k].as_string());
        }
        registered += static_cast<uint32_t>(tokens.size());
        if (registered >= next_report || registered == opt.members) {
          const double s = Since(t_members);
          std::fprintf(stderr, "load_seed: %u members in %.1f s (%.0f/s)\n", registered, s, registered / s);
          next_report += 50'000;
        }
      }
      cv.notify_all();
    };
    shop.Write(job, done);
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  if (failed) return 1;

  // ---- first purchases: --paid-percent of the members (and the team head) buy the 699 package, in
  // join order ----
  // Each through the real CreateOrder, CreatePayment and ApplyPaymentNotification (the sandbox's
  // notification, applied as if verified), so the engine places them (chain 2+1), pays commissions
  // and the journal holds the orders as a live shop's would.
  if (opt.paid_percent > 0) {
    SplitMix pick(kSeed + 1);
    std::vector<uint32_t> buyers;
    for (uint32_t m = 0; m < opt.members; ++m) {
      // The team head always buys (before its team, who joined after it), so its team is not empty.
      if (pick.Below(100) < opt.paid_percent || m == head) buyers.push_back(m);
    }
    const auto t_paid = std::chrono::steady_clock::now();
    uint32_t paid = 0;
    next_report = 50'000;
    const size_t per_job = std::max<size_t>(1, opt.per_job / 2);
    for (size_t first = 0; first < buyers.size(); first += per_job) {
      const size_t last = std::min(buyers.size(), first + per_job);
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return in_flight < 8; });
        if (failed) break;
        ++in_flight;
      }
      auto job = [&buyers, &account, first, last](Tx& tx) -> Reply {
        for (size_t k = first; k < last; ++k) {
          const Caller buyer{account[buyers[k]], "member", int64_t{buyers[k]}};
          guanxi::service::CreateOrderReq req;
          req.items.push_back({"pkg699", 1});
          Reply order = guanxi::service::CreateOrder(tx, buyer, req);
          if (!order) return order;
          const int64_t id = order.value().at("id").as_int64();
          Reply intent = guanxi::service::CreatePayment(tx, buyer, id, "sandbox");
          if (!intent) return intent;
          const std::string pi(intent.value().at("intent").as_string());
          Reply done = guanxi::service::ApplyPaymentNotification(tx, "sandbox", pi, "seed-" + std::to_string(id),
                                                                 intent.value().at("amount").as_int64());
          if (!done) return done;
        }
        return json::value(static_cast<int64_t>(last - first));
      };
      auto done = [&, first](Reply r) {
        std::lock_guard lock(mu);
        --in_flight;
        if (!r) {
          std::fprintf(stderr, "load_seed: paying from buyer %zu failed: %s: %s\n", first, r.error().code.c_str(),
                       r.error().message.c_str());
          failed = true;
        } else {
          paid += static_cast<uint32_t>(r.value().as_int64());
          if (paid >= next_report || paid == buyers.size()) {
            const double s = Since(t_paid);
            std::fprintf(stderr, "load_seed: %u paid first orders in %.1f s (%.0f/s)\n", paid, s, paid / s);
            next_report += 50'000;
          }
        }
        cv.notify_all();
      };
      shop.Write(job, done);
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
    if (failed) return 1;
  }

  // ---- check and write what the drivers need ----
  const json::value team = Must(shop.ReadSync([&](guanxi::service::ReadCtx& c) {
                                  const Caller staff{owner_account, "owner", -1};
                                  return guanxi::service::TeamSummary(c, shop, staff, head);
                                }),
                                "team summary");
  uint32_t below = 0;
  {
    // The referral subtree of the head, from the generated referrers (the engine's team_size counts
    // the plan's placement team, which is empty before anyone buys).
    std::vector<uint8_t> in(opt.members, 0);
    in[head] = 1;
    for (uint32_t i = head + 1; i < opt.members; ++i) {
      if (ref[i] != kNone && in[ref[i]]) {
        in[i] = 1;
        ++below;
      }
    }
  }
  shop.Stop();

  const std::filesystem::path out(opt.out);
  {
    std::ofstream f(out / "buyers.tokens");
    for (const auto& t : buyer_tokens) f << t << "\n";
  }
  {
    std::ofstream f(out / "team.token");
    f << head_token << "\n";
  }
  {
    std::ofstream f(out / "seed.txt");
    f << "members " << opt.members << "\nteam_head " << head << "\nteam_below " << below << "\ndirects_of_head "
      << team.at("directs").to_number<int64_t>() << "\nbuyers " << buyer_tokens.size() << "\nproducts " << opt.products
      << "\nteam_size_placed " << team.at("team_size").to_number<int64_t>() << "\npaid_percent "
      << opt.paid_percent << "\npassword " << opt.password << "\n";
  }
  std::fprintf(stderr,
               "load_seed: done in %.1f s: %u members, member %u has %u people below (%lld directs); "
               "%zu buyer tokens in %s; every account's password is \"%s\" (one shared hash)\n",
               Since(t_start), opt.members, head, below, static_cast<long long>(team.at("directs").to_number<int64_t>()),
               buyer_tokens.size(), (out / "buyers.tokens").c_str(), opt.password.c_str());
  return 0;
}
