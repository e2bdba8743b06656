// The generic entry point: any ATen operator, by name and overload, through the dispatcher's boxed call.
// A boxed call goes through every dispatch key (autograd included), so gradients are recorded as for a
// direct C++ call, at about the same cost (DESIGN.md, "The tensor engine").
#include "dispatch.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <stdexcept>
#include <vector>

#include "convert.h"
#include "errors.h"
#include "handle.h"

namespace linewise {

namespace {
std::vector<c10::OperatorHandle> operators;  // indexed by the id `findOperator` hands out
std::vector<std::string> operatorNames;

bool isKwargs(const Napi::Value& v) {
  return v.IsObject() && !v.IsArray() && !v.IsExternal() && !v.IsTypedArray() && !v.IsArrayBuffer();
}
}  // namespace

Napi::Value FindOperator(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  return guarded(info, "findOperator", 0, [&]() -> Napi::Value {
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle) {
      throw std::invalid_argument("unknown operator " + name + (overload.empty() ? "" : "." + overload) +
                                  " (names look like 'aten::add' with overload 'Tensor')");
    }
    operators.push_back(*handle);
    operatorNames.push_back(name + (overload.empty() ? "" : "." + overload));
    return Napi::Number::New(info.Env(), static_cast<double>(operators.size() - 1));
  });
}

Napi::Value OperatorSchema(const Napi::CallbackInfo& info) {
  size_t id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= operators.size()) throw Napi::Error::New(info.Env(), "operatorSchema: unknown operator id");
  std::ostringstream out;
  out << operators[id].schema();
  return Napi::String::New(info.Env(), out.str());
}

// call(id, ...args[, kwargs]): positional arguments in schema order, then optionally one plain object of
// keyword arguments; missing arguments take their schema defaults.
Napi::Value Call(const Napi::CallbackInfo& info) {
  size_t id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= operators.size()) throw Napi::Error::New(info.Env(), "call: unknown operator id");
  return guarded(info, operatorNames[id], 1, [&]() -> Napi::Value {
    const auto& op = operators[id];
    const auto& schema = op.schema();
    const auto& arguments = schema.arguments();

    size_t positional = info.Length() - 1;
    Napi::Object kwargs;
    bool hasKwargs = positional > 0 && isKwargs(info[info.Length() - 1]);
    if (hasKwargs) {
      kwargs = info[info.Length() - 1].As<Napi::Object>();
      positional -= 1;
    }
    if (positional > arguments.size()) {
      throw std::invalid_argument("takes at most " + std::to_string(arguments.size()) + " arguments, got " +
                                  std::to_string(positional));
    }

    torch::jit::Stack stack;
    stack.reserve(arguments.size());
    size_t usedKwargs = 0;
    for (size_t i = 0; i < arguments.size(); ++i) {
      const auto& arg = arguments[i];
      if (i < positional) {
        stack.push_back(toIValue(info[i + 1], arg));
      } else if (hasKwargs && kwargs.Has(arg.name())) {
        stack.push_back(toIValue(kwargs.Get(arg.name()), arg));
        usedKwargs += 1;
      } else if (arg.default_value()) {
        stack.push_back(*arg.default_value());
      } else {
        throw std::invalid_argument("missing argument '" + arg.name() + "'");
      }
    }
    if (hasKwargs && usedKwargs != kwargs.GetPropertyNames().Length()) {
      throw std::invalid_argument("unknown keyword argument; the schema is " + [&] {
        std::ostringstream out;
        out << schema;
        return out.str();
      }());
    }

    op.callBoxed(&stack);

    if (stack.empty()) return info.Env().Undefined();
    if (stack.size() == 1) return fromIValue(info.Env(), stack[0]);
    auto out = Napi::Array::New(info.Env(), stack.size());
    for (size_t i = 0; i < stack.size(); ++i) out.Set(i, fromIValue(info.Env(), stack[i]));
    return out;
  });
}

}  // namespace linewise
