// A memory resource that counts what passes through it (and requests for less than 64-byte
// alignment), handing the work to new/delete: for tests of where the engine's arrays come from.
#pragma once

#include <cstddef>
#include <memory_resource>

namespace guanxi::test {

class CountingResource final : public std::pmr::memory_resource {
 public:
  size_t outstanding = 0;
  size_t allocations = 0;
  size_t misaligned = 0;

 private:
  void* do_allocate(size_t bytes, size_t align) override {
    if (align < 64) ++misaligned;
    ++allocations;
    outstanding += bytes;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, size_t bytes, size_t align) override {
    outstanding -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

}  // namespace guanxi::test
