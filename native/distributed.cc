// c10d bindings: rendezvous through a TCPStore (rank 0 hosts it, as torchrun's MASTER_ADDR:MASTER_PORT),
// a ProcessGroupGloo over TCP, and the collectives data-parallel training uses. Gloo runs on CPU tensors;
// a CUDA build would add ProcessGroupNCCL as a second kind of group here (same calls, CUDA tensors), which
// this file does not do yet (README, "Data-parallel training").
//
// Every collective is an AsyncWorker: the body runs on a libuv worker thread and blocks there until the
// other ranks join, while the JavaScript thread keeps its event loop. The body holds its own references to
// the tensors and the group, so a handle disposed or a group closed meanwhile frees nothing under it.
#include "distributed.h"

#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "handle.h"

#if LINEWISE_DISTRIBUTED
// the macro libtorch's own build defines when it compiles Gloo in; its headers hide the class without it
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace linewise {

#if LINEWISE_DISTRIBUTED

namespace {

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};
using GroupRef = std::shared_ptr<Group>;

/** A Promise whose body runs off the JavaScript thread; a C++ exception rejects it with `name: what`. */
class Job : public Napi::AsyncWorker {
 public:
  Job(Napi::Env env, std::string name, std::function<void()> body,
      std::function<Napi::Value(Napi::Env)> result = nullptr)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), name_(std::move(name)),
        body_(std::move(body)), result_(std::move(result)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      c10::NoGradGuard noGrad;  // grad mode is per thread; nothing here is differentiated
      body_();
    } catch (const c10::Error& e) {
      SetError(name_ + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
      SetError(name_ + ": " + e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(result_ ? result_(Env()) : Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string name_;
  std::function<void()> body_;
  std::function<Napi::Value(Napi::Env)> result_;
};

Napi::Value start(Job* job) {
  auto promise = job->promise();
  job->Queue();
  return promise;
}

using Gloo = c10::intrusive_ptr<c10d::ProcessGroupGloo>;

/** The process group behind a handle (a reference of the caller's own); a closed group is a one-line error. */
Gloo groupFrom(const Napi::Value& v, const std::string& name) {
  if (!v.IsExternal()) throw Napi::TypeError::New(v.Env(), name + ": the first argument must be a process group");
  GroupRef group = *v.As<Napi::External<GroupRef>>().Data();
  if (!group->pg) throw Napi::Error::New(v.Env(), name + ": the process group is closed");
  return group->pg;
}

std::vector<at::Tensor> tensorsFrom(const Napi::Value& v, const std::string& name) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), name + ": tensors must be an array");
  auto a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    try {
      out.push_back(unwrapTensor(a.Get(i), "tensor"));
    } catch (const std::exception& e) {
      throw Napi::TypeError::New(v.Env(), name + ": element " + std::to_string(i) + ": " + e.what());
    }
  }
  return out;
}

/**
 * Runs `collective` on buckets of `tensors` instead of on each: consecutive tensors of one dtype and device
 * are flattened into one buffer of at most `bucketBytes` (a larger tensor is a bucket of its own), the
 * collective runs once on it, and the results are copied back. Few large messages instead of one per
 * parameter, as DistributedDataParallel's buckets (25 MiB by default; Li et al. 2020, "PyTorch Distributed").
 */
void bucketed(std::vector<at::Tensor>& tensors, int64_t bucketBytes,
              const std::function<void(at::Tensor&)>& collective) {
  size_t i = 0;
  while (i < tensors.size()) {
    size_t j = i + 1;
    int64_t bytes = static_cast<int64_t>(tensors[i].nbytes());
    while (j < tensors.size() && tensors[j].scalar_type() == tensors[i].scalar_type() &&
           tensors[j].device() == tensors[i].device() &&
           bytes + static_cast<int64_t>(tensors[j].nbytes()) <= bucketBytes) {
      bytes += static_cast<int64_t>(tensors[j].nbytes());
      ++j;
    }
    if (j == i + 1 && tensors[i].is_contiguous()) {
      collective(tensors[i]);  // in place: nothing to flatten
    } else {
      std::vector<at::Tensor> flat;
      for (size_t k = i; k < j; ++k) flat.push_back(tensors[k].reshape({-1}));
      at::Tensor buffer = at::cat(flat);
      collective(buffer);
      int64_t offset = 0;
      for (size_t k = i; k < j; ++k) {
        const int64_t n = tensors[k].numel();
        tensors[k].copy_(buffer.narrow(0, offset, n).view_as(tensors[k]));
        offset += n;
      }
    }
    i = j;
  }
}

