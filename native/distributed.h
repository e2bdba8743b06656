// torch.distributed's c10d for data-parallel training (src/torch/distributed.ts): a TCPStore rendezvous and
// a Gloo process group, with the collectives training needs. Each collective returns a Promise and blocks a
// libuv worker thread, not the JavaScript thread, so progress bars and Ctrl-C keep working while it waits.
#pragma once
#include <napi.h>

namespace linewise {
/** distributedSupport() -> "" when this build has c10d, else why not (the build to use instead). */
Napi::Value DistributedSupport(const Napi::CallbackInfo& info);
/** distInit({addr, port, rank, size, timeoutMs, iface, hostname}) -> Promise<group>. */
Napi::Value DistInit(const Napi::CallbackInfo& info);
/** distAllReduce(group, tensors, bucketBytes) -> Promise: sums each tensor over the ranks, in place. */
Napi::Value DistAllReduce(const Napi::CallbackInfo& info);
/** distAllReduceGrads(group, params, bucketBytes) -> Promise: sums the parameters' gradients (zeros where a rank has none). */
Napi::Value DistAllReduceGrads(const Napi::CallbackInfo& info);
/** distBroadcast(group, tensors, root, bucketBytes) -> Promise: root's values into every rank's tensors, in place. */
Napi::Value DistBroadcast(const Napi::CallbackInfo& info);
/** distAllGatherBytes(group, Uint8Array) -> Promise<ArrayBuffer[]>: every rank's bytes, in rank order. */
Napi::Value DistAllGatherBytes(const Napi::CallbackInfo& info);
/** distBarrier(group) -> Promise. */
Napi::Value DistBarrier(const Napi::CallbackInfo& info);
/** distClose(group): drops the process group and the store; later calls on it fail. */
Napi::Value DistClose(const Napi::CallbackInfo& info);
}  // namespace linewise
