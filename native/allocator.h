// retainFreedMemory(mmapThresholdBytes, trimThresholdBytes, topPadBytes) -> bool: glibc's mallopt, see allocator.cc.
#pragma once
#include <napi.h>

namespace linewise {
Napi::Value RetainFreedMemory(const Napi::CallbackInfo& info);
}  // namespace linewise
