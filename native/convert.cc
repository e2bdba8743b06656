#include "convert.h"

#include <ATen/ATen.h>
#include <stdexcept>

#include "errors.h"
#include "handle.h"

namespace linewise {

namespace {

struct DtypeName {
  const char* name;
  c10::ScalarType type;
};
const DtypeName kDtypes[] = {
    {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf}, {"bfloat16", at::kBFloat16},
    {"int64", at::kLong},    {"int32", at::kInt},      {"int16", at::kShort},   {"int8", at::kChar},
    {"uint8", at::kByte},    {"bool", at::kBool},
};

std::string argError(const c10::Argument& arg, const std::string& expected, const Napi::Value& got) {
  return "argument '" + arg.name() + "' expects " + expected + ", got " + describeValue(got);
}

int64_t toInt(const Napi::Value& v, const c10::Argument& arg) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) throw std::invalid_argument(argError(arg, "an integer", v));
    return static_cast<int64_t>(d);
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  if (v.IsString()) {
    // dtype, layout and memory-format arguments are integers in schemas; accept their names.
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s == "strided") return static_cast<int64_t>(at::kStrided);
    if (s == "contiguous_format") return static_cast<int64_t>(at::MemoryFormat::Contiguous);
    if (s == "preserve_format") return static_cast<int64_t>(at::MemoryFormat::Preserve);
    return static_cast<int64_t>(dtypeFromName(s));
  }
  throw std::invalid_argument(argError(arg, "an integer", v));
}

at::Scalar toScalar(const Napi::Value& v, const c10::Argument& arg) {
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    // JS has one number type; a whole number becomes an integer Scalar, as Python's 2 (not 2.0) does.
    if (std::isfinite(d) && d == static_cast<double>(static_cast<int64_t>(d))) return at::Scalar(static_cast<int64_t>(d));
    return at::Scalar(d);
  }
  throw std::invalid_argument(argError(arg, "a number", v));
}

at::Tensor toTensor(const Napi::Value& v, const c10::Argument& arg) {
  if (isTensorHandle(v)) return unwrapTensor(v, ("argument '" + arg.name() + "'").c_str());
  if (v.IsNumber() || v.IsBoolean()) {
    // A plain number where a tensor is expected: a "wrapped number", so type promotion treats it like a
    // Python scalar (float32 tensor + 2.5 stays float32).
    at::Tensor t = at::scalar_to_tensor(toScalar(v, arg));
    t.unsafeGetTensorImpl()->set_wrapped_number(true);
    return t;
  }
  throw std::invalid_argument(argError(arg, "a tensor", v));
}

c10::IValue toList(const Napi::Value& v, const c10::TypePtr& elem, const c10::Argument& arg) {
  auto kind = elem->kind();
  const bool isIntLike = kind == c10::TypeKind::IntType || kind == c10::TypeKind::SymIntType;
  if (!v.IsArray()) {
    // A fixed-size list argument (int[2] stride) accepts one number, repeated, as PyTorch does.
    if (isIntLike && v.IsNumber()) {
      c10::List<int64_t> list;
      size_t n = arg.N() ? *arg.N() : 1;
      for (size_t i = 0; i < n; ++i) list.push_back(toInt(v, arg));
      return list;
    }
    throw std::invalid_argument(argError(arg, "an array", v));
  }
  auto array = v.As<Napi::Array>();
  const uint32_t n = array.Length();
  if (isIntLike) {
    c10::List<int64_t> list;
    list.reserve(n);
    for (uint32_t i = 0; i < n; ++i) list.push_back(toInt(array.Get(i), arg));
    return list;
  }
  if (kind == c10::TypeKind::FloatType) {
    c10::List<double> list;
    for (uint32_t i = 0; i < n; ++i) list.push_back(array.Get(i).ToNumber().DoubleValue());
    return list;
  }
  if (kind == c10::TypeKind::BoolType) {
    c10::List<bool> list;
    for (uint32_t i = 0; i < n; ++i) list.push_back(array.Get(i).ToBoolean().Value());
    return list;
  }
  if (kind == c10::TypeKind::TensorType) {
    c10::List<at::Tensor> list;
    list.reserve(n);
    for (uint32_t i = 0; i < n; ++i) list.push_back(toTensor(array.Get(i), arg));
    return list;
  }
  if (kind == c10::TypeKind::OptionalType &&
      elem->expectRef<c10::OptionalType>().getElementType()->kind() == c10::TypeKind::TensorType) {
    c10::List<c10::optional<at::Tensor>> list;
    for (uint32_t i = 0; i < n; ++i) {
      Napi::Value item = array.Get(i);
      if (item.IsNull() || item.IsUndefined()) list.push_back(c10::nullopt);
      else list.push_back(toTensor(item, arg));
    }
    return list;
  }
  throw std::invalid_argument("argument '" + arg.name() + "' has unsupported list type " + elem->str());
}

c10::IValue convert(const Napi::Value& v, const c10::TypePtr& type, const c10::Argument& arg) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return convert(v, type->expectRef<c10::OptionalType>().getElementType(), arg);
    case c10::TypeKind::TensorType:
      return toTensor(v, arg);
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType:
      return toInt(v, arg);
    case c10::TypeKind::FloatType:
      if (!v.IsNumber()) throw std::invalid_argument(argError(arg, "a number", v));
      return v.As<Napi::Number>().DoubleValue();
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) throw std::invalid_argument(argError(arg, "a boolean", v));
      return v.As<Napi::Boolean>().Value();
    case c10::TypeKind::NumberType:
      return toScalar(v, arg);
    case c10::TypeKind::StringType:
      if (!v.IsString()) throw std::invalid_argument(argError(arg, "a string", v));
      return v.As<Napi::String>().Utf8Value();
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) throw std::invalid_argument(argError(arg, "a device name like 'cpu' or 'cuda:0'", v));
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::ListType:
      return toList(v, type->expectRef<c10::ListType>().getElementType(), arg);
    case c10::TypeKind::GeneratorType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      throw std::invalid_argument("argument '" + arg.name() + "': generators are not supported; use manualSeed");
    default:
      throw std::invalid_argument("argument '" + arg.name() + "' has unsupported type " + type->str());
  }
}

}  // namespace

c10::ScalarType dtypeFromName(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return d.type;
  throw std::invalid_argument("unknown dtype '" + name +
                              "' (expected float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8 or bool)");
}

const char* dtypeName(c10::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return d.name;
  return c10::toString(type);
}

c10::IValue toIValue(const Napi::Value& value, const c10::Argument& arg) { return convert(value, arg.type(), arg); }

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return wrapTensor(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) out.Set(i, wrapTensor(env, list.get(i)));
    return out;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) out.Set(i, fromIValue(env, list[i]));
    return out;
  }
  if (v.isTuple()) {
    const auto& elements = v.toTupleRef().elements();
    auto out = Napi::Array::New(env, elements.size());
    for (size_t i = 0; i < elements.size(); ++i) out.Set(i, fromIValue(env, elements[i]));
    return out;
  }
  throw std::invalid_argument(std::string("cannot return a value of kind ") + v.tagKind());
}

}  // namespace linewise
