// Memory for the engine's large arrays (core/array.h) in transparent huge pages.
//
// A shop of a million members spreads its engine over about 200 MB. On 4 KiB pages nearly every member
// an order touches is also a TLB miss, and in a virtual machine each miss is a two-level page walk;
// on 2 MiB pages the whole engine fits in the TLB's second level. The core cannot ask for huge pages
// (it makes no system calls), so `guanxi serve` (with huge_pages = true) and the benchmarks hand it
// this resource. Whether it pays depends on the host: see docs/benchmarks.md, "Huge pages".
#pragma once

#include <memory_resource>

namespace guanxi::service {

// Blocks of 2 MiB or more get an anonymous mapping of their own, aligned to 2 MiB and advised
// MADV_HUGEPAGE (so huge pages are used whenever /sys/kernel/mm/transparent_hugepage/enabled is
// "always" or "madvise"; with "never" they are ordinary pages); smaller blocks come from new/delete.
// A block is returned to the system when it is freed. Thread-safe; lives as long as the process.
std::pmr::memory_resource* HugePages();

}  // namespace guanxi::service
