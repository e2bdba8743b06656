// Every entry point runs inside `guarded`, which turns any C++ exception (c10::Error from libtorch, or our
// own std exceptions) into a JavaScript Error naming the entry point and describing its arguments, so a
// libtorch error never crashes the process.
#pragma once
#include <napi.h>
#include <c10/util/Exception.h>
#include <string>

namespace linewise {

/** "float32[2,3]" for a tensor, the value for a number, "[…]" for an array: for error messages. */
std::string describeValue(const Napi::Value& v);

/** Describes info[from..] as a comma-separated list. */
std::string describeArgs(const Napi::CallbackInfo& info, size_t from);

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, const std::string& name, size_t firstArg, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), name + "(" + describeArgs(info, firstArg) + "): " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), name + "(" + describeArgs(info, firstArg) + "): " + e.what());
  }
}

}  // namespace linewise
