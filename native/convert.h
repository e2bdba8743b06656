// JavaScript values <-> IValues, steered by the operator schema's argument types.
#pragma once
#include <napi.h>
#include <ATen/core/ivalue.h>
#include <ATen/core/function_schema.h>

namespace linewise {

/** Converts one JS value to the IValue an argument of `arg`'s type expects; throws std errors on mismatch. */
c10::IValue toIValue(const Napi::Value& value, const c10::Argument& arg);

/** Converts an operator's result back: tensors become handles, lists arrays, None null. */
Napi::Value fromIValue(Napi::Env env, const c10::IValue& value);

/** The ScalarType for a dtype name ("float32", "int64", …); throws for unknown names. */
c10::ScalarType dtypeFromName(const std::string& name);

/** The dtype name for a ScalarType ("float32", …). */
const char* dtypeName(c10::ScalarType type);

}  // namespace linewise
