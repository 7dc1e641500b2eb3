#include "service/shop.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <stdexcept>

#include "plan/plan_file.h"
#include "service/api.h"
#include "service/crypto.h"
#include "service/huge_pages.h"
#include "service/metrics.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace guanxi::service {

using core::Effect;
using core::EffectKind;
using core::MemberId;

// ---------------------------------------------------------------------------------------------------
// Tx

core::Result<uint32_t> Tx::Engine(const Command& c) {
  effects.clear();
  auto r = ApplyCommand(engine, c, &effects);
  if (!r) {
    if (engine_changes > 0) poisoned = true;
    return r;
  }
  ++engine_changes;
  const int64_t first_effect = shop.next_effect_id_;
  AppendCommand(db, c, effects, now, &shop.next_effect_id_);
  shop.NoteEffects(effects, first_effect);
  return r;
}

void Tx::Audit(const Caller& actor, std::string_view action, std::string_view target,
               const boost::json::object& detail) {
  store::Stmt& s = db.Cached("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?,?,?,?,?)");
  s.Bind(1, now);
  if (actor.account >= 0) s.Bind(2, actor.account);
  s.Bind(3, action).Bind(4, target).Bind(5, boost::json::serialize(detail));
  s.Run();
}

// ---------------------------------------------------------------------------------------------------
// Start-up

Shop::Shop(ShopConfig config, const Clock& clock, const std::string& plan_source, const std::string& plan_name)
    : config_(std::move(config)),
      clock_(clock),
      hash_pool_(HashPool::Limits{.threads = std::max(1, config_.workers)}),
      login_limiter_(LoginLimits{.account_free_failures = config_.login_max_failures,
                                 .address_free_failures = config_.login_address_max_failures,
                                 .delay_ms = config_.login_delay_ms,
                                 .max_delay_ms = config_.login_max_delay_ms,
                                 .forget_ms = config_.login_window_ms}) {
  CryptoInit();
  writer_db_ = store::OpenWriter(config_.db_path, config_.shop_id);
  store::Db& db = *writer_db_;
  if (db.backend() == store::Backend::kSqlite) {
    // Durability is the syncer's: COMMIT only writes the WAL (synchronous=NORMAL) and the syncer
    // fdatasyncs it before any reply, so the next batch is applied while the disk flushes the last one.
    // Checkpoints run on their own connection (CheckpointLoop), not inside the writer's COMMIT.
    auto& lite = static_cast<store::SqliteDb&>(db);
    lite.Exec("PRAGMA synchronous=NORMAL");
    lite.Exec("PRAGMA mmap_size=1073741824");  // pages read through a shared mapping, not pread
    // Each job runs in a savepoint, whose statement journal keeps the first copy of every page the job
    // changes. In a temporary file (the default past 64 KiB) that cost an open, writes and a close per
    // job: a fifth of the writer's time under the paid-order load.
    lite.Exec("PRAGMA temp_store=MEMORY");
    sqlite3_wal_hook(lite.raw(), &Shop::OnWalCommit, this);
    checkpoint_db_ = std::make_unique<store::SqliteDb>(config_.db_path, /*create=*/false);
    // A connection opens the WAL at its first read; until then a checkpoint on it does nothing at all.
    checkpoint_db_->Exec("PRAGMA schema_version");
    // The syncer's descriptor of the WAL, open from now on: opening it for each sync made a process
    // out of descriptors (a flood of connections) fail its next commit. The WAL exists now (the reads
    // above made it), and SQLite keeps the file while a connection of ours is open: it starts the log
    // over inside it, and removes it only when the last connection closes.
    const std::string wal = config_.db_path + "-wal";
    wal_.fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_.fd < 0) throw std::runtime_error("cannot open " + wal + ": " + std::strerror(errno));
  }
  db.SetChangeHook([this](std::string_view table) { OnTableChanged(table); });

  // The engine starts from the first plan version; later versions are journal commands (Op::kPlan)
  // replayed where they were adopted. The plan file only seeds a new database.
  std::string source;
  {
    store::Stmt first = db.Prepare("SELECT source FROM plans ORDER BY version LIMIT 1");
    if (first.Step()) source = first.Text(0);
  }
  const bool new_shop = source.empty();
  if (new_shop) {
    if (plan_source.empty()) throw std::runtime_error("a new database needs a plan file");
    source = plan_source;
  } else if (!plan_source.empty()) {
    store::Stmt active = db.Prepare("SELECT source FROM plans ORDER BY version DESC LIMIT 1");
    active.Step();
    plan_file_ignored_ = active.Text(0) != plan_source;
  }
  auto plan = plan::ParsePlan(source, new_shop ? plan_name : std::string(kPlanSourceName));
  if (!plan) throw std::runtime_error(plan.error().message);
  if (new_shop) {
    store::Stmt ins = db.Prepare("INSERT INTO plans (version, name, source, uploaded_at) VALUES (1, ?, ?, ?)");
    ins.Bind(1, plan->name).Bind(2, source).Bind(3, clock_.NowMs());
    ins.Run();
  }

  if (config_.payment_secret.empty()) {
    // No secret configured: one is made at first start and kept in the database, so notifications
    // signed before a restart still verify after it.
    store::Stmt get = db.Prepare("SELECT value FROM meta WHERE key = 'sandbox_secret'");
    if (get.Step()) {
      config_.payment_secret = get.Text(0);
    } else {
      config_.payment_secret = RandomToken(32);
      store::Stmt put = db.Prepare("INSERT INTO meta (key, value) VALUES ('sandbox_secret', ?)");
      put.Bind(1, config_.payment_secret);
      put.Run();
    }
  }

  LoadEngine(db);
}

