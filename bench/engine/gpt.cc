// The engine benchmark's baseline: the same GPT-2-style model and training step as
// src/torch/examples/tinyGpt.ts with optim/adamw.ts, written directly against libtorch's C++ API, so that
// bench/engine.ts can measure what the TypeScript layer costs on top of the same ATen kernels.
//
// Usage: gpt LAYERS WIDTH HEADS VOCAB BATCH SEQ STEPS [THREADS=cores [ATTENTION=matmul]]
//   one untimed warm-up step, then STEPS timed ones; prints
//   {"threads":N,"parameters":P,"torch":V,"stepsMs":[...],"cpuMs":[...],"phasesMs":{"forward":[...],"backward":[...],"optimizer":[...]},"loss":L}
//        gpt --serve LAYERS WIDTH HEADS VOCAB BATCH SEQ [THREADS=cores [ATTENTION=matmul]]
//   ATTENTION: "matmul" (matmul, causal mask, softmax, matmul) or "fused" (aten::scaled_dot_product_attention,
//   libtorch >= 2.0): the two paths of F.scaledDotProductAttention; bench/engine.ts passes the one it uses.
//   --serve reads a step count a line from stdin and answers each with that JSON line for those steps;
//        gpt add COUNT BATCHES
//   prints {"addUs":U}: one add of two 1-element tensors (result freed), the fastest of BATCHES batches of COUNT.
//
// Keep it op for op with the TypeScript side: the same ATen operators in the same order (the same attention
// path, with the causal mask rebuilt in each block on the matmul path; GELU without approximation), the same
// AdamW arithmetic as native/natives.cc AdamwStep, and gradients set to none after each step.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <torch/version.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Config {
  int64_t nLayer, dModel, nHead, vocabSize, batch, seq;
  bool fused;  // attention through aten::scaled_dot_product_attention instead of matmul and softmax
};

// The training hyper-parameters; bench/engine.ts uses the same ones (it passes them nowhere: keep in step).
constexpr double kLr = 3e-4, kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8, kWeightDecay = 0.01;

std::vector<at::Tensor> params;

at::Tensor parameter(at::Tensor t) {
  t.set_requires_grad(true);
  params.push_back(t);
  return t;
}

// PyTorch's default Linear init, as nn/layers.ts: uniform on (-1/√fanIn, 1/√fanIn).
struct Linear {
  at::Tensor weight, bias;
  Linear(int64_t in, int64_t out, bool withBias = true) {
    const double bound = 1 / std::sqrt(static_cast<double>(in));
    weight = parameter(at::rand({out, in}).mul(2 * bound).sub(bound));
    if (withBias) bias = parameter(at::rand({out}).mul(2 * bound).sub(bound));
  }
  at::Tensor forward(const at::Tensor& x) const { return at::linear(x, weight, bias); }
};

struct LayerNorm {
  at::Tensor weight, bias;
  int64_t dim;
  explicit LayerNorm(int64_t d) : weight(parameter(at::ones({d}))), bias(parameter(at::zeros({d}))), dim(d) {}
  at::Tensor forward(const at::Tensor& x) const { return at::layer_norm(x, {dim}, weight, bias, 1e-5); }
};

struct Block {
  LayerNorm ln1, ln2;
  Linear attn, proj, fc, fcProj;
  int64_t nHead;
  bool fused;
  explicit Block(const Config& c)
      : ln1(c.dModel), ln2(c.dModel), attn(c.dModel, 3 * c.dModel), proj(c.dModel, c.dModel),
        fc(c.dModel, 4 * c.dModel), fcProj(4 * c.dModel, c.dModel), nHead(c.nHead), fused(c.fused) {}

  // F.scaledDotProductAttention's two paths, causal: (B, nHead, T, headDim) -> (B, nHead, T, headDim)
  static at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool fused) {
#if TORCH_VERSION_MAJOR >= 2
    if (fused) return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
#endif
    // the matmul path, with its finite mask value
    const int64_t T = q.size(-2);
    at::Tensor scores = q.matmul(k.transpose(-2, -1)).mul(1 / std::sqrt(static_cast<double>(q.size(-1))));
    at::Tensor allowed = at::ones({T, T}, at::kBool).tril(0);
    scores = scores.masked_fill(allowed.logical_not(), -1e30);
    return scores.softmax(-1).matmul(v);
  }

  at::Tensor forward(at::Tensor x) const {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
    auto qkv = attn.forward(ln1.forward(x)).split(C, 2);
    auto heads = [&](const at::Tensor& t) { return t.view({B, T, nHead, C / nHead}).transpose(1, 2); };  // (B, nHead, T, headDim)
    at::Tensor y = attention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]), fused);  // (B, nHead, T, headDim)
    x = x.add(proj.forward(y.transpose(1, 2).contiguous().view({B, T, C})));
    return x.add(fcProj.forward(at::gelu(fc.forward(ln2.forward(x)))));
  }
};

