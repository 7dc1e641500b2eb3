// The password hashing pool: bounded lanes, served by priority.
#include "service/hash_pool.h"

#include <algorithm>

namespace guanxi::service {

HashPool::HashPool(Limits limits) : limits_(limits) {}

HashPool::~HashPool() { Stop(); }

void HashPool::Start() {
  std::lock_guard lock(mu_);
  if (!threads_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(1, limits_.threads); ++i) threads_.emplace_back([this] { Loop(); });
}

void HashPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

bool HashPool::Submit(Lane lane, std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    auto& q = queues_[static_cast<size_t>(lane)];
    const size_t limit = lane == Lane::kRegister ? limits_.register_queue : limits_.login_queue;
    if (q.size() >= limit) return false;
    q.push_back(std::move(job));
    ++accepted_[static_cast<size_t>(lane)];
  }
  cv_.notify_one();
  return true;
}

uint64_t HashPool::accepted(Lane lane) const {
  std::lock_guard lock(mu_);
  return accepted_[static_cast<size_t>(lane)];
}

bool HashPool::Take(std::function<void()>* job, Lane* lane) {
  const int register_threads = std::max(1, limits_.threads - 1);
  for (const Lane l : {Lane::kStaffLogin, Lane::kLogin, Lane::kRegister}) {
    auto& q = queues_[static_cast<size_t>(l)];
    if (q.empty() || (l == Lane::kRegister && registering_ >= register_threads)) continue;
    *job = std::move(q.front());
    q.pop_front();
    *lane = l;
    return true;
  }
  return false;
}

void HashPool::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    std::function<void()> job;
    Lane lane = Lane::kLogin;
    cv_.wait(lock, [&] {
      return Take(&job, &lane) ||
             (stopping_ && std::all_of(queues_.begin(), queues_.end(), [](const auto& q) { return q.empty(); }));
    });
    if (!job) return;  // stopping, and nothing left
    if (lane == Lane::kRegister) ++registering_;
    lock.unlock();
    job();
    lock.lock();
    if (lane == Lane::kRegister) {
      --registering_;
      cv_.notify_one();  // a registration waiting for a thread of its own may go now
    }
  }
}

}  // namespace guanxi::service