void Shop::LoadEngine(store::Db& db) {
  engine_ = RebuildEngine(db, &rebuilt_commands_, config_.huge_pages ? HugePages() : std::pmr::new_delete_resource());
  first_paid_.clear();
  RebuildTeams();
  RebuildEarnings(db);
  LoadOrders(db);
}

Shop::~Shop() { Stop(); }

Shop::Descriptor::~Descriptor() {
  if (fd >= 0) ::close(fd);
}

void Shop::Start() {
  std::lock_guard lock(queue_mu_);
  if (writer_.joinable()) return;
  stopping_ = false;
  sync_stopping_ = false;
  checkpoint_stopping_ = false;
  writer_ = std::thread([this] { WriterLoop(); });
  syncer_ = std::thread([this] { SyncerLoop(); });
  if (checkpoint_db_) checkpointer_ = std::thread([this] { CheckpointLoop(); });
  hash_pool_.Start();
}

void Shop::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(sync_mu_);
    sync_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();  // every committed batch made durable and answered
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stopping_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  hash_pool_.Stop();
}

// ---------------------------------------------------------------------------------------------------
// Writes: group commit

void Shop::Write(std::function<Reply(Tx&)> job, Done done) {
  if (!available()) {
    if (done) done(StoreUnavailable());
    return;
  }
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(Job{std::move(job), std::move(done)});
  }
  queue_cv_.notify_one();
}

void Shop::WriterLoop() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < config_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
    batch.clear();
  }
}

