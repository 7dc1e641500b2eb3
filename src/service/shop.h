// The running shop: one engine (the single writer of network and ledger), the SQLite store it is
// journaled to, and the shop's own records (accounts, catalogue, orders, payments, withdrawals).
//
// Threading. Writes are jobs queued to one writer thread. It takes every queued job, runs them in order
// inside one transaction (a savepoint each: a job that refuses rolls back and changes nothing), commits
// with fsync, and only then calls the jobs' completions (group commit). Reads run on the caller's thread
// under a shared lock of the engine and a reader connection; a read may see a batch that is applied but
// not yet durable, so its reply must wait for WhenDurable(seq) before it is sent: nobody is ever shown
// state that could be lost. A store error while writing is fatal (fail-stop): the process stops and
// rebuilds from the store at the next start. Losing the connection to a PostgreSQL server is not:
// the shop stops answering (503 store_unavailable) — the batch in flight and the reads that may have
// seen it are answered "unknown, retry" — reconnects, rebuilds the engine from the store, and serves
// again when the server is back.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/engine.h"
#include "i18n/catalogue.h"
#include "core/result.h"
#include "service/clock.h"
#include "service/config.h"
#include "service/crypto.h"
#include "service/hash_pool.h"
#include "service/journal.h"
#include "service/login_limiter.h"
#include "store/db.h"

struct sqlite3;
namespace guanxi::store {
class SqliteDb;
}

namespace guanxi::service {

class Metrics;

using Reply = core::Result<boost::json::value>;

// Who is calling, resolved from a bearer token. Anonymous callers have account -1.
struct Caller {
  int64_t account = -1;
  std::string role;    // "member", "owner", "finance", "operator", "sales"; empty when anonymous
  int64_t member = -1; // the caller's member id, when a member
  i18n::Lang lang = i18n::Lang::kZh;  // the reader's language (Accept-Language), for words rendered here
  bool staff() const { return !role.empty() && role != "member"; }
};

class Shop;

// Ids (of effects, of orders) by member, each member's in ascending order: the writer appends them as
// it makes them, and a list pages through them newest first. An index kept in memory instead of in
// the store, where its pages by member would cost a random page write per entry.
class IdsByMember {
 public:
  void Clear(size_t members) { ids_.assign(members, {}); }
  void Add(size_t member, int64_t id) {
    if (member >= ids_.size()) ids_.resize(member + 1);
    ids_[member].push_back(id);
  }
  // Takes back the last Add for `member` (its job was rolled back).
  void RemoveLast(size_t member) { ids_[member].pop_back(); }
  const std::vector<int64_t>& Of(size_t member) const {
    static const std::vector<int64_t> kEmpty;
    return member < ids_.size() ? ids_[member] : kEmpty;
  }

 private:
  std::vector<std::vector<int64_t>> ids_;
};

// What a write job sees: the writer connection inside the batch transaction, the engine, the time.
class Tx {
 public:
  Tx(Shop& s, store::Db& d, core::Engine& e, int64_t t) : shop(s), db(d), engine(e), now(t) {}

  // Applies an engine command, journals it with its effects. A refusal changes nothing and is returned;
  // but once this job has changed the engine, a refusal means the job was not validated first, and the
  // batch is aborted (fatal).
  core::Result<uint32_t> Engine(const Command& c);
  void Audit(const Caller& actor, std::string_view action, std::string_view target, const boost::json::object& detail);

  Shop& shop;
  store::Db& db;
  core::Engine& engine;
  const int64_t now;
  int engine_changes = 0;
  bool poisoned = false;
  core::Effects effects;  // scratch for Engine()
  std::vector<int64_t> buyers_of_new_orders;  // NoteOrder's, taken back if the job is rolled back
};

// What a read sees: a reader connection and the engine under a shared lock.
struct ReadCtx {
  store::Db& db;
  const core::Engine& engine;
  int64_t now;
};

class Shop {
 public:
  // Opens (creating and migrating) the database, stores `plan_source` as plan version 1 on first start
  // (later starts use the stored versions and ignore `plan_source`: new versions are uploaded through
  // the admin API), and rebuilds the engine from the journal. Throws on errors (bad plan, store).
  Shop(ShopConfig config, const Clock& clock, const std::string& plan_source, const std::string& plan_name);
  ~Shop();
  Shop(const Shop&) = delete;
  Shop& operator=(const Shop&) = delete;

