// A JavaScript tensor is a Napi::External holding one of these. dispose() drops the at::Tensor at once;
// the finalizer (run when V8 collects the External) only frees the small holder. Live counts feed memory().
#pragma once
#include <napi.h>
#include <ATen/ATen.h>

namespace linewise {

struct TensorHolder {
  at::Tensor tensor;
  int64_t bytes = 0;          // storage bytes, for memory()
  int64_t reportedBytes = 0;  // what this holder told V8 it keeps alive (AdjustExternalMemory)
  bool alive() const { return tensor.defined(); }
};

/** Wraps a tensor into a new JS handle, counting it as live. An undefined tensor becomes null. */
Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);

/** True when `value` is a tensor handle (alive or disposed). */
bool isTensorHandle(const Napi::Value& value);

/** The tensor behind a handle; throws a JS-facing error for disposed or non-tensor values. */
const at::Tensor& unwrapTensor(const Napi::Value& value, const char* what);

/** Frees the tensor behind a handle now; a second call does nothing. */
void disposeHandle(Napi::Env env, const Napi::Value& value);

/**
 * Whether new handles report their bytes to V8 as external memory. Off inside `scope()`: those tensors are
 * freed deterministically, and reporting them only made V8 run full collections that free nothing
 * (measured: ~10 per GPT training step, 4% of its time).
 */
void setReportExternal(bool on);

struct LiveFigures {
  int64_t tensors;
  int64_t bytes;
};
LiveFigures liveFigures();

}  // namespace linewise