void Shop::RunBatch(std::vector<Job>& batch) {
  std::vector<Reply> replies;
  replies.reserve(batch.size());
  store::Db& db = *writer_db_;
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t seq;
  try {
    std::unique_lock lock(engine_mu_);
    db.BeginWrite();
    for (Job& job : batch) {
      Tx tx(*this, db, *engine_, clock_.NowMs());
      db.Cached("SAVEPOINT job").Run();
      Reply r = core::MakeError("internal", "the job did not run");
      try {
        r = job.fn(tx);
      } catch (const store::StoreError&) {
        throw;
      } catch (const std::exception& e) {
        if (tx.engine_changes > 0) Fatal(std::string("a job failed after changing the engine: ") + e.what());
        r = core::MakeError("internal", e.what());
      }
      if (tx.poisoned) Fatal("a job's engine command was refused after it had changed the engine");
      if (!r && tx.engine_changes > 0) Fatal("a job refused after changing the engine: " + r.error().code);
      if (!r) {
        db.Cached("ROLLBACK TO job").Run();
        for (auto m = tx.buyers_of_new_orders.rbegin(); m != tx.buyers_of_new_orders.rend(); ++m) {
          buyer_orders_.RemoveLast(static_cast<size_t>(*m));
        }
      }
      db.Cached("RELEASE job").Run();
      replies.push_back(std::move(r));
    }
    {
      std::lock_guard l(durable_mu_);
      seq = ++applied_seq_;
    }
  } catch (const store::StoreError& e) {
    if (!e.connection_lost()) Fatal(std::string("store error while applying a batch: ") + e.what());
    Recover(batch, e.what());
    return;
  } catch (const std::exception& e) {
    Fatal(std::string("store error while applying a batch: ") + e.what());
  }
  const auto t1 = std::chrono::steady_clock::now();
  try {
    db.Commit();
  } catch (const store::StoreError& e) {
    if (!e.connection_lost()) Fatal(std::string("store error at commit: ") + e.what());
    Recover(batch, e.what());  // committed or not: the rebuilt engine will say
    return;
  } catch (const std::exception& e) {
    Fatal(std::string("store error at commit: ") + e.what());
  }
  committed_seq_ = seq;
  const auto t2 = std::chrono::steady_clock::now();
  if (catalogue_changed_) {
    catalogue_changed_ = false;
    catalogue_version_.fetch_add(1, std::memory_order_release);
  }
  if (auth_changed_) {
    auth_changed_ = false;
    auth_version_.fetch_add(1, std::memory_order_release);
  }
  if (metrics_ != nullptr) {
    metrics_->Add("guanxi_commands_total", {}, static_cast<double>(batch.size()));
    metrics_->Observe("guanxi_commit_batch_size", {}, static_cast<double>(batch.size()));
    metrics_->Observe("guanxi_apply_seconds", {}, std::chrono::duration<double>(t1 - t0).count());
    metrics_->Observe("guanxi_commit_write_seconds", {}, std::chrono::duration<double>(t2 - t1).count());
  }
  {
    std::lock_guard l(sync_mu_);
    committed_.push_back(Committed{seq, std::move(batch), std::move(replies)});
  }
  sync_cv_.notify_one();
  if (checkpoint_db_ && wal_frames_ >= config_.wal_restart_frames) RestartWal();  // SQLite only
}

