#pragma once
#include <napi.h>

namespace linewise {
/** findOperator(name, overload) -> id: looks an operator up once, so calls skip the name lookup. */
Napi::Value FindOperator(const Napi::CallbackInfo& info);
/** operatorSchema(id) -> the schema string, for error messages and docs. */
Napi::Value OperatorSchema(const Napi::CallbackInfo& info);
/** call(id, ...args[, kwargs]) -> result: the boxed dispatcher call. */
Napi::Value Call(const Napi::CallbackInfo& info);
}  // namespace linewise
