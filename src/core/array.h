// The engine's large per-member and per-order arrays: std::vector over memory from a caller's
// std::pmr::memory_resource, on cache-line boundaries.
//
// Why a resource: the core makes no system calls, yet where a million members' records live matters to
// speed (a record that shares its 2 MiB huge page with its neighbours costs one TLB entry, not one per
// 4 KiB page). The caller decides; the default is plain new/delete. The resource must outlive the
// engine and every copy of it.
// Why 64-byte boundaries: a member's block of a per-member array then starts where the arithmetic says
// (malloc's 16-byte alignment would let a 32-byte block straddle two lines).
#pragma once

#include <cstddef>
#include <memory_resource>
#include <vector>

namespace guanxi::core {

template <typename T>
class ArrayAllocator {
 public:
  using value_type = T;
  static constexpr size_t kAlign = 64;

  ArrayAllocator() = default;
  explicit ArrayAllocator(std::pmr::memory_resource* memory) : memory_(memory) {}
  template <typename U>
  ArrayAllocator(const ArrayAllocator<U>& other) : memory_(other.memory()) {}  // NOLINT: rebinding is implicit

  T* allocate(size_t n) { return static_cast<T*>(memory_->allocate(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t n) { memory_->deallocate(p, n * sizeof(T), kAlign); }
  std::pmr::memory_resource* memory() const { return memory_; }

  template <typename U>
  friend bool operator==(const ArrayAllocator& a, const ArrayAllocator<U>& b) {
    return a.memory_->is_equal(*b.memory());
  }

 private:
  std::pmr::memory_resource* memory_ = std::pmr::new_delete_resource();
};

template <typename T>
using Array = std::vector<T, ArrayAllocator<T>>;

}  // namespace guanxi::core