struct Gpt {
  Config c;
  at::Tensor wte, wpe;
  std::vector<Block> blocks;
  LayerNorm lnF;
  Linear head;
  explicit Gpt(const Config& config)
      : c(config), wte(parameter(at::randn({c.vocabSize, c.dModel}).mul(0.02))),
        wpe(parameter(at::randn({c.seq, c.dModel}).mul(0.02))), lnF(c.dModel), head(c.dModel, c.vocabSize, false) {
    for (int64_t i = 0; i < c.nLayer; ++i) blocks.emplace_back(c);
  }

  at::Tensor loss(const at::Tensor& idx, const at::Tensor& targets) const {
    const int64_t T = idx.size(1);
    at::Tensor x = at::embedding(wte, idx).add(at::embedding(wpe, at::arange(0, T, 1, at::kLong)));  // (B, T, dModel)
    for (const Block& b : blocks) x = b.forward(x);
    at::Tensor logits = head.forward(lnF.forward(x));
    return at::cross_entropy_loss(logits.view({-1, c.vocabSize}), targets.view({-1}), {}, at::Reduction::Mean, -100, 0.0);
  }
};

// native/natives.cc AdamwStep, operation for operation.
void adamwStep(std::vector<at::Tensor>& expAvg, std::vector<at::Tensor>& expAvgSq, double step) {
  c10::NoGradGuard noGrad;
  const double biasCorrection1 = 1 - std::pow(kBeta1, step);
  const double biasCorrection2Sqrt = std::sqrt(1 - std::pow(kBeta2, step));
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor& p = params[i];
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (kWeightDecay != 0) p.mul_(1 - kLr * kWeightDecay);
    expAvg[i].lerp_(g, 1 - kBeta1);
    expAvgSq[i].mul_(kBeta2).addcmul_(g, g, 1 - kBeta2);
    at::Tensor denom = (expAvgSq[i].sqrt() / biasCorrection2Sqrt).add_(kEps);
    p.addcdiv_(expAvg[i], denom, -kLr / biasCorrection1);
  }
}

using Clock = std::chrono::steady_clock;

// CPU time of this process, all threads, in ms: less blurred than wall time when other processes compete.
double cpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

double ms(Clock::time_point from, Clock::time_point to) { return std::chrono::duration<double, std::milli>(to - from).count(); }

std::string jsonArray(const std::vector<double>& xs) {
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < xs.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.3f", i ? "," : "", xs[i]);
    out += buf;
  }
  return out + "]";
}

// Time of one add of two 1-element tensors (result freed): libtorch's own floor for a tiny op. The fastest
// of `batches` batches of `count`, as bench/engine.ts measures the TypeScript side.
int benchAdd(int64_t count, int64_t batches) {
  const at::Tensor a = at::ones({1}), b = at::ones({1});
  for (int64_t i = 0; i < 10 * count; ++i) at::add(a, b);  // warm-up
  double best = 1e300;
  for (int64_t batch = 0; batch < batches; ++batch) {
    const auto start = Clock::now();
    for (int64_t i = 0; i < count; ++i) at::add(a, b);
    best = std::min(best, ms(start, Clock::now()) * 1000 / static_cast<double>(count));
  }
  std::printf("{\"addUs\":%.4f}\n", best);
  return 0;
}

int64_t argAt(int argc, char** argv, int i, int64_t fallback) {
  if (i >= argc) return fallback;
  char* end = nullptr;
  long long v = std::strtoll(argv[i], &end, 10);
  if (*end != '\0' || v < 0) {
    std::fprintf(stderr, "gpt: argument %d ('%s') must be a non-negative integer\n", i, argv[i]);
    std::exit(2);
  }
  return v;
}

}  // namespace

// The model, its optimiser state and one fixed batch; `run(n)` trains n steps and reports their times as JSON.
struct Trainer {
  Gpt model;
  std::vector<at::Tensor> expAvg, expAvgSq;
  at::Tensor idx, targets;
  int64_t step = 0;

  explicit Trainer(const Config& c) : model(c) {
    for (const auto& p : params) expAvg.push_back(at::zeros_like(p)), expAvgSq.push_back(at::zeros_like(p));
    idx = at::randint(0, c.vocabSize, {c.batch, c.seq});
    targets = at::randint(0, c.vocabSize, {c.batch, c.seq});
  }

