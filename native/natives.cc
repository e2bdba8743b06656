#include "natives.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <torch/version.h>
#include <cstring>
#include <stdexcept>

#include "convert.h"
#include "errors.h"
#include "handle.h"

namespace linewise {

namespace {

std::vector<int64_t> shapeFrom(const Napi::Value& v) {
  if (!v.IsArray()) throw std::invalid_argument("shape must be an array of integers");
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> shape(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) shape[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return shape;
}

std::vector<at::Tensor> tensorsFrom(const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw std::invalid_argument(std::string(what) + " must be an array of tensors");
  auto a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(unwrapTensor(a.Get(i), what));
  return out;
}

double numberAt(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }

}  // namespace

// fromBuffer(typedArray, shape, dtype, device?) -> tensor: copies the bytes (float16/bfloat16 come as Uint16Array).
Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  return guarded(info, "fromBuffer", 0, [&]() -> Napi::Value {
    if (!info[0].IsTypedArray()) throw std::invalid_argument("data must be a typed array");
    auto array = info[0].As<Napi::TypedArray>();
    auto shape = shapeFrom(info[1]);
    auto dtype = dtypeFromName(info[2].As<Napi::String>().Utf8Value());
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    size_t bytes = t.nbytes();
    if (array.ByteLength() != bytes) {
      throw std::invalid_argument("data has " + std::to_string(array.ByteLength()) + " bytes but shape and dtype need " +
                                  std::to_string(bytes));
    }
    auto* src = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    if (bytes > 0) std::memcpy(t.data_ptr(), src, bytes);
    if (info.Length() > 3 && info[3].IsString()) {
      std::string device = info[3].As<Napi::String>().Utf8Value();
      if (device != "cpu") t = t.to(c10::Device(device));
    }
    return wrapTensor(info.Env(), t);
  });
}

// toBuffer(tensor) -> ArrayBuffer with the elements in row-major order (copied to the CPU if needed).
Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  return guarded(info, "toBuffer", 0, [&]() -> Napi::Value {
    at::Tensor t = unwrapTensor(info[0], "tensor").detach().to(at::kCPU).contiguous();
    auto buffer = Napi::ArrayBuffer::New(info.Env(), t.nbytes());
    if (t.nbytes() > 0) std::memcpy(buffer.Data(), t.data_ptr(), t.nbytes());
    return buffer;
  });
}

// meta(tensor) -> [dtype, device, ...sizes]: everything the TypeScript side caches about a tensor.
Napi::Value Meta(const Napi::CallbackInfo& info) {
  return guarded(info, "meta", 0, [&]() -> Napi::Value {
    const at::Tensor& t = unwrapTensor(info[0], "tensor");
    auto sizes = t.sizes();
    auto out = Napi::Array::New(info.Env(), 2 + sizes.size());
    out.Set(0u, Napi::String::New(info.Env(), dtypeName(t.scalar_type())));
    out.Set(1u, Napi::String::New(info.Env(), t.device().str()));
    for (size_t i = 0; i < sizes.size(); ++i) out.Set(2 + i, Napi::Number::New(info.Env(), static_cast<double>(sizes[i])));
    return out;
  });
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  return guarded(info, "item", 0, [&]() -> Napi::Value {
    const at::Tensor& t = unwrapTensor(info[0], "tensor");
    if (t.numel() != 1) throw std::invalid_argument("item() needs a tensor with one element, got " + std::to_string(t.numel()));
    at::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(info.Env(), static_cast<double>(s.toLong()));
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  return guarded(info, "dispose", 0, [&]() -> Napi::Value {
    disposeHandle(info.Env(), info[0]);
    return info.Env().Undefined();
  });
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw Napi::Error::New(info.Env(), "isDisposed expects a tensor");
  return Napi::Boolean::New(info.Env(), !info[0].As<Napi::External<TensorHolder>>().Data()->alive());
}

// backward(tensor, gradient|null, retainGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  return guarded(info, "backward", 0, [&]() -> Napi::Value {
    const at::Tensor& t = unwrapTensor(info[0], "tensor");
    at::Tensor gradient;
    if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) gradient = unwrapTensor(info[1], "gradient");
    bool retain = info.Length() > 2 && info[2].ToBoolean().Value();
    t.backward(gradient, retain);
    return info.Env().Undefined();
  });
}

// useCount(tensor) -> how many references hold the tensor's storage object: 1 when only this handle does,
// more while an autograd graph saved it or accumulates into it (checkpoint.ts frees chains nobody can reach).
Napi::Value UseCount(const Napi::CallbackInfo& info) {
  return guarded(info, "useCount", 0, [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(unwrapTensor(info[0], "tensor").use_count()));
  });
}

Napi::Value Grad(const Napi::CallbackInfo& info) {
  return guarded(info, "grad", 0, [&]() -> Napi::Value {
    return wrapTensor(info.Env(), unwrapTensor(info[0], "tensor").grad());
  });
}