void Shop::SyncerLoop() {
  // PostgreSQL's COMMIT returns once the server has flushed its WAL: nothing is left to sync.
  const bool sqlite = writer_db_->backend() == store::Backend::kSqlite;
  const std::string wal = config_.db_path + "-wal";
  std::deque<Committed> ready;
  for (;;) {
    {
      std::unique_lock lock(sync_mu_);
      sync_cv_.wait(lock, [this] { return sync_stopping_ || !committed_.empty(); });
      if (committed_.empty()) return;  // stopping and drained
      ready.swap(committed_);
    }
    // fsync on a descriptor of our own: Linux flushes the file's data whoever wrote it, and everything
    // written before the call is covered, so every batch in `ready` (and perhaps more) is durable.
    const auto t0 = std::chrono::steady_clock::now();
    if (sqlite && ::fdatasync(wal_.fd) != 0) Fatal("cannot fsync " + wal + ": " + std::strerror(errno));
    if (metrics_ != nullptr && sqlite) {
      metrics_->Observe("guanxi_commit_fsync_seconds", {},
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const uint64_t seq = ready.back().seq;
    std::vector<std::function<void(bool)>> waiters;
    {
      std::lock_guard l(durable_mu_);
      durable_seq_ = std::max(durable_seq_, seq);
      auto it = durable_waiters_.begin();
      while (it != durable_waiters_.end()) {
        if (it->first <= seq) {
          waiters.push_back(std::move(it->second));
          it = durable_waiters_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (Committed& c : ready) {
      for (size_t i = 0; i < c.jobs.size(); ++i) {
        if (c.jobs[i].done) c.jobs[i].done(std::move(c.replies[i]));
      }
    }
    ready.clear();
    for (auto& cb : waiters) cb(true);
  }
}

std::optional<std::string> Shop::CachedCatalogue(const std::string& key, uint64_t version) const {
  std::lock_guard l(catalogue_mu_);
  auto it = catalogue_cache_.find(key);
  if (it == catalogue_cache_.end() || it->second.first != version) return std::nullopt;
  return it->second.second;
}

void Shop::CacheCatalogue(const std::string& key, uint64_t version, std::string body) {
  constexpr size_t kMaxEntries = 256;  // pages of the list; any query string makes a key
  std::lock_guard l(catalogue_mu_);
  if (catalogue_cache_.size() >= kMaxEntries && !catalogue_cache_.contains(key)) catalogue_cache_.clear();
  catalogue_cache_[key] = {version, std::move(body)};
}

int Shop::OnWalCommit(void* shop, sqlite3*, const char*, int frames) {
  auto* self = static_cast<Shop*>(shop);
  // The WAL starts over after a checkpoint has copied all of it: then every frame is this commit's.
  const int written = frames >= self->wal_frames_ ? frames - self->wal_frames_ : frames;
  self->wal_frames_ = frames;
  if (self->metrics_ != nullptr) self->metrics_->Add("guanxi_wal_frames_total", {}, written);
  if (frames >= self->config_.wal_checkpoint_frames) {
    {
      std::lock_guard l(self->checkpoint_mu_);
      self->checkpoint_wanted_ = true;
    }
    self->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void Shop::CheckpointLoop() {
  for (;;) {
    {
      std::unique_lock lock(checkpoint_mu_);
      checkpoint_cv_.wait(lock, [this] { return checkpoint_stopping_ || checkpoint_wanted_; });
      if (checkpoint_stopping_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE: copies what no reader still needs, without blocking the writer or readers. The writer
    // starts the WAL over once a checkpoint has copied all of it.
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_lock run(checkpoint_run_mu_);
    const int rc =
        sqlite3_wal_checkpoint_v2(checkpoint_db_->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    run.unlock();
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) Fatal(std::string("store error at checkpoint: ") + sqlite3_errstr(rc));
    if (metrics_ != nullptr) {
      metrics_->Observe("guanxi_checkpoint_seconds", {},
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
}

void Shop::RestartWal() {
  const auto t0 = std::chrono::steady_clock::now();
  std::lock_guard run(checkpoint_run_mu_);  // waits for CheckpointLoop's copy, which leaves little to do
  const int rc = sqlite3_wal_checkpoint_v2(static_cast<store::SqliteDb&>(*writer_db_).raw(), "main",
                                           SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  // BUSY: another process checkpoints (a backup, the sqlite3 shell); the next batch tries again.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) Fatal(std::string("store error at checkpoint: ") + sqlite3_errstr(rc));
  if (rc == SQLITE_OK) wal_frames_ = 0;
  if (metrics_ != nullptr) {
    metrics_->Observe("guanxi_wal_restart_seconds", {},
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
}

void Shop::Fatal(const std::string& what) {
  if (fatal_) {
    fatal_(what);
  } else {
    std::fprintf(stderr, "guanxi: fatal: %s; stopping (the next start rebuilds from the store)\n", what.c_str());
  }
  std::abort();
}

// ---------------------------------------------------------------------------------------------------
// Reads

std::unique_ptr<store::Db> Shop::TakeReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!readers_.empty()) {
      std::unique_ptr<store::Db> db = std::move(readers_.back());
      readers_.pop_back();
      return db;
    }
  }
  return store::OpenReader(config_.db_path, config_.shop_id);
}

void Shop::PutReader(std::unique_ptr<store::Db> db) {
  std::lock_guard lock(readers_mu_);
  readers_.push_back(std::move(db));
}

// Readers are taken and put back under the engine's shared lock, so a rebuild after a reconnect
// (exclusive) never finds one in use and drops them all.
Reply Shop::Read(const std::function<Reply(ReadCtx&)>& fn, uint64_t* seq) {
  std::shared_lock lock(engine_mu_);
  if (!available()) return StoreUnavailable();
  {
    std::lock_guard l(durable_mu_);
    *seq = applied_seq_;
  }
  std::unique_ptr<store::Db> db;
  try {
    db = TakeReader();
    db->BeginRead();  // one snapshot for the whole read
    ReadCtx ctx{*db, *engine_, clock_.NowMs()};
    Reply r = fn(ctx);
    db->Commit();
    PutReader(std::move(db));
    return r;
  } catch (const store::StoreError& e) {
    if (e.connection_lost()) return StoreUnavailable();  // the connection is dropped with `db`
    throw;
  } catch (...) {
    if (db) {
      try {
        db->Rollback();
        PutReader(std::move(db));
      } catch (...) {
      }
    }
    throw;
  }
}

void Shop::WhenDurable(uint64_t seq, std::function<void(bool)> cb) {
  {
    std::lock_guard l(durable_mu_);
    for (const auto& [from, to] : lost_) {
      if (seq >= from && seq <= to) {
        cb(false);
        return;
      }
    }
    if (durable_seq_ < seq) {
      durable_waiters_.emplace_back(seq, std::move(cb));
      return;
    }
  }
  cb(true);
}

core::Error StoreUnavailable() {
  return core::MakeError("store_unavailable",
                         "the store is out of reach; what this request did is unknown until it is back: retry it");
}

core::Error Overloaded() { return core::MakeError("overloaded", "the server is busy; retry in a moment"); }

void Shop::AnswerUnavailable(std::vector<Job>& jobs) {
  for (Job& j : jobs) {
    if (j.done) j.done(StoreUnavailable());
  }
  jobs.clear();
}

void Shop::Recover(std::vector<Job>& failed, const std::string& why) {
  store_down_.store(true, std::memory_order_release);
  std::fprintf(stderr, "guanxi: lost the store (%s); answering 503 until it is back\n", why.c_str());
  if (metrics_ != nullptr) metrics_->Add("guanxi_store_lost_total", {}, 1);
  AnswerUnavailable(failed);
  // The batches from the last commit on may have been applied to the engine but not stored: reads
  // that saw them are never answered.
  std::vector<std::function<void(bool)>> unknown;
  {
    std::lock_guard l(durable_mu_);
    lost_.emplace_back(committed_seq_ + 1, applied_seq_);
    std::erase_if(durable_waiters_, [&](auto& w) {
      if (w.first <= committed_seq_) return false;
      unknown.push_back(std::move(w.second));
      return true;
    });
  }
  for (auto& cb : unknown) cb(false);
  for (int attempt = 1;; ++attempt) {
    std::vector<Job> queued;
    {
      std::unique_lock lock(queue_mu_);
      if (attempt > 1) queue_cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; });
      queued.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
      if (stopping_) {
        lock.unlock();
        AnswerUnavailable(queued);
        return;
      }
    }
    AnswerUnavailable(queued);
    try {
      std::unique_ptr<store::Db> db = store::OpenWriter(config_.db_path, config_.shop_id);
      db->SetChangeHook([this](std::string_view table) { OnTableChanged(table); });
      std::unique_lock lock(engine_mu_);
      LoadEngine(*db);
      writer_db_ = std::move(db);
      {
        std::lock_guard l(readers_mu_);
        readers_.clear();
      }
      catalogue_version_.fetch_add(1, std::memory_order_release);
      auth_version_.fetch_add(1, std::memory_order_release);
      {
        // The rebuilt engine is the store: durable, under a batch number of its own.
        std::lock_guard l(durable_mu_);
        committed_seq_ = ++applied_seq_;
        durable_seq_ = std::max(durable_seq_, applied_seq_);
      }
      store_down_.store(false, std::memory_order_release);
      std::fprintf(stderr, "guanxi: the store is back; rebuilt the engine from %lld commands\n",
                   static_cast<long long>(rebuilt_commands_));  // NOLINT(runtime/int)
      return;
    } catch (const std::exception& e) {
      if (attempt == 1 || attempt % 40 == 0) std::fprintf(stderr, "guanxi: reconnecting: %s\n", e.what());
    }
  }
}

void Shop::NoteFirstPaid(int64_t member) {
  const auto m = static_cast<size_t>(member);
  if (m >= first_paid_.size()) first_paid_.resize(std::max<size_t>(m + 1, engine_->member_count()));
  first_paid_[m] = true;
}

void Shop::OnTableChanged(std::string_view table) {
  if (table == "products" || table == "plans") catalogue_changed_ = true;
  if (table == "tokens" || table == "accounts") auth_changed_ = true;
}

const std::string& Shop::dummy_password_hash() {
  std::call_once(dummy_once_, [this] { dummy_password_hash_ = HashPassword(RandomToken(), password_cost()); });
  return dummy_password_hash_;
}

PasswordCost Shop::password_cost() const {
  return config_.fast_password_hashing ? PasswordCost::Fast() : PasswordCost::Interactive();
}

Reply Shop::WriteSync(std::function<Reply(Tx&)> job) {
  std::promise<Reply> p;
  auto f = p.get_future();
  Write(std::move(job), [&p](Reply r) { p.set_value(std::move(r)); });
  return f.get();
}

Reply Shop::ReadSync(const std::function<Reply(ReadCtx&)>& fn) {
  uint64_t seq = 0;
  Reply r = Read(fn, &seq);
  std::promise<bool> p;
  auto f = p.get_future();
  WhenDurable(seq, [&p](bool durable) { p.set_value(durable); });
  return f.get() ? r : Reply(StoreUnavailable());
}

Reply Shop::RunScheduler() {
  const int offset = config_.utc_offset_minutes;
  return WriteSync([offset](Tx& tx) { return SchedulerPass(tx, offset); });
}

// ---------------------------------------------------------------------------------------------------
// Team by rank, from effects

void Shop::RebuildTeams() {
  team_by_rank_.clear();
  const core::Engine& e = *engine_;
  for (MemberId m = 0; m < e.member_count(); ++m) {
    if (!e.placed(m)) continue;
    const MemberId l = e.leader(m);
    if (l == core::kNone || l == m) continue;
    auto& v = team_by_rank_[l];
    v.resize(e.plan().ranks.size(), 0);
    ++v[e.rank(m)];
  }
}

// A team (团队) is the placed members whose leader is the team's head. For each member a command
// placed, detached or re-ranked: take it out of the team it was in, at the rank it had, and put it
// into the team it is in now, at its rank now.
void Shop::NoteEffects(const core::Effects& effects, int64_t first_id) {
  for (size_t i = 0; i < effects.size(); ++i) {
    if (!IsEarning(effects[i])) continue;
    earnings_.Add(effects[i].member, first_id + static_cast<int64_t>(i));
  }
  const core::Engine& e = *engine_;
  const size_t ranks = e.plan().ranks.size();
  auto bump = [&](MemberId leader, MemberId m, core::RankId r, int delta) {
    if (leader == core::kNone || leader == m) return;
    auto& v = team_by_rank_[leader];
    v.resize(ranks, 0);
    v[r] = static_cast<uint32_t>(static_cast<int64_t>(v[r]) + delta);
  };
  for (size_t i = 0; i < effects.size(); ++i) {
    const Effect& x = effects[i];
    if (x.kind != EffectKind::kPlaced && x.kind != EffectKind::kDetached && x.kind != EffectKind::kRankChanged) {
      continue;
    }
    const MemberId m = x.member;
    bool seen = false;  // handle each member once, at its first such effect
    for (size_t j = 0; j < i && !seen; ++j) {
      const EffectKind k = effects[j].kind;
      seen = effects[j].member == m &&
             (k == EffectKind::kPlaced || k == EffectKind::kDetached || k == EffectKind::kRankChanged);
    }
    if (seen) continue;
    std::optional<core::RankId> rank_before;
    bool placed_now = false;
    MemberId detached_from = core::kNone;
    bool detached = false;
    for (size_t j = i; j < effects.size(); ++j) {
      const Effect& y = effects[j];
      if (y.member != m) continue;
      if (y.kind == EffectKind::kRankChanged && !rank_before) rank_before = y.old_rank;
      if (y.kind == EffectKind::kPlaced) placed_now = true;
      if (y.kind == EffectKind::kDetached) {
        detached = true;
        detached_from = y.via;
      }
    }
    const MemberId leader_now = e.placed(m) ? e.leader(m) : core::kNone;
    const MemberId leader_before = placed_now ? core::kNone : detached ? detached_from : leader_now;
    bump(leader_before, m, rank_before.value_or(e.rank(m)), -1);
    bump(leader_now, m, e.rank(m), +1);
  }
}

void Shop::RebuildEarnings(store::Db& db) {
  next_effect_id_ = NextEffectId(db);
  earnings_.Clear(engine_->member_count());
  store::Stmt s = db.Prepare(std::string("SELECT id, member FROM effects WHERE ") + kIsEarningSql + " ORDER BY id");
  while (s.Step()) earnings_.Add(static_cast<size_t>(s.Int(1)), s.Int(0));
}

namespace {
uint64_t OrderKeyHash(int64_t member, std::string_view key) {
  return std::hash<std::string_view>{}(key) ^ (static_cast<uint64_t>(member) * 0x9E3779B97F4A7C15ull);
}
}  // namespace

void Shop::LoadOrders(store::Db& db) {
  buyer_orders_.Clear(engine_->member_count());
  order_keys_.clear();
  order_key_times_.clear();
  const int64_t since = clock_.NowMs() - kOrderKeyTtlMs;
  store::Stmt s = db.Prepare("SELECT id, member, idempotency_key, created_at FROM orders ORDER BY id");
  while (s.Step()) {
    buyer_orders_.Add(static_cast<size_t>(s.Int(1)), s.Int(0));
    if (!s.IsNull(2) && s.Int(3) >= since) {
      const OrderKey k{s.Int(3), OrderKeyHash(s.Int(1), s.Text(2)), s.Int(0)};
      order_keys_[k.hash] = k;
      order_key_times_.push_back(k);
    }
  }
}

void Shop::NoteOrder(Tx& tx, int64_t member, int64_t order) {
  buyer_orders_.Add(static_cast<size_t>(member), order);
  tx.buyers_of_new_orders.push_back(member);
}

std::optional<int64_t> Shop::FindOrderKey(int64_t member, std::string_view key, int64_t now) const {
  const auto it = order_keys_.find(OrderKeyHash(member, key));
  if (it == order_keys_.end() || it->second.created_at < now - kOrderKeyTtlMs) return std::nullopt;
  return it->second.order;
}

void Shop::NoteOrderKey(int64_t member, std::string_view key, int64_t order, int64_t now) {
  while (!order_key_times_.empty() && order_key_times_.front().created_at < now - kOrderKeyTtlMs) {
    const OrderKey& old = order_key_times_.front();
    const auto it = order_keys_.find(old.hash);
    if (it != order_keys_.end() && it->second.order == old.order) order_keys_.erase(it);
    order_key_times_.pop_front();
  }
  const OrderKey k{now, OrderKeyHash(member, key), order};
  order_keys_[k.hash] = k;
  order_key_times_.push_back(k);
}

std::vector<uint32_t> Shop::TeamByRank(MemberId leader) const {
  auto it = team_by_rank_.find(leader);
  if (it == team_by_rank_.end()) return std::vector<uint32_t>(engine_->plan().ranks.size(), 0);
  return it->second;
}

// ---------------------------------------------------------------------------------------------------
// Authentication

Caller Shop::Authenticate(const std::string& token) {
  Caller c;
  if (token.empty()) return c;
  const std::string hash = TokenHash(token);
  // While the store is out of reach the caller stays anonymous; what it asks is answered 503 anyway.
  if (!available()) return c;
  const int64_t now = clock_.NowMs();
  // Read before the store is: a batch committed after this moves it, and what is read now is not kept.
  const uint64_t version = auth_version_.load(std::memory_order_acquire);
  {
    // Without the engine lock, which the writer holds while it applies a batch: a remembered caller
    // costs the I/O thread no wait.
    std::lock_guard l(callers_mu_);
    auto it = callers_.find(hash);
    if (it != callers_.end()) {
      const KnownCaller& k = it->second;
      if (k.version == version && now < k.expires_at && now - k.read_at < kCallerCacheMs) return k.caller;
      callers_.erase(it);
    }
  }
  std::shared_lock lock(engine_mu_);
  if (!available()) return c;
  std::unique_ptr<store::Db> db = TakeReader();
  int64_t expires_at = 0;
  try {
    store::Stmt& s = db->Cached(
        "SELECT a.id, a.role, a.member, t.expires_at FROM tokens t JOIN accounts a ON a.id = t.account "
        "WHERE t.hash = ? AND t.expires_at > ? AND a.disabled = 0");
    s.Bind(1, hash).Bind(2, now);
    if (s.Step()) {
      c.account = s.Int(0);
      c.role = s.Text(1);
      c.member = s.IsNull(2) ? -1 : s.Int(2);
      expires_at = s.Int(3);
    }
    s.Reset();
  } catch (const store::StoreError& e) {
    if (e.connection_lost()) return Caller{};  // the connection is dropped with `db`
    PutReader(std::move(db));
    throw;
  }
  PutReader(std::move(db));
  if (c.account >= 0) {
    constexpr size_t kMaxCallers = 65'536;
    std::lock_guard l(callers_mu_);
    if (callers_.size() >= kMaxCallers) callers_.clear();
    callers_[hash] = KnownCaller{c, now, expires_at, version};
  }
  return c;
}

}  // namespace guanxi::service