void allReduceSum(const Gloo& group, at::Tensor& t) {
  std::vector<at::Tensor> one{t};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp::SUM;
  group->allreduce(one, opts)->wait();
}

int64_t bucketBytesAt(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int64Value() : (25 << 20);
}

}  // namespace

Napi::Value DistributedSupport(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ""); }

Napi::Value DistInit(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "distInit: expects {addr, port, rank, size, timeoutMs}");
  auto o = info[0].As<Napi::Object>();
  const std::string addr = o.Get("addr").As<Napi::String>().Utf8Value();
  const int port = o.Get("port").As<Napi::Number>().Int32Value();
  const int rank = o.Get("rank").As<Napi::Number>().Int32Value();
  const int size = o.Get("size").As<Napi::Number>().Int32Value();
  const std::chrono::milliseconds timeout(o.Get("timeoutMs").As<Napi::Number>().Int64Value());
  const std::string iface = o.Get("iface").IsString() ? o.Get("iface").As<Napi::String>().Utf8Value() : "";
  const std::string hostname = o.Get("hostname").IsString() ? o.Get("hostname").As<Napi::String>().Utf8Value() : "";
  auto group = std::make_shared<Group>();
  auto* job = new Job(
      env, "distInit(" + addr + ":" + std::to_string(port) + ", rank " + std::to_string(rank) + " of " + std::to_string(size) + ")",
      [=]() {
        c10d::TCPStoreOptions storeOptions;
        storeOptions.port = static_cast<std::uint16_t>(port);
        storeOptions.isServer = rank == 0;
        storeOptions.numWorkers = size;
        storeOptions.waitWorkers = true;
        storeOptions.timeout = timeout;
        group->store = c10::make_intrusive<c10d::TCPStore>(addr, storeOptions);
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        // The address the other ranks reach this one at: GLOO_SOCKET_IFNAME's interface, else the given
        // host name (the loopback for local ranks), else the one this machine's hostname resolves to.
        options->devices.push_back(!iface.empty()      ? c10d::ProcessGroupGloo::createDeviceForInterface(iface)
                                   : !hostname.empty() ? c10d::ProcessGroupGloo::createDeviceForHostname(hostname)
                                                       : c10d::ProcessGroupGloo::createDefaultDevice());
        group->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, rank, size, options);
      },
      [group](Napi::Env env) -> Napi::Value {
        return Napi::External<GroupRef>::New(env, new GroupRef(group), [](Napi::Env, GroupRef* g) { delete g; });
      });
  return start(job);
}

Napi::Value DistAllReduce(const Napi::CallbackInfo& info) {
  auto group = groupFrom(info[0], "distAllReduce");
  auto tensors = tensorsFrom(info[1], "distAllReduce");
  const int64_t bucketBytes = bucketBytesAt(info, 2);
  return start(new Job(info.Env(), "distAllReduce", [=]() mutable {
    bucketed(tensors, bucketBytes, [&](at::Tensor& t) { allReduceSum(group, t); });
  }));
}

Napi::Value DistAllReduceGrads(const Napi::CallbackInfo& info) {
  auto group = groupFrom(info[0], "distAllReduceGrads");
  auto params = tensorsFrom(info[1], "distAllReduceGrads");
  const int64_t bucketBytes = bucketBytesAt(info, 2);
  return start(new Job(info.Env(), "distAllReduceGrads", [=]() mutable {
    // A rank whose share had no row (or never used a parameter) still adds its zeros, so every rank runs
    // the same collectives in the same order.
    std::vector<at::Tensor> grads;
    for (auto& p : params) {
      if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
      grads.push_back(p.grad());
    }
    bucketed(grads, bucketBytes, [&](at::Tensor& t) { allReduceSum(group, t); });
  }));
}

Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  auto group = groupFrom(info[0], "distBroadcast");
  auto tensors = tensorsFrom(info[1], "distBroadcast");
  const int root = info[2].As<Napi::Number>().Int32Value();
  const int64_t bucketBytes = bucketBytesAt(info, 3);
  return start(new Job(info.Env(), "distBroadcast", [=]() mutable {
    bucketed(tensors, bucketBytes, [&](at::Tensor& t) {
      std::vector<at::Tensor> one{t};
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      group->broadcast(one, opts)->wait();
    });
  }));
}