  std::string run(int64_t steps) {
    std::vector<double> stepsMs, cpuStepsMs, forwardMs, backwardMs, optimizerMs;
    double lastLoss = 0;
    for (int64_t s = 0; s < steps; ++s) {
      const double cpuStart = cpuMs();
      const auto start = Clock::now();
      at::Tensor loss = model.loss(idx, targets);
      const auto forwardEnd = Clock::now();
      loss.backward();
      const auto backwardEnd = Clock::now();
      adamwStep(expAvg, expAvgSq, static_cast<double>(++step));
      for (auto& p : params) p.mutable_grad().reset();
      const auto end = Clock::now();
      cpuStepsMs.push_back(cpuMs() - cpuStart);
      stepsMs.push_back(ms(start, end));
      forwardMs.push_back(ms(start, forwardEnd));
      backwardMs.push_back(ms(forwardEnd, backwardEnd));
      optimizerMs.push_back(ms(backwardEnd, end));
      lastLoss = loss.item<double>();
    }
    int64_t parameters = 0;
    for (const auto& p : params) parameters += p.numel();
    return "{\"threads\":" + std::to_string(at::get_num_threads()) + ",\"parameters\":" + std::to_string(parameters) +
           ",\"torch\":\"" TORCH_VERSION "\"" +
           ",\"stepsMs\":" + jsonArray(stepsMs) + ",\"cpuMs\":" + jsonArray(cpuStepsMs) + ",\"phasesMs\":{\"forward\":" + jsonArray(forwardMs) +
           ",\"backward\":" + jsonArray(backwardMs) + ",\"optimizer\":" + jsonArray(optimizerMs) +
           "},\"loss\":" + std::to_string(lastLoss) + "}";
  }
};

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "add") return benchAdd(argAt(argc, argv, 2, 0), argAt(argc, argv, 3, 0));
  const bool serve = argc > 1 && std::string(argv[1]) == "--serve";
  const int first = serve ? 2 : 1;  // index of LAYERS
  if (argc < first + (serve ? 6 : 7)) {
    std::fprintf(stderr, "usage: gpt LAYERS WIDTH HEADS VOCAB BATCH SEQ STEPS [THREADS [matmul|fused]]\n"
                         "       gpt --serve LAYERS WIDTH HEADS VOCAB BATCH SEQ [THREADS [matmul|fused]]\n"
                         "       gpt add COUNT BATCHES\n");
    return 2;
  }
  const int threadsAt = serve ? first + 6 : first + 7;
  const std::string attention = threadsAt + 1 < argc ? argv[threadsAt + 1] : "matmul";
  if (attention != "matmul" && attention != "fused") {
    std::fprintf(stderr, "gpt: ATTENTION must be 'matmul' or 'fused', not '%s'\n", attention.c_str());
    return 2;
  }
  if (attention == "fused" && TORCH_VERSION_MAJOR < 2) {
    std::fprintf(stderr, "gpt: libtorch %s has no aten::scaled_dot_product_attention; use 'matmul'\n", TORCH_VERSION);
    return 2;
  }
  const Config c{argAt(argc, argv, first, 0),     argAt(argc, argv, first + 1, 0), argAt(argc, argv, first + 2, 0),
                 argAt(argc, argv, first + 3, 0), argAt(argc, argv, first + 4, 0), argAt(argc, argv, first + 5, 0),
                 attention == "fused"};
  const int64_t threads = argAt(argc, argv, threadsAt, std::thread::hardware_concurrency());
  if (c.nHead == 0 || c.dModel % c.nHead != 0) {
    std::fprintf(stderr, "gpt: WIDTH (%lld) must be a multiple of HEADS (%lld)\n", (long long)c.dModel, (long long)c.nHead);
    return 2;
  }
  at::set_num_threads(static_cast<int>(threads));
  at::manual_seed(0);
  Trainer trainer(c);

  if (!serve) {
    trainer.run(1);  // warm-up: first-touch allocations
    std::printf("%s\n", trainer.run(argAt(argc, argv, first + 6, 0)).c_str());
    return 0;
  }
  // Serve: one step count a line on stdin, one JSON line back each, until end of input. The bench keeps this
  // process warm and alternates single steps with the TypeScript side.
  char line[64];
  while (std::fgets(line, sizeof line, stdin)) {
    std::printf("%s\n", trainer.run(std::strtoll(line, nullptr, 10)).c_str());
    std::fflush(stdout);
  }
  return 0;
}
