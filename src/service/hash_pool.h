// Password hashing off the I/O and writer threads. An argon2id hash at the interactive cost takes
// about 100 ms and 64 MiB, so an unbounded queue of them is a way to starve a shop: 150 registrations
// at once kept a login waiting 14 s. Here the queues are bounded (a full queue is refused at once,
// and the caller answers 503 with Retry-After), and served in order of priority: staff logins,
// member logins, then registrations, which may occupy every thread but one, so that a login never
// waits behind more than the hashes already running. Threading: Submit from any thread; jobs run on
// the pool's threads.
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace guanxi::service {

class HashPool {
 public:
  enum class Lane { kStaffLogin = 0, kLogin = 1, kRegister = 2 };
  struct Limits {
    int threads = 2;
    size_t login_queue = 32;     // waiting logins, per login lane (about 1.6 s of work on 2 threads)
    size_t register_queue = 16;  // waiting registrations
  };

  explicit HashPool(Limits limits);
  // Stop().
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  void Start();
  // Runs every job already queued, then joins the threads. Idempotent; Start may follow.
  void Stop();

  // Queues `job`; false (and `job` dropped uncalled) when the lane's queue is full.
  [[nodiscard]] bool Submit(Lane lane, std::function<void()> job);
  // Jobs accepted on a lane since the pool was made (metrics, tests).
  uint64_t accepted(Lane lane) const;

 private:
  void Loop();
  // A job the calling thread may take now, if any. REQUIRES: mu_ held.
  bool Take(std::function<void()>* job, Lane* lane);

  const Limits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::array<std::deque<std::function<void()>>, 3> queues_;
  std::array<uint64_t, 3> accepted_{};
  int registering_ = 0;  // registration hashes running
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace guanxi::service