Napi::Value DistAllGatherBytes(const Napi::CallbackInfo& info) {
  auto group = groupFrom(info[0], "distAllGatherBytes");
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "distAllGatherBytes: data must be a Uint8Array");
  auto array = info[1].As<Napi::TypedArray>();
  auto* src = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  auto mine = std::make_shared<std::vector<uint8_t>>(src, src + array.ByteLength());
  auto gathered = std::make_shared<std::vector<std::vector<uint8_t>>>();
  auto* job = new Job(
      info.Env(), "distAllGatherBytes",
      [=]() {
        // Gloo gathers equal sizes: first every rank's length, then each buffer padded to the longest.
        const int size = group->getSize();
        std::vector<at::Tensor> length{at::full({1}, static_cast<int64_t>(mine->size()), at::kLong)};
        std::vector<std::vector<at::Tensor>> lengths(1);
        for (int r = 0; r < size; ++r) lengths[0].push_back(at::empty({1}, at::kLong));
        group->allgather(lengths, length)->wait();
        int64_t longest = 1;
        for (auto& l : lengths[0]) longest = std::max(longest, l.item<int64_t>());
        std::vector<at::Tensor> padded{at::zeros({longest}, at::kByte)};
        if (!mine->empty()) std::memcpy(padded[0].data_ptr(), mine->data(), mine->size());
        std::vector<std::vector<at::Tensor>> buffers(1);
        for (int r = 0; r < size; ++r) buffers[0].push_back(at::empty({longest}, at::kByte));
        group->allgather(buffers, padded)->wait();
        for (int r = 0; r < size; ++r) {
          auto* p = buffers[0][r].data_ptr<uint8_t>();
          gathered->emplace_back(p, p + lengths[0][r].item<int64_t>());
        }
      },
      [gathered](Napi::Env env) -> Napi::Value {
        auto out = Napi::Array::New(env, gathered->size());
        for (size_t r = 0; r < gathered->size(); ++r) {
          auto buffer = Napi::ArrayBuffer::New(env, (*gathered)[r].size());
          if (!(*gathered)[r].empty()) std::memcpy(buffer.Data(), (*gathered)[r].data(), (*gathered)[r].size());
          out.Set(static_cast<uint32_t>(r), buffer);
        }
        return out;
      });
  return start(job);
}

Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  auto group = groupFrom(info[0], "distBarrier");
  return start(new Job(info.Env(), "distBarrier", [=]() { group->barrier()->wait(); }));
}

Napi::Value DistClose(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "distClose: expects a process group");
  GroupRef group = *info[0].As<Napi::External<GroupRef>>().Data();
  group->pg.reset();  // collectives in flight hold their own references
  group->store.reset();
  return info.Env().Undefined();
}

#else  // built without c10d's Gloo headers

namespace {
const char* const kNoDistributed =
    "linewise: this build of the addon has no torch.distributed (its libtorch has no c10d Gloo headers, or "
    "Gloo's headers were missing when it was built); use the default build, Debian's libtorch-dev with "
    "libgloo-dev ('bash scripts/setup')";

Napi::Value unsupported(const Napi::CallbackInfo& info) {
  throw Napi::Error::New(info.Env(), kNoDistributed);
}
}  // namespace

Napi::Value DistributedSupport(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kNoDistributed);
}
Napi::Value DistInit(const Napi::CallbackInfo& info) { return unsupported(info); }
Napi::Value DistAllReduce(const Napi::CallbackInfo& info) { return unsupported(info); }
Napi::Value DistAllReduceGrads(const Napi::CallbackInfo& info) { return unsupported(info); }
Napi::Value DistBroadcast(const Napi::CallbackInfo& info) { return unsupported(info); }
Napi::Value DistAllGatherBytes(const Napi::CallbackInfo& info) { return unsupported(info); }
Napi::Value DistBarrier(const Napi::CallbackInfo& info) { return unsupported(info); }
Napi::Value DistClose(const Napi::CallbackInfo& info) { return unsupported(info); }

#endif

}  // namespace linewise
