#include "errors.h"

#include <sstream>

#include "convert.h"
#include "handle.h"

namespace linewise {

std::string describeValue(const Napi::Value& v) {
  if (isTensorHandle(v)) {
    auto* holder = v.As<Napi::External<TensorHolder>>().Data();
    if (!holder->alive()) return "<disposed tensor>";
    std::ostringstream out;
    out << dtypeName(holder->tensor.scalar_type()) << "[";
    auto sizes = holder->tensor.sizes();
    for (size_t i = 0; i < sizes.size(); ++i) out << (i ? "," : "") << sizes[i];
    out << "]";
    if (!holder->tensor.device().is_cpu()) out << "@" << holder->tensor.device().str();
    return out.str();
  }
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsNumber()) {
    std::ostringstream out;
    out << v.As<Napi::Number>().DoubleValue();
    return out.str();
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsString()) return "'" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsArray()) {
    auto a = v.As<Napi::Array>();
    std::string out = "[";
    for (uint32_t i = 0; i < a.Length() && i < 8; ++i) out += (i ? ", " : "") + describeValue(a.Get(i));
    if (a.Length() > 8) out += ", …";
    return out + "]";
  }
  if (v.IsTypedArray()) return "<typed array>";
  if (v.IsObject()) return "{…}";
  return "<value>";
}

std::string describeArgs(const Napi::CallbackInfo& info, size_t from) {
  std::string out;
  for (size_t i = from; i < info.Length(); ++i) out += (i > from ? ", " : "") + describeValue(info[i]);
  return out;
}

}  // namespace linewise