  // Starts the writer thread and the worker pool; Stop() drains the queue (every queued job runs and is
  // committed) and joins them. The scheduler is driven from outside (RunScheduler).
  void Start();
  void Stop();

  void SetMetrics(Metrics* m) { metrics_ = m; }
  // Called instead of aborting when a store error stops the shop (tests install one).
  void SetFatalHandler(std::function<void(const std::string&)> f) { fatal_ = std::move(f); }

  // ---- the machinery ----
  using Done = std::function<void(Reply)>;
  // Queues a write job. `done` is called on the writer thread after the batch is durable.
  void Write(std::function<Reply(Tx&)> job, Done done);
  // Runs a read now. *seq receives the batch the read may have seen; reply after WhenDurable(*seq).
  Reply Read(const std::function<Reply(ReadCtx&)>& fn, uint64_t* seq);
  // Calls cb(true) (now, or on another thread) once batch `seq` is durable; cb(false) when it never
  // will be (the store's connection was lost before its commit was known).
  void WhenDurable(uint64_t seq, std::function<void(bool durable)> cb);
  // False while the store is out of reach (PostgreSQL connection lost, reconnecting).
  bool available() const { return !store_down_.load(std::memory_order_acquire); }
  // Password hashing off the I/O and writer threads, by priority (HashPool); false when that lane's
  // queue is full (answer 503 with Retry-After).
  [[nodiscard]] bool Hash(HashPool::Lane lane, std::function<void()> fn) { return hash_pool_.Submit(lane, std::move(fn)); }
  const HashPool& hash_pool() const { return hash_pool_; }
  // A hash of no password at the cost new passwords get: what a login of an unknown phone checks,
  // so that it costs the time a known phone's does.
  const std::string& dummy_password_hash();
  PasswordCost password_cost() const;

  // Synchronous forms for tests, the CLI and the demo seeding: wait for the result.
  Reply WriteSync(std::function<Reply(Tx&)> job);
  Reply ReadSync(const std::function<Reply(ReadCtx&)>& fn);

  const ShopConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  int64_t rebuilt_commands() const { return rebuilt_commands_; }
  // True when the database already had plan versions and the active one differs from `plan_source`.
  bool plan_file_ignored() const { return plan_file_ignored_; }

  // ---- the scheduler (one pass; call it periodically) ----
  // Expires unpaid orders, auto-confirms shipped orders, settles orders past their return window and
  // closes every shop day that has ended. Returns counts {"expired","confirmed","settled","days_closed"}.
  Reply RunScheduler();

  // ---- authentication ----
  // Resolves a bearer token (expired or unknown → anonymous). A token's caller is remembered and used
  // again, without a read of the store, while no batch has written `tokens` or `accounts` since it was
  // read (a login, a logout, a new or changed account: auth_version_ moves after that batch's COMMIT),
  // for at most kCallerCacheMs, and only until the token expires.
  Caller Authenticate(const std::string& token);
  static constexpr int64_t kCallerCacheMs = 60'000;
  // Login rate limiting, by phone and by client address.
  LoginLimiter& login_limiter() { return login_limiter_; }

  // ---- the catalogue cache ----
  // The public product list is the same for every caller until a write changes the products (stock
  // included) or the plan (which names their activities). catalogue_version() counts the batches that
  // did, and moves only after their COMMIT; so a reply computed by a read that began after reading
  // version v is valid for v, and stops being served as soon as a later change is committed. Bodies are
  // stored once their read is durable (the caller's job).
  uint64_t catalogue_version() const { return catalogue_version_.load(std::memory_order_acquire); }
  std::optional<std::string> CachedCatalogue(const std::string& key, uint64_t version) const;
  void CacheCatalogue(const std::string& key, uint64_t version, std::string body);

