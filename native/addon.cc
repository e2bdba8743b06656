// The linewise addon's export table. Each entry's contract is declared once, in src/torch/native.ts.
#include <napi.h>

#include "allocator.h"
#include "dispatch.h"
#include "distributed.h"
#include "natives.h"

namespace linewise {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, Napi::Function::Callback> entries[] = {
      {"findOperator", FindOperator}, {"operatorSchema", OperatorSchema},
      {"call", Call},                 {"fromBuffer", FromBuffer},
      {"toBuffer", ToBuffer},         {"meta", Meta},
      {"item", Item},                 {"dispose", Dispose},
      {"isDisposed", IsDisposed},     {"backward", Backward},
      {"grad", Grad},                 {"zeroGrad", ZeroGrad},
      {"requiresGrad", RequiresGrad}, {"setRequiresGrad", SetRequiresGrad},
      {"gradEnabled", GradEnabled},   {"setGradEnabled", SetGradEnabled},
      {"adamwStep", AdamwStep},       {"sgdStep", SgdStep},
      {"clipGradNorm", ClipGradNorm}, {"manualSeed", ManualSeed},
      {"setNumThreads", SetNumThreads}, {"numThreads", NumThreads},
      {"cudaDeviceCount", CudaDeviceCount}, {"memory", Memory},
      {"version", Version},           {"setReportExternal", SetReportExternal},
      {"retainFreedMemory", RetainFreedMemory}, {"useCount", UseCount},
      {"distributedSupport", DistributedSupport}, {"distInit", DistInit},
      {"distAllReduce", DistAllReduce}, {"distAllReduceGrads", DistAllReduceGrads},
      {"distBroadcast", DistBroadcast}, {"distAllGatherBytes", DistAllGatherBytes},
      {"distBarrier", DistBarrier},   {"distClose", DistClose},
  };
  for (const auto& [name, fn] : entries) exports.Set(name, Napi::Function::New(env, fn, name));
  return exports;
}

NODE_API_MODULE(linewise, Init)

}  // namespace linewise
