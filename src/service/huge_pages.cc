#include "service/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace guanxi::service {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUp(size_t n) { return (n + kHugePage - 1) & ~(kHugePage - 1); }

class HugePageResource final : public std::pmr::memory_resource {
 private:
  void* do_allocate(size_t bytes, size_t align) override {
    if (bytes < kHugePage || align > kHugePage) return Small()->allocate(bytes, align);
    const size_t length = RoundUp(bytes);
    // Map one huge page more than needed and trim both ends, so the block starts on a 2 MiB boundary.
    void* mapped = mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<uintptr_t>(mapped);
    const uintptr_t aligned = (start + kHugePage - 1) & ~uintptr_t{kHugePage - 1};
    if (aligned > start) munmap(mapped, aligned - start);
    const size_t tail = start + length + kHugePage - (aligned + length);
    if (tail > 0) munmap(reinterpret_cast<void*>(aligned + length), tail);
    // Advice only: on a kernel without transparent huge pages the block works as ordinary pages.
    madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
  }

  void do_deallocate(void* p, size_t bytes, size_t align) override {
    if (bytes < kHugePage || align > kHugePage) return Small()->deallocate(p, bytes, align);
    munmap(p, RoundUp(bytes));
  }

  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  static std::pmr::memory_resource* Small() { return std::pmr::new_delete_resource(); }
};

}  // namespace

std::pmr::memory_resource* HugePages() {
  static HugePageResource resource;
  return &resource;
}

}  // namespace guanxi::service