  // Team by rank of each leader, kept from effects (O(1) team summaries).
  std::vector<uint32_t> TeamByRank(core::MemberId leader) const;  // REQUIRES: engine read lock held

  // The ids of a member's earnings (effects that IsEarning), oldest first: the earnings page's index,
  // kept in memory from the effects the writer appends and read from `effects` at start. An index in
  // the store would cost a random page write per recipient of every order. Ids of a batch not yet
  // committed may be listed; a read does not find their rows yet.
  const std::vector<int64_t>& EarningIds(core::MemberId m) const {  // REQUIRES: engine read lock held
    return earnings_.Of(m);
  }
  // The ids of a member's orders, oldest first: the buyer's order list, kept like EarningIds (the
  // writer notes each order it creates; rolled back with its job) and read from `orders` at start.
  const std::vector<int64_t>& BuyerOrderIds(int64_t member) const {  // REQUIRES: engine read lock held
    return buyer_orders_.Of(static_cast<size_t>(member));
  }
  void NoteOrder(Tx& tx, int64_t member, int64_t order);  // writer

  // Idempotency keys of the orders created in the last kOrderKeyTtlMs: the order that (member, key)
  // made, found by a 64-bit hash of the pair, so the caller reads that order to confirm it (a job that
  // was rolled back leaves a stale entry; a hash collision, an entry of another pair). Kept by the
  // writer (NewOrder) and read from `orders` at start, so that a key costs no index in the store,
  // whose pages by member would be a random write per order. Writer thread only.
  static constexpr int64_t kOrderKeyTtlMs = 24 * 3600 * 1000;
  std::optional<int64_t> FindOrderKey(int64_t member, std::string_view key, int64_t now) const;
  void NoteOrderKey(int64_t member, std::string_view key, int64_t order, int64_t now);

  // Whether a member's first payment is known to be recorded (members.first_paid_at set): learned as
  // the writer applies payments, forgotten when the engine is rebuilt, so a repeat buyer's payment
  // does not look the member up again. Writer thread only; noted at the end of a job that succeeds.
  bool FirstPaidKnown(int64_t member) const {
    return static_cast<size_t>(member) < first_paid_.size() && first_paid_[static_cast<size_t>(member)];
  }
  void NoteFirstPaid(int64_t member);

 private:
  friend class Tx;
  struct Job {
    std::function<Reply(Tx&)> fn;
    Done done;
  };
  // A batch written to the WAL by COMMIT but not yet fsync'd, with the replies that wait for it.
  struct Committed {
    uint64_t seq;
    std::vector<Job> jobs;
    std::vector<Reply> replies;
  };
  void WriterLoop();
  void RunBatch(std::vector<Job>& batch);
  // The engine from the store: plan version 1, then the journal (start-up and after a reconnect).
  void LoadEngine(store::Db& db);
  // After the connection was lost: answers what can no longer be known, reconnects (until Stop), and
  // rebuilds the engine from the store.
  void Recover(std::vector<Job>& failed, const std::string& why);
  void AnswerUnavailable(std::vector<Job>& jobs);
  // Makes committed batches durable (one fdatasync of the WAL for all that are waiting), then answers
  // them and the reads that saw them.
  void SyncerLoop();
  // Copies the WAL into the database file (a passive checkpoint, on its own connection) when the
  // writer's commits have made it long, so that neither the writer nor the syncer waits for it.
  void CheckpointLoop();
  // Under writes without pause the WAL never starts over: each batch appends frames before the
  // checkpointer has copied the previous ones, so it grows without bound and every page read searches
  // a longer WAL index. Once it is this long, the writer itself finishes the copy between two batches
  // (mostly done by CheckpointLoop already), so its next transaction starts the WAL from the beginning.
  // The lengths are ShopConfig's wal_checkpoint_frames and wal_restart_frames.
  void RestartWal();
  static int OnWalCommit(void* shop, sqlite3* db, const char* name, int frames);
  [[noreturn]] void Fatal(const std::string& what);
  std::unique_ptr<store::Db> TakeReader();
  void PutReader(std::unique_ptr<store::Db> db);
  void OnTableChanged(std::string_view table);
  // Keeps the teams and the earnings index up to date with a command's effects, whose ids start at
  // first_id.
  void NoteEffects(const core::Effects& effects, int64_t first_id);
  void RebuildTeams();
  void RebuildEarnings(store::Db& db);
  void LoadOrders(store::Db& db);  // buyer_orders_ and the idempotency keys

