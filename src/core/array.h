// The engine's large arrays, in memory from a caller's std::pmr::memory_resource, on cache-line
// boundaries: the per-member array is a std::vector (Array), the per-order ones grow in chunks
// (ChunkedArray).
//
// Why a resource: the core makes no system calls, yet where a million members' records live matters to
// speed (a record that shares its 2 MiB huge page with its neighbours costs one TLB entry, not one per
// 4 KiB page). The caller decides; the default is plain new/delete. The resource must outlive the
// engine and every copy of it.
// Why 64-byte boundaries: a member's block of a per-member array then starts where the arithmetic says
// (malloc's 16-byte alignment would let a 32-byte block straddle two lines).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory_resource>
#include <type_traits>
#include <utility>
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

// An append-only array in chunks of 2^kChunkBits elements, for records a shop keeps adding for ever
// (orders, reward lines). Growth never moves what is stored: a full chunk is followed by a new one,
// so an append costs the same at the billionth record as at the first, where a vector copies its whole
// contents at every doubling (a pause of the single writer, and three times the memory for a moment).
// The first chunk grows like a vector, so a small engine holds little. An append is a compare and a
// store, as in a vector; an element is found through one more load (its chunk's address).
template <typename T, size_t kChunkBits>
class ChunkedArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr size_t kChunk = size_t{1} << kChunkBits;

  explicit ChunkedArray(std::pmr::memory_resource* memory = std::pmr::new_delete_resource()) : memory_(memory) {}
  ChunkedArray(const ChunkedArray& other) : memory_(other.memory_) { CopyFrom(other); }
  ChunkedArray& operator=(const ChunkedArray& other) {
    if (this != &other) {
      Clear();
      CopyFrom(other);
    }
    return *this;
  }
  ChunkedArray(ChunkedArray&& other) noexcept : memory_(other.memory_) { Take(other); }
  ChunkedArray& operator=(ChunkedArray&& other) noexcept {
    if (this != &other) {
      Clear();
      memory_ = other.memory_;
      Take(other);
    }
    return *this;
  }
  ~ChunkedArray() { Clear(); }

  size_t size() const { return size_; }
  T& operator[](size_t i) { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  const T& operator[](size_t i) const { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }

  void push_back(const T& value) {
    if (end_ == limit_) [[unlikely]] Grow(std::min(kChunk, std::max<size_t>(16, 2 * size_)));
    *end_++ = value;
    ++size_;
  }
  // Room for n elements without growing the first chunk (later chunks are allocated whole).
  void reserve(size_t n) {
    chunks_.reserve((n + kChunk - 1) >> kChunkBits);
    if (size_ < kChunk && std::min(n, kChunk) > first_capacity_) Grow(std::min(n, kChunk));
  }

 private:
  T* Allocate(size_t n) { return static_cast<T*>(memory_->allocate(n * sizeof(T), ArrayAllocator<T>::kAlign)); }
  void Deallocate(T* p, size_t n) { memory_->deallocate(p, n * sizeof(T), ArrayAllocator<T>::kAlign); }
  // The first chunk to `capacity` elements (it moves), or, when it is full at kChunk, a new chunk.
  void Grow(size_t capacity) {
    if (size_ >= kChunk) {
      chunks_.push_back(Allocate(kChunk));
      end_ = chunks_.back();
      limit_ = end_ + kChunk;
      return;
    }
    T* p = Allocate(capacity);
    if (chunks_.empty()) {
      chunks_.push_back(p);
    } else {
      std::memcpy(p, chunks_[0], size_ * sizeof(T));
      Deallocate(chunks_[0], first_capacity_);
      chunks_[0] = p;
    }
    first_capacity_ = capacity;
    end_ = p + size_;
    limit_ = p + capacity;
  }
  void CopyFrom(const ChunkedArray& other) {
    for (size_t at = 0; at < other.size_; at += kChunk) {
      const size_t n = std::min(kChunk, other.size_ - at);
      Grow(at == 0 ? n : kChunk);
      std::memcpy(end_, other.chunks_[at >> kChunkBits], n * sizeof(T));
      end_ += n;
      size_ += n;
    }
  }
  void Take(ChunkedArray& other) {
    chunks_ = std::exchange(other.chunks_, {});
    first_capacity_ = std::exchange(other.first_capacity_, 0);
    size_ = std::exchange(other.size_, 0);
    end_ = std::exchange(other.end_, nullptr);
    limit_ = std::exchange(other.limit_, nullptr);
  }
  void Clear() {
    for (size_t i = 0; i < chunks_.size(); ++i) Deallocate(chunks_[i], i == 0 ? first_capacity_ : kChunk);
    chunks_.clear();
    first_capacity_ = size_ = 0;
    end_ = limit_ = nullptr;
  }

  std::pmr::memory_resource* memory_;
  std::vector<T*> chunks_;     // the first holds first_capacity_ elements, every other kChunk
  size_t first_capacity_ = 0;
  size_t size_ = 0;
  T* end_ = nullptr;           // where the next element goes, in the last chunk
  T* limit_ = nullptr;         // the end of the last chunk
};

}  // namespace guanxi::core
