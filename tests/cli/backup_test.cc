// `guanxi backup` copies a database while a shop is writing to it: the copy opens as a shop of its
// own, rebuilds from its journal with a ledger that sums to zero, and holds every member the journal
// says it holds (a consistent snapshot, never half a batch).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "service/api.h"
#include "service/crypto.h"
#include "service/shop.h"

namespace guanxi::service {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(BackupTest, CopiesALiveShopConsistently) {
  const auto dir = std::filesystem::temp_directory_path() / ("guanxi-backup-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string plan = ReadFile(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml");
  ManualClock clock(1'790'000'000'000);
  ShopConfig config;
  config.db_path = (dir / "live.db").string();
  config.payment_secret = "backup-test-secret";
  const std::string hash = HashPassword("password-1", PasswordCost::Fast());

  Shop live(config, clock, plan, "plan");
  live.Start();
  // A writer registers members, each under the previous one, while the backups are taken.
  std::atomic<bool> stop{false};
  std::atomic<int> registered{0};
  std::thread writer([&] {
    std::string code;
    for (int i = 0; !stop && i < 5000; ++i) {
      RegisterReq r{"139" + std::to_string(10000000 + i), hash, code, "test"};
      Reply reply = live.WriteSync([&](Tx& tx) { return Register(tx, r); });
      ASSERT_TRUE(reply.ok());
      Reply me = live.ReadSync([&](ReadCtx& c) {
        return Me(c, Caller{reply.value().at("account").as_int64(), "member",
                            reply.value().at("member").at("id").as_int64()});
      });
      code = std::string(me.value().at("member").at("invite_code").as_string());
      ++registered;
    }
  });
  while (registered < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<std::string> copies;
  for (int i = 0; i < 3; ++i) {
    const std::string out = (dir / ("copy" + std::to_string(i) + ".db")).string();
    const std::string cmd = std::string(GUANXI_BINARY) + " backup --db " + config.db_path + " " + out + " > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    copies.push_back(out);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Backing up onto an existing file is refused.
  const std::string again = std::string(GUANXI_BINARY) + " backup --db " + config.db_path + " " + copies[0] +
                            " > /dev/null 2>&1";
  EXPECT_NE(std::system(again.c_str()), 0);
  stop = true;
  writer.join();
  live.Stop();

  uint32_t previous = 0;
  for (const std::string& path : copies) {
    ShopConfig c = config;
    c.db_path = path;
    Shop copy(c, clock, plan, "plan");
    copy.Start();
    Reply state = copy.ReadSync([](ReadCtx& ctx) {
      store::Stmt& s = ctx.db.Cached("SELECT count(*) FROM members");
      s.Step();
      const int64_t rows = s.Int(0);
      s.Reset();
      return Reply(boost::json::value{{"engine", ctx.engine.member_count()},
                                      {"rows", rows},
                                      {"sum", ctx.engine.ledger().Sum()}});
    });
    copy.Stop();
    const auto& v = state.value();
    SCOPED_TRACE(path);
    EXPECT_EQ(v.at("engine").as_uint64(), static_cast<uint64_t>(v.at("rows").as_int64()));
    EXPECT_GE(v.at("engine").as_uint64(), 50u);
    EXPECT_EQ(v.at("sum").as_int64(), 0);
    EXPECT_GE(v.at("engine").as_uint64(), previous);  // later copies hold at least as much
    previous = static_cast<uint32_t>(v.at("engine").as_uint64());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace guanxi::service
