// Native-only: keeps glibc's allocator from returning large blocks to the
// operating system after every use.
//
// A Conv4 episode allocates and frees dozens of multi-megabyte matrices
// (80 images x 28 x 28 x 64 channels is 16 MB). By default glibc serves each
// with a fresh mmap and unmaps it on free, so every training step pays for
// page faults and for the kernel zeroing pages: about half of a Conv4
// forward + backward pass (bench_conv4: 205 ms -> 105 ms of CPU time per
// pass with this tuning). Raising the mmap and trim thresholds makes freed
// blocks stay in the heap for the next step. Call once at program start;
// a no-op where the C library is not glibc (and the browser never sees it).
#pragma once

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace metalab {

inline void tune_malloc_for_large_tensors() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);  // blocks below 256 MB come from the heap
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);  // keep up to 1 GB of free heap
#endif
}

}  // namespace metalab