// zeroGrad(tensors): drops the gradients (set to None, as PyTorch's zero_grad(set_to_none=True)).
Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "zeroGrad", 0, [&]() -> Napi::Value {
    for (auto& t : tensorsFrom(info[0], "parameters")) t.mutable_grad().reset();
    return info.Env().Undefined();
  });
}

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "requiresGrad", 0, [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), unwrapTensor(info[0], "tensor").requires_grad());
  });
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "setRequiresGrad", 0, [&]() -> Napi::Value {
    at::Tensor t = unwrapTensor(info[0], "tensor");
    t.set_requires_grad(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

Napi::Value SetReportExternal(const Napi::CallbackInfo& info) {
  setReportExternal(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value GradEnabled(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled()); }

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  c10::GradMode::set_enabled(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

// adamwStep(params, expAvg, expAvgSq, step, lr, beta1, beta2, eps, weightDecay): one AdamW update in place
// (Loshchilov & Hutter: decoupled weight decay), with bias correction; parameters without a gradient are
// skipped. Same arithmetic as torch.optim.AdamW's single-tensor path.
Napi::Value AdamwStep(const Napi::CallbackInfo& info) {
  return guarded(info, "adamwStep", 3, [&]() -> Napi::Value {
    auto params = tensorsFrom(info[0], "params");
    auto expAvg = tensorsFrom(info[1], "expAvg");
    auto expAvgSq = tensorsFrom(info[2], "expAvgSq");
    const double step = numberAt(info, 3), lr = numberAt(info, 4), beta1 = numberAt(info, 5), beta2 = numberAt(info, 6),
                 eps = numberAt(info, 7), weightDecay = numberAt(info, 8);
    c10::NoGradGuard noGrad;
    const double biasCorrection1 = 1 - std::pow(beta1, step);
    const double biasCorrection2Sqrt = std::sqrt(1 - std::pow(beta2, step));
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor& p = params[i];
      const at::Tensor& g = p.grad();
      if (!g.defined()) continue;
      if (weightDecay != 0) p.mul_(1 - lr * weightDecay);
      expAvg[i].lerp_(g, 1 - beta1);
      expAvgSq[i].mul_(beta2).addcmul_(g, g, 1 - beta2);
      at::Tensor denom = (expAvgSq[i].sqrt() / biasCorrection2Sqrt).add_(eps);
      p.addcdiv_(expAvg[i], denom, -lr / biasCorrection1);
    }
    return info.Env().Undefined();
  });
}

// sgdStep(params, momentumBuffers|null, lr, momentum, weightDecay): plain or momentum SGD in place.
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  return guarded(info, "sgdStep", 2, [&]() -> Napi::Value {
    auto params = tensorsFrom(info[0], "params");
    std::vector<at::Tensor> buffers;
    if (!info[1].IsNull()) buffers = tensorsFrom(info[1], "momentumBuffers");
    const double lr = numberAt(info, 2), momentum = numberAt(info, 3), weightDecay = numberAt(info, 4);
    c10::NoGradGuard noGrad;
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor& p = params[i];
      if (!p.grad().defined()) continue;
      at::Tensor d = weightDecay != 0 ? p.grad().add(p, weightDecay) : p.grad();
      if (momentum != 0 && i < buffers.size()) {
        buffers[i].mul_(momentum).add_(d);
        d = buffers[i];
      }
      p.add_(d, -lr);
    }
    return info.Env().Undefined();
  });
}

// clipGradNorm(params, maxNorm) -> total L2 norm before clipping, as torch.nn.utils.clip_grad_norm_.
Napi::Value ClipGradNorm(const Napi::CallbackInfo& info) {
  return guarded(info, "clipGradNorm", 1, [&]() -> Napi::Value {
    auto params = tensorsFrom(info[0], "params");
    const double maxNorm = numberAt(info, 1);
    c10::NoGradGuard noGrad;
    std::vector<at::Tensor> norms;
    for (auto& p : params)
      if (p.grad().defined()) norms.push_back(p.grad().detach().norm(2).to(at::kFloat));
    if (norms.empty()) return Napi::Number::New(info.Env(), 0.0);
    double total = at::stack(norms).norm(2).item<double>();
    const double coef = maxNorm / (total + 1e-6);
    if (coef < 1)
      for (auto& p : params)
        if (p.grad().defined()) p.mutable_grad().mul_(coef);
    return Napi::Number::New(info.Env(), total);
  });
}

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  return guarded(info, "manualSeed", 0, [&]() -> Napi::Value {
    at::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, "setNumThreads", 0, [&]() -> Napi::Value {
    at::set_num_threads(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  });
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::hasCUDA() ? static_cast<double>(at::getNumGPUs()) : 0.0);
}

// memory() -> {tensors, bytes}: live tensor handles and the storage bytes they hold.
Napi::Value Memory(const Napi::CallbackInfo& info) {
  auto figures = liveFigures();
  auto out = Napi::Object::New(info.Env());
  out.Set("tensors", Napi::Number::New(info.Env(), static_cast<double>(figures.tensors)));
  out.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(figures.bytes)));
  return out;
}

// version() -> {torch, config}: the libtorch version compiled against and its build configuration.
Napi::Value Version(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("torch", Napi::String::New(info.Env(), TORCH_VERSION));
  out.Set("config", Napi::String::New(info.Env(), at::show_config()));
  out.Set("parallel", Napi::String::New(info.Env(), at::get_parallel_info()));
  return out;
}

}  // namespace linewise
