// How glibc's malloc hands memory back to the kernel. Its defaults return every large block (≥ 128 KiB,
// raised dynamically up to 32 MiB) with munmap when freed and trim the heap's top beyond 128 KiB, so a
// training step that frees and reallocates the same activations gets fresh pages from the kernel each
// time. On a VM with shadow page tables a page fault costs ~15 µs (issue 16): a PPO update of 64 rollouts
// spent half its wall time in the kernel (33 s → 14 s with freed memory kept). PyTorch's own answer on
// CPU is a jemalloc/tcmalloc preload; this is most of the effect without one: blocks below the largest
// mmap threshold glibc allows (32 MiB) come from the heap, which grows in large steps and keeps freed
// memory for reuse. (Turning mmap off altogether was no faster and fragmented the heap: 4.5 GB peak
// instead of 2.3 GB in one PPO iteration.)
#include <malloc.h>

#include "allocator.h"

namespace linewise {

Napi::Value RetainFreedMemory(const Napi::CallbackInfo& info) {
  const auto setting = [&](int i) { return static_cast<int>(info[i].As<Napi::Number>().Int64Value()); };
  const bool ok = mallopt(M_MMAP_THRESHOLD, setting(0)) == 1 && mallopt(M_TRIM_THRESHOLD, setting(1)) == 1 &&
                  mallopt(M_TOP_PAD, setting(2)) == 1;
  return Napi::Boolean::New(info.Env(), ok);
}

}  // namespace linewise
