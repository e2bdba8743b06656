// The entry points the dispatcher cannot serve: typed-array I/O, autograd control, optimiser steps,
// seeds, threads, devices, memory figures.
#pragma once
#include <napi.h>

namespace linewise {
Napi::Value FromBuffer(const Napi::CallbackInfo& info);
Napi::Value ToBuffer(const Napi::CallbackInfo& info);
Napi::Value Meta(const Napi::CallbackInfo& info);
Napi::Value Item(const Napi::CallbackInfo& info);
Napi::Value Dispose(const Napi::CallbackInfo& info);
Napi::Value IsDisposed(const Napi::CallbackInfo& info);
Napi::Value Backward(const Napi::CallbackInfo& info);
Napi::Value Grad(const Napi::CallbackInfo& info);
Napi::Value ZeroGrad(const Napi::CallbackInfo& info);
Napi::Value RequiresGrad(const Napi::CallbackInfo& info);
Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info);
Napi::Value GradEnabled(const Napi::CallbackInfo& info);
Napi::Value SetReportExternal(const Napi::CallbackInfo& info);
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info);
Napi::Value AdamwStep(const Napi::CallbackInfo& info);
Napi::Value SgdStep(const Napi::CallbackInfo& info);
Napi::Value ClipGradNorm(const Napi::CallbackInfo& info);
Napi::Value ManualSeed(const Napi::CallbackInfo& info);
Napi::Value SetNumThreads(const Napi::CallbackInfo& info);
Napi::Value NumThreads(const Napi::CallbackInfo& info);
Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info);
Napi::Value Memory(const Napi::CallbackInfo& info);
Napi::Value Version(const Napi::CallbackInfo& info);
Napi::Value UseCount(const Napi::CallbackInfo& info);
}  // namespace linewise