  ShopConfig config_;
  const Clock& clock_;
  Metrics* metrics_ = nullptr;
  std::function<void(const std::string&)> fatal_;

  std::unique_ptr<store::Db> writer_db_;
  std::unique_ptr<core::Engine> engine_;
  mutable std::shared_mutex engine_mu_;
  int64_t rebuilt_commands_ = 0;
  int64_t next_effect_id_ = 1;  // the writer's (AppendCommand)
  IdsByMember earnings_;      // EarningIds
  IdsByMember buyer_orders_;  // BuyerOrderIds
  struct OrderKey {
    int64_t created_at;
    uint64_t hash;
    int64_t order;
  };
  std::unordered_map<uint64_t, OrderKey> order_keys_;  // by the hash of (member, key) (FindOrderKey)
  std::deque<OrderKey> order_key_times_;              // oldest first, to forget them after the TTL
  std::vector<bool> first_paid_;                       // FirstPaidKnown, by member
  bool plan_file_ignored_ = false;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread writer_;

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::deque<Committed> committed_;
  bool sync_stopping_ = false;
  std::thread syncer_;

  std::unique_ptr<store::SqliteDb> checkpoint_db_;  // SQLite only
  // SQLite only: the WAL, open from start-up, for the syncer's fdatasync.
  struct Descriptor {
    int fd = -1;
    ~Descriptor();
  } wal_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  std::mutex checkpoint_run_mu_;  // one checkpoint at a time: CheckpointLoop's or RestartWal's
  int wal_frames_ = 0;  // after the writer's last commit (the WAL hook; writer thread only)
  bool checkpoint_stopping_ = false;
  std::thread checkpointer_;

  std::mutex durable_mu_;
  uint64_t applied_seq_ = 0;  // batches applied to the engine (under engine_mu_)
  uint64_t durable_seq_ = 0;  // batches committed and fsync'd
  uint64_t committed_seq_ = 0;  // the last batch whose COMMIT returned (writer thread)
  std::vector<std::pair<uint64_t, uint64_t>> lost_;  // batches whose commit is unknown (connection lost)
  std::vector<std::pair<uint64_t, std::function<void(bool)>>> durable_waiters_;
  std::atomic<bool> store_down_{false};

  struct KnownCaller {
    Caller caller;
    int64_t read_at, expires_at;  // Unix ms: when the store was read; the token's expiry
    uint64_t version;             // auth_version_ before that read
  };
  std::mutex callers_mu_;
  std::unordered_map<std::string, KnownCaller> callers_;  // by token hash
  std::atomic<uint64_t> auth_version_{0};
  bool auth_changed_ = false;  // by the batch being applied (writer thread only)

  std::atomic<uint64_t> catalogue_version_{0};
  bool catalogue_changed_ = false;  // by the batch being applied (writer thread only)
  mutable std::mutex catalogue_mu_;
  std::unordered_map<std::string, std::pair<uint64_t, std::string>> catalogue_cache_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<store::Db>> readers_;

  HashPool hash_pool_;
  std::once_flag dummy_once_;
  std::string dummy_password_hash_;
  LoginLimiter login_limiter_;

  // leader → members of its team by rank (only leaders with a team have an entry).
  std::unordered_map<core::MemberId, std::vector<uint32_t>> team_by_rank_;
};

}  // namespace guanxi::service
