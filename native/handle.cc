#include "handle.h"

#include <stdexcept>

namespace linewise {

namespace {
int64_t liveTensors = 0;
int64_t liveBytes = 0;
bool reportExternal = true;

// Storage bytes a tensor keeps alive; views of one storage each count it (an over-estimate, which only
// makes V8's garbage collector a little keener — the FinalizationRegistry is a backstop, not the rule).
int64_t bytesOf(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return 0;
  return static_cast<int64_t>(t.storage().nbytes());
}

void release(Napi::Env env, TensorHolder* holder) {
  if (!holder->alive()) return;
  liveTensors -= 1;
  liveBytes -= holder->bytes;
  if (holder->reportedBytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -holder->reportedBytes);
  holder->reportedBytes = 0;
  holder->tensor = at::Tensor();
}
}  // namespace

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  auto* holder = new TensorHolder{std::move(tensor)};
  holder->bytes = bytesOf(holder->tensor);
  // Views share a storage already reported by its owner; only a storage's first handle reports it.
  const bool owner = holder->tensor.has_storage() && holder->tensor.storage().use_count() == 1;
  holder->reportedBytes = reportExternal && owner && holder->tensor.device().is_cpu() ? holder->bytes : 0;
  liveTensors += 1;
  liveBytes += holder->bytes;
  if (holder->reportedBytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, holder->reportedBytes);
  return Napi::External<TensorHolder>::New(env, holder, [](Napi::Env env, TensorHolder* h) {
    release(env, h);
    delete h;
  });
}

bool isTensorHandle(const Napi::Value& value) { return value.IsExternal(); }

const at::Tensor& unwrapTensor(const Napi::Value& value, const char* what) {
  if (!value.IsExternal()) throw std::invalid_argument(std::string(what) + " must be a tensor");
  auto* holder = value.As<Napi::External<TensorHolder>>().Data();
  if (!holder->alive()) throw std::invalid_argument(std::string(what) + " is a disposed tensor");
  return holder->tensor;
}

void disposeHandle(Napi::Env env, const Napi::Value& value) {
  if (!value.IsExternal()) throw std::invalid_argument("dispose expects a tensor");
  release(env, value.As<Napi::External<TensorHolder>>().Data());
}

void setReportExternal(bool on) { reportExternal = on; }

LiveFigures liveFigures() { return {liveTensors, liveBytes}; }

}  // namespace linewise
