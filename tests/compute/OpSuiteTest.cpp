// The op suite (the idea of ggml's test-backend-ops): every op on every available backend, each as a
// one-op graph with random inputs in guarded buffers, compared with a fresh CPU backend by NMSE and with
// naive double-precision loops written here (the second comparison is what lets the CPU backend fail).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

#include "OpTestSupport.h"
#include "compute/OptimizerMath.h"

namespace nsb::compute::test {
namespace {

struct OpCase {
  std::string name;
  std::vector<HostTensor> tensors;   // every tensor the op touches, inputs and outputs
  std::vector<std::size_t> outputs;  // indices into tensors of what the op writes
  std::function<Op(const std::vector<Tensor>&)> build;
  std::vector<std::vector<double>> expected;  // naive double reference, one per output
  // Against the naive reference: float rounding of float inputs stays near 1e-7 relative per element,
  // so 1e-10 fails any real mistake (a wrong element gives NMSE ~1/size) yet passes rounding.
  double referenceNmse = 1e-10;
  // Per output: where > 0, compare with both references by max absolute error instead of NMSE (for
  // outputs that are all near zero, where NMSE divides rounding noise by almost nothing).
  std::vector<double> referenceAbsolute;
  // Against the CPU backend: ggml's default.
  double backendNmse = 1e-7;
};

struct RunResult {
  std::vector<std::vector<double>> outputs;
  std::vector<std::vector<std::byte>> raw;
  std::vector<bool> guardsIntact;  // per tensor
};

RunResult runCase(Backend& backend, const OpCase& c) {
  std::vector<GuardedTensor> guarded;
  guarded.reserve(c.tensors.size());
  std::vector<Tensor> views;
  for (const HostTensor& host : c.tensors) {
    guarded.emplace_back(backend, host);
    views.push_back(guarded.back().tensor());
  }
  Graph graph;
  graph.add(c.build(views), c.name);
  auto program = backend.compile(graph);
  program->submit(1);
  backend.synchronize();
  RunResult result;
  for (std::size_t index : c.outputs) {
    result.raw.push_back(guarded[index].bytes());
    result.outputs.push_back(guarded[index].values());
  }
  for (const auto& g : guarded) result.guardsIntact.push_back(g.guardsIntact());
  return result;
}

// ---- naive references ------------------------------------------------------------------------

double activate(Activation act, double x) {
  switch (act) {
    case Activation::Linear:
      return x;
    case Activation::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case Activation::Tanh:
      return std::tanh(x);
    case Activation::Relu:
      return x > 0 ? x : 0.0;
    case Activation::LeakyRelu:
      return x > 0 ? x : static_cast<double>(LEAKY_RELU_SLOPE) * x;
    case Activation::Gelu:
      return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2));
  }
  return 0.0;
}

double derivative(Activation act, double x) {
  switch (act) {
    case Activation::Linear:
      return 1.0;
    case Activation::Sigmoid: {
      const double s = activate(act, x);
      return s * (1.0 - s);
    }
    case Activation::Tanh:
      return 1.0 - std::tanh(x) * std::tanh(x);
    case Activation::Relu:
      return x > 0 ? 1.0 : 0.0;
    case Activation::LeakyRelu:
      return x > 0 ? 1.0 : static_cast<double>(LEAKY_RELU_SLOPE);
    case Activation::Gelu:
      return 0.5 * (1.0 + std::erf(x / std::numbers::sqrt2)) +
             x * std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
  }
  return 0.0;
}

constexpr Activation ACTIVATIONS[] = {Activation::Linear, Activation::Sigmoid,   Activation::Tanh,
                                      Activation::Relu,   Activation::LeakyRelu, Activation::Gelu};

std::string shapeName(std::initializer_list<std::size_t> dims) {
  std::string s;
  for (std::size_t d : dims) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

// ---- cases -----------------------------------------------------------------------------------

void addGatherCases(std::vector<OpCase>& cases, core::Rng& rng) {
  struct Shape {
    DType dtype;
    std::size_t srcRows, cols, rows;
  };
  const Shape shapes[] = {{DType::U8, 33, 784, 7}, {DType::U8, 1000, 1, 33}, {DType::F32, 1000, 7, 33},
                          {DType::F32, 7, 1, 1},   {DType::I32, 33, 1, 7},   {DType::I32, 7, 33, 1}};
  for (const Shape& s : shapes) {
    OpCase c;
    c.name = std::string("gather_") + dtypeName(s.dtype) + "_" + shapeName({s.srcRows, s.cols, s.rows});
    HostTensor src = s.dtype == DType::F32
                         ? uniform(rng, {s.srcRows, s.cols}, -2.0f, 2.0f)
                         : integers(rng, {s.srcRows, s.cols}, s.dtype == DType::U8 ? 256 : 100000, s.dtype);
    const std::size_t cursor = 2;
    HostTensor index = integers(rng, {(cursor + 1) * s.rows + 3}, static_cast<std::uint32_t>(s.srcRows), DType::I32);
    HostTensor counters = zeros({COUNTER_COUNT}, DType::I32);
    counters.values[COUNTER_STEP] = 11;
    counters.values[COUNTER_CURSOR] = static_cast<double>(cursor);
    const DType out = s.dtype == DType::I32 ? DType::I32 : DType::F32;
    HostTensor dst = zeros({s.rows, s.cols}, out);
    const float scale = s.dtype == DType::I32 ? 1.0f : 1.0f / 255.0f;
    std::vector<double> expected(s.rows * s.cols);
    for (std::size_t i = 0; i < s.rows; ++i) {
      const auto row = static_cast<std::size_t>(index.values[cursor * s.rows + i]);
      for (std::size_t j = 0; j < s.cols; ++j) {
        const double v = src.values[row * s.cols + j];
        expected[i * s.cols + j] = s.dtype == DType::I32 ? v : v * static_cast<double>(scale);
      }
    }
    c.tensors = {src, index, counters, dst};
    c.outputs = {3};
    c.expected = {expected};
    if (s.dtype == DType::I32) c.referenceNmse = 0.0;  // integers are moved, not computed
    c.build = [scale](const std::vector<Tensor>& t) -> Op { return GatherOp{t[0], t[1], t[2], t[3], scale}; };
    cases.push_back(std::move(c));
  }
}

void addGemmCases(std::vector<OpCase>& cases, core::Rng& rng) {
  struct Shape {
    std::size_t m, n, k;
  };
  const Shape shapes[] = {{1, 1, 1},      {7, 33, 1},    {33, 1, 7},   {33, 7, 784},
                          {1000, 10, 33}, {32, 64, 784}, {7, 1000, 33}};
  for (const Shape& s : shapes) {
    for (int trans = 0; trans < 4; ++trans) {
      for (float beta : {0.0f, 0.75f}) {
        const bool transA = trans & 1, transB = trans & 2;
        OpCase c;
        c.name = "gemm_" + shapeName({s.m, s.n, s.k}) + (transA ? "_ta" : "_na") + (transB ? "_tb" : "_nb") +
                 (beta != 0.0f ? "_beta" : "");
        HostTensor a =
            uniform(rng, transA ? std::vector<std::size_t>{s.k, s.m} : std::vector<std::size_t>{s.m, s.k}, -1, 1);
        HostTensor b =
            uniform(rng, transB ? std::vector<std::size_t>{s.n, s.k} : std::vector<std::size_t>{s.k, s.n}, -1, 1);
        HostTensor cm = uniform(rng, {s.m, s.n}, -1, 1);
        const float alpha = 1.25f;
        std::vector<double> expected(s.m * s.n);
        for (std::size_t i = 0; i < s.m; ++i) {
          for (std::size_t j = 0; j < s.n; ++j) {
            double sum = 0.0;
            for (std::size_t p = 0; p < s.k; ++p) {
              const double av = transA ? a.values[p * s.m + i] : a.values[i * s.k + p];
              const double bv = transB ? b.values[j * s.k + p] : b.values[p * s.n + j];
              sum += av * bv;
            }
            expected[i * s.n + j] =
                static_cast<double>(alpha) * sum + static_cast<double>(beta) * cm.values[i * s.n + j];
          }
        }
        c.tensors = {a, b, cm};
        c.outputs = {2};
        c.expected = {expected};
        c.build = [=](const std::vector<Tensor>& t) -> Op {
          return GemmOp{t[0], t[1], t[2], transA, transB, alpha, beta};
        };
        cases.push_back(std::move(c));
      }
    }
  }
}

void addActivationCases(std::vector<OpCase>& cases, core::Rng& rng) {
  const std::pair<std::size_t, std::size_t> shapes[] = {{7, 33}, {33, 1000}, {1, 1}};
  for (Activation act : ACTIVATIONS) {
    for (const auto& [rows, n] : shapes) {
      for (bool inPlace : {false, true}) {
        OpCase c;
        c.name = "bias_activation_" + std::string(activationName(act)) + "_" + shapeName({rows, n}) +
                 (inPlace ? "_inplace" : "");
        std::replace(c.name.begin(), c.name.end(), '-', '_');
        HostTensor z = uniform(rng, {rows, n}, -4, 4);
        HostTensor bias = uniform(rng, {n}, -1, 1);
        HostTensor a = zeros({rows, n});
        std::vector<double> expectedZ(rows * n), expectedA(rows * n);
        for (std::size_t i = 0; i < rows * n; ++i) {
          // The backend stores z + bias as float before activating it; so does the reference.
          expectedZ[i] = static_cast<double>(static_cast<float>(z.values[i] + bias.values[i % n]));
          expectedA[i] = activate(act, expectedZ[i]);
        }
        if (inPlace) {
          c.tensors = {z, bias};
          c.outputs = {0};
          c.expected = {expectedA};
          c.build = [act](const std::vector<Tensor>& t) -> Op { return BiasActivationOp{t[0], t[1], t[0], act}; };
        } else {
          c.tensors = {z, bias, a};
          c.outputs = {0, 2};
          c.expected = {expectedZ, expectedA};
          c.build = [act](const std::vector<Tensor>& t) -> Op { return BiasActivationOp{t[0], t[1], t[2], act}; };
        }
        cases.push_back(std::move(c));
      }
    }
  }
}

void addActivationBackwardCases(std::vector<OpCase>& cases, core::Rng& rng) {
  for (Activation act : ACTIVATIONS) {
    for (std::size_t n : {1, 33, 1000}) {
      for (bool withA : {true, false}) {
        OpCase c;
        c.name =
            "activation_backward_" + std::string(activationName(act)) + "_" + std::to_string(n) + (withA ? "_a" : "_z");
        std::replace(c.name.begin(), c.name.end(), '-', '_');
        HostTensor da = uniform(rng, {7, n}, -1, 1);
        HostTensor z = uniform(rng, {7, n}, -4, 4);
        HostTensor a = zeros({7, n});
        for (std::size_t i = 0; i < z.values.size(); ++i) a.values[i] = static_cast<float>(activate(act, z.values[i]));
        HostTensor dz = zeros({7, n});
        std::vector<double> expected(7 * n);
        for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = da.values[i] * derivative(act, z.values[i]);
        c.tensors = {da, z, a, dz};
        c.outputs = {3};
        c.expected = {expected};
        // From a = float(act(z)) the derivative differs from the exact one by the rounding of a (~1e-7 relative).
        c.referenceNmse = 1e-9;
        c.build = [act, withA](const std::vector<Tensor>& t) -> Op {
          return ActivationBackwardOp{t[0], t[1], withA ? t[2] : Tensor{}, t[3], act};
        };
        cases.push_back(std::move(c));
      }
    }
  }
}

void addBiasGradCases(std::vector<OpCase>& cases, core::Rng& rng) {
  const std::pair<std::size_t, std::size_t> shapes[] = {{1000, 33}, {7, 1}, {1, 784}, {33, 7}};
  for (const auto& [rows, n] : shapes) {
    OpCase c;
    c.name = "bias_grad_" + shapeName({rows, n});
    HostTensor dz = uniform(rng, {rows, n}, -1, 1);
    HostTensor db = uniform(rng, {n}, -1, 1);  // garbage that must be overwritten, not accumulated into
    std::vector<double> expected(n, 0.0);
    for (std::size_t i = 0; i < rows; ++i) {
      for (std::size_t j = 0; j < n; ++j) expected[j] += dz.values[i * n + j];
    }
    c.tensors = {dz, db};
    c.outputs = {1};
    c.expected = {expected};
    // A float sum over 1000 rows drifts ~1000 * 6e-8 relative from the double sum.
    c.referenceNmse = 1e-8;
    c.build = [](const std::vector<Tensor>& t) -> Op { return BiasGradOp{t[0], t[1]}; };
    cases.push_back(std::move(c));
  }
}

// Reference head + loss in double, written from the definitions (probabilities, then the gradient).
void referenceLoss(Head head, LossKind kind, const HostTensor& z, const std::vector<double>& target, std::size_t rows,
                   std::size_t n, std::vector<double>& output, double& loss, std::vector<double>& dz) {
  output.assign(rows * n, 0.0);
  dz.assign(rows * n, 0.0);
  loss = 0.0;
  const double count = static_cast<double>(rows * n);
  for (std::size_t i = 0; i < rows; ++i) {
    const double* zr = z.values.data() + i * n;
    const double* tr = target.data() + i * n;
    double* pr = output.data() + i * n;
    double* dr = dz.data() + i * n;
    if (head == Head::Softmax) {
      const double max = *std::max_element(zr, zr + n);
      double sum = 0.0;
      for (std::size_t j = 0; j < n; ++j) sum += std::exp(zr[j] - max);
      for (std::size_t j = 0; j < n; ++j) pr[j] = std::exp(zr[j] - max) / sum;
      if (kind == LossKind::CrossEntropy) {
        double tsum = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
          loss -= tr[j] * (zr[j] - max - std::log(sum)) / static_cast<double>(rows);
          tsum += tr[j];
        }
        for (std::size_t j = 0; j < n; ++j) dr[j] = (pr[j] * tsum - tr[j]) / static_cast<double>(rows);
      } else {
        for (std::size_t j = 0; j < n; ++j) loss += (pr[j] - tr[j]) * (pr[j] - tr[j]) / count;
        for (std::size_t j = 0; j < n; ++j) {
          double s = 0.0;  // sum_k dL/dp_k dp_k/dz_j, dp_k/dz_j = p_k (delta_kj - p_j)
          for (std::size_t k = 0; k < n; ++k)
            s += 2.0 * (pr[k] - tr[k]) / count * pr[k] * ((k == j ? 1.0 : 0.0) - pr[j]);
          dr[j] = s;
        }
      }
      continue;
    }
    for (std::size_t j = 0; j < n; ++j) {
      if (head == Head::Linear) {
        pr[j] = zr[j];
        loss += (zr[j] - tr[j]) * (zr[j] - tr[j]) / count;
        dr[j] = 2.0 * (zr[j] - tr[j]) / count;
      } else {
        pr[j] = 1.0 / (1.0 + std::exp(-zr[j]));
        if (kind == LossKind::BinaryCrossEntropy) {
          loss += (std::max(zr[j], 0.0) - tr[j] * zr[j] + std::log1p(std::exp(-std::fabs(zr[j])))) / count;
          dr[j] = (pr[j] - tr[j]) / count;
        } else {
          loss += (pr[j] - tr[j]) * (pr[j] - tr[j]) / count;
          dr[j] = 2.0 * (pr[j] - tr[j]) * pr[j] * (1.0 - pr[j]) / count;
        }
      }
    }
  }
}

void addLossCases(std::vector<OpCase>& cases, core::Rng& rng) {
  const std::pair<Head, LossKind> combos[] = {{Head::Softmax, LossKind::CrossEntropy},
                                              {Head::Softmax, LossKind::Mse},
                                              {Head::Sigmoid, LossKind::BinaryCrossEntropy},
                                              {Head::Sigmoid, LossKind::Mse},
                                              {Head::Linear, LossKind::Mse}};
  for (const auto& [head, kind] : combos) {
    for (std::size_t n : {1, 7, 10}) {
      if (head == Head::Softmax && n == 1) continue;
      for (bool classTargets : {true, false}) {
        for (float range : {4.0f, 1000.0f}) {
          const std::size_t rows = n == 10 ? 33 : 7;
          OpCase c;
          c.name = "loss_" + std::string(headName(head)) + "_" + std::string(lossName(kind)) + "_" + std::to_string(n) +
                   (classTargets ? "_class" : "_value") + (range > 100 ? "_huge" : "");
          HostTensor z = uniform(rng, {rows, n}, -range, range);
          HostTensor target;
          std::vector<double> dense(rows * n, 0.0);
          if (classTargets) {
            target = integers(rng, {rows}, n == 1 ? 2u : static_cast<std::uint32_t>(n), DType::I32);
            for (std::size_t i = 0; i < rows; ++i) {
              if (n == 1) {
                dense[i] = target.values[i];
              } else {
                dense[i * n + static_cast<std::size_t>(target.values[i])] = 1.0;
              }
            }
          } else {
            // Probabilities for bce and soft cross-entropy, any values for mse.
            target = kind == LossKind::Mse && head == Head::Linear ? uniform(rng, {rows, n}, -2, 2)
                                                                   : uniform(rng, {rows, n}, 0, 1);
            if (kind == LossKind::CrossEntropy) {
              for (std::size_t i = 0; i < rows; ++i) {
                double sum = 0.0;
                for (std::size_t j = 0; j < n; ++j) sum += target.values[i * n + j];
                for (std::size_t j = 0; j < n; ++j)
                  target.values[i * n + j] = static_cast<float>(target.values[i * n + j] / sum);
              }
            }
            dense = target.values;
          }
          std::vector<double> output, dz;
          double lossValue = 0.0;
          referenceLoss(head, kind, z, dense, rows, n, output, lossValue, dz);
          c.tensors = {z, target, zeros({rows, n}), zeros({1}), zeros({rows, n})};
          c.outputs = {2, 3, 4};
          c.expected = {output, {lossValue}, dz};
          // Huge logits: float z carries ~6e-5 absolute error at 1000, so exp() of differences near 0 is
          // good to ~1e-4 relative: NMSE ~1e-8. The softmax-MSE gradient cancels p(g - dot) terms: 1e-9.
          c.referenceNmse = range > 100 ? 1e-7 : 1e-9;
          // Huge logits saturate the head, so the true dz of mse heads is ~e^-100 while float cancellation
          // leaves ~1e-8 of the per-element scale 2 / count: dz is checked to 1e-6 absolute there.
          if (range > 100 && head != Head::Linear) c.referenceAbsolute = {0.0, 0.0, 1e-6};
          const Head h = head;
          const LossKind k = kind;
          c.build = [h, k](const std::vector<Tensor>& t) -> Op { return LossOp{t[0], t[1], t[2], t[3], t[4], h, k}; };
          if (head == Head::Softmax && range < 100) {
            // The head's output written over z, then dz written over z: each read of z comes first.
            OpCase outputOverZ = c;
            outputOverZ.name += "_output_inplace";
            outputOverZ.tensors = {z, target, zeros({1}), zeros({rows, n})};
            outputOverZ.outputs = {0, 2, 3};
            outputOverZ.build = [h, k](const std::vector<Tensor>& t) -> Op {
              return LossOp{t[0], t[1], t[0], t[2], t[3], h, k};
            };
            cases.push_back(std::move(outputOverZ));
            OpCase dzOverZ = c;
            dzOverZ.name += "_dz_inplace";
            dzOverZ.tensors = {z, target, zeros({rows, n}), zeros({1})};
            dzOverZ.outputs = {2, 3, 0};
            dzOverZ.build = [h, k](const std::vector<Tensor>& t) -> Op {
              return LossOp{t[0], t[1], t[2], t[3], t[0], h, k};
            };
            cases.push_back(std::move(dzOverZ));
          }
          cases.push_back(std::move(c));
        }
      }
    }
  }
}

void addArgmaxCases(std::vector<OpCase>& cases, core::Rng& rng) {
  const std::pair<std::size_t, std::size_t> shapes[] = {{33, 10}, {7, 1}, {1000, 7}, {1, 784}};
  for (const auto& [rows, n] : shapes) {
    OpCase c;
    c.name = "argmax_" + shapeName({rows, n});
    HostTensor z = uniform(rng, {rows, n}, -3, 3);
    std::vector<double> expected(rows);
    for (std::size_t i = 0; i < rows; ++i) {
      if (n == 1) {
        expected[i] = z.values[i] > 0 ? 1 : 0;
        continue;
      }
      std::size_t best = 0;
      for (std::size_t j = 1; j < n; ++j) {
        if (z.values[i * n + j] > z.values[i * n + best]) best = j;
      }
      expected[i] = static_cast<double>(best);
    }
    c.tensors = {z, integers(rng, {rows}, 50, DType::I32)};
    c.outputs = {1};
    c.expected = {expected};
    c.referenceNmse = 0.0;  // class indices are exact
    c.build = [](const std::vector<Tensor>& t) -> Op { return ArgmaxOp{t[0], t[1]}; };
    cases.push_back(std::move(c));
  }
}

void addOptimizerCases(std::vector<OpCase>& cases, core::Rng& rng) {
  constexpr OptimizerKind KINDS[] = {OptimizerKind::Gd,       OptimizerKind::Sgd,     OptimizerKind::Momentum,
                                     OptimizerKind::Nesterov, OptimizerKind::AdaGrad, OptimizerKind::RmsProp,
                                     OptimizerKind::Adam,     OptimizerKind::AdamW};
  for (OptimizerKind kind : KINDS) {
    for (int schedule : {0, 2}) {
      // 1003 with the cosine schedule: the vec4 kernels do the last count % 4 parameters one by one.
      const std::size_t count = schedule ? 1003 : 1000, regularized = 784;
      OpCase c;
      c.name = "optimizer_" + std::string(optimizerName(kind)) + (schedule ? "_cosine" : "");
      HostTensor w = uniform(rng, {count}, -1, 1);
      HostTensor g = uniform(rng, {count}, -1, 1);
      // Second-moment states must be positive as a real run's are.
      HostTensor s1 = kind == OptimizerKind::AdaGrad || kind == OptimizerKind::RmsProp
                          ? uniform(rng, {count}, 0.01f, 1)
                          : uniform(rng, {count}, -0.1f, 0.1f);
      HostTensor s2 = uniform(rng, {count}, 0.01f, 1);
      HostTensor hyper = zeros({HYPER_COUNT});
      hyper.values[HYPER_LR] = 0.05f;
      hyper.values[HYPER_MOMENTUM] = 0.9f;
      hyper.values[HYPER_BETA1] = 0.9f;
      hyper.values[HYPER_BETA2] = 0.999f;
      hyper.values[HYPER_RHO] = 0.95f;
      hyper.values[HYPER_EPSILON] = 1e-8f;
      hyper.values[HYPER_L1] = 0.001f;
      hyper.values[HYPER_L2] = 0.01f;
      hyper.values[HYPER_WEIGHT_DECAY] = 0.02f;
      hyper.values[HYPER_SCHEDULE] = schedule;
      hyper.values[HYPER_TOTAL_STEPS] = 20;
      hyper.values[HYPER_MIN_FACTOR] = 0.1f;
      HostTensor counters = zeros({COUNTER_COUNT}, DType::I32);
      const int step = 4;
      counters.values[COUNTER_STEP] = step;
      // Reference in double, from the formulas of the brief (OptimizerTest checks them by hand).
      double lr = hyper.values[HYPER_LR];
      if (schedule == 2) {
        const double minLr = lr * hyper.values[HYPER_MIN_FACTOR];
        lr = minLr + 0.5 * (lr - minLr) * (1.0 + std::cos(std::numbers::pi * step / 20.0));
      }
      std::vector<double> ew = w.values, e1 = s1.values, e2 = s2.values;
      const auto& hv = hyper.values;
      for (std::size_t i = 0; i < count; ++i) {
        const bool reg = i < regularized;
        double& wi = ew[i];
        if (kind == OptimizerKind::AdamW && reg) wi -= lr * hv[HYPER_WEIGHT_DECAY] * wi;
        const double sign = wi > 0 ? 1.0 : (wi < 0 ? -1.0 : 0.0);
        double gp = g.values[i];
        if (reg) gp += hv[HYPER_L1] * sign + (kind == OptimizerKind::AdamW ? 0.0 : hv[HYPER_L2] * wi);
        switch (kind) {
          case OptimizerKind::Gd:
          case OptimizerKind::Sgd:
            wi -= lr * gp;
            break;
          case OptimizerKind::Momentum:
            e1[i] = hv[HYPER_MOMENTUM] * e1[i] + gp;
            wi -= lr * e1[i];
            break;
          case OptimizerKind::Nesterov:
            e1[i] = hv[HYPER_MOMENTUM] * e1[i] + gp;
            wi -= lr * (gp + hv[HYPER_MOMENTUM] * e1[i]);
            break;
          case OptimizerKind::AdaGrad:
            e1[i] += gp * gp;
            wi -= lr * gp / (std::sqrt(e1[i]) + hv[HYPER_EPSILON]);
            break;
          case OptimizerKind::RmsProp:
            e1[i] = hv[HYPER_RHO] * e1[i] + (1 - hv[HYPER_RHO]) * gp * gp;
            wi -= lr * gp / (std::sqrt(e1[i]) + hv[HYPER_EPSILON]);
            break;
          case OptimizerKind::Adam:
          case OptimizerKind::AdamW: {
            const double t = step + 1;
            e1[i] = hv[HYPER_BETA1] * e1[i] + (1 - hv[HYPER_BETA1]) * gp;
            e2[i] = hv[HYPER_BETA2] * e2[i] + (1 - hv[HYPER_BETA2]) * gp * gp;
            wi -= lr * (e1[i] / (1 - std::pow(hv[HYPER_BETA1], t))) /
                  (std::sqrt(e2[i] / (1 - std::pow(hv[HYPER_BETA2], t))) + hv[HYPER_EPSILON]);
            break;
          }
        }
      }
      c.tensors = {w, g, s1, s2, hyper, counters};
      c.outputs = {0, 2, 3};
      c.expected = {ew, e1, e2};
      // Adam's 1 - beta2^t in float loses ~1e-5 relative (beta2 = 0.999 rounds); the update is ~lr.
      c.referenceNmse = 1e-9;
      c.build = [kind](const std::vector<Tensor>& t) -> Op {
        return OptimizerOp{t[0], t[1], t[2], t[3], t[4], t[5], kind, 784};
      };
      cases.push_back(std::move(c));
    }
  }
}

void addMovementCases(std::vector<OpCase>& cases, core::Rng& rng) {
  {
    OpCase c;
    c.name = "advance";
    HostTensor counters = zeros({COUNTER_COUNT}, DType::I32);
    counters.values = {41, 6};
    c.tensors = {counters};
    c.outputs = {0};
    c.expected = {{42, 7}};
    c.referenceNmse = 0.0;
    c.build = [](const std::vector<Tensor>& t) -> Op { return AdvanceOp{t[0]}; };
    cases.push_back(std::move(c));
  }
  const std::pair<DType, std::size_t> copies[] = {{DType::F32, 1000}, {DType::I32, 7}, {DType::U8, 33}, {DType::U8, 1}};
  for (const auto& [dtype, n] : copies) {
    OpCase c;
    c.name = std::string("copy_") + dtypeName(dtype) + "_" + std::to_string(n);
    HostTensor src = dtype == DType::F32 ? uniform(rng, {n}, -5, 5) : integers(rng, {n}, 256, dtype);
    c.tensors = {src, zeros({n}, dtype)};
    c.outputs = {1};
    c.expected = {src.values};
    c.referenceNmse = 0.0;
    c.build = [](const std::vector<Tensor>& t) -> Op { return CopyOp{t[0], t[1]}; };
    cases.push_back(std::move(c));
  }
  for (bool withY : {true, false}) {
    OpCase c;
    c.name = withY ? "sum_squares_diff" : "sum_squares";
    HostTensor x = uniform(rng, {1000}, -1, 1);
    HostTensor y = uniform(rng, {1000}, -1, 1);
    const std::vector<std::pair<std::size_t, std::size_t>> segments = {
        {0, 784}, {784, 784}, {784, 1000}, {7, 8}, {0, 1000}};
    std::vector<double> expected;
    for (const auto& [b, e] : segments) {
      double sum = 0.0;
      for (std::size_t i = b; i < e; ++i) {
        const double d = x.values[i] - (withY ? y.values[i] : 0.0);
        sum += d * d;
      }
      expected.push_back(sum);
    }
    c.tensors = {x, y, uniform(rng, {segments.size()}, -1, 1)};
    c.outputs = {2};
    c.expected = {expected};
    c.build = [segments, withY](const std::vector<Tensor>& t) -> Op {
      return SumSquaresOp{t[0], withY ? t[1] : Tensor{}, t[2], segments};
    };
    cases.push_back(std::move(c));
  }
}

void addSpectrumCases(std::vector<OpCase>& cases, core::Rng& rng) {
  struct Shape {
    std::size_t count, height, width;
  };
  const Shape shapes[] = {{2, 7, 33}, {1, 28, 28}, {3, 1, 7}, {1, 33, 1}, {1, 1, 1}};
  for (const Shape& s : shapes) {
    OpCase c;
    c.name = "spectrum_" + shapeName({s.count, s.height, s.width});
    HostTensor images = uniform(rng, {s.count, s.height, s.width}, 0, 1);
    const std::size_t half = s.width / 2 + 1;
    std::vector<double> expected(s.count * s.height * half);
    for (std::size_t n = 0; n < s.count; ++n) {
      for (std::size_t u = 0; u < s.height; ++u) {
        for (std::size_t v = 0; v < half; ++v) {
          double re = 0.0, im = 0.0;
          for (std::size_t r = 0; r < s.height; ++r) {
            for (std::size_t col = 0; col < s.width; ++col) {
              const double angle = -2.0 * std::numbers::pi *
                                   (static_cast<double>(u * r) / static_cast<double>(s.height) +
                                    static_cast<double>(v * col) / static_cast<double>(s.width));
              const double x = images.values[(n * s.height + r) * s.width + col];
              re += x * std::cos(angle);
              im += x * std::sin(angle);
            }
          }
          expected[(n * s.height + u) * half + v] = std::hypot(re, im);
        }
      }
    }
    c.tensors = {images, zeros({s.count, s.height, half})};
    c.outputs = {1};
    c.expected = {expected};
    const std::size_t h = s.height, w = s.width;
    c.build = [h, w](const std::vector<Tensor>& t) -> Op { return SpectrumOp{t[0], t[1], h, w}; };
    cases.push_back(std::move(c));
  }
}

const std::vector<OpCase>& allCases() {
  static const std::vector<OpCase> cases = [] {
    std::vector<OpCase> all;
    core::Rng rng(20240611);
    addGatherCases(all, rng);
    addGemmCases(all, rng);
    addActivationCases(all, rng);
    addActivationBackwardCases(all, rng);
    addBiasGradCases(all, rng);
    addLossCases(all, rng);
    addArgmaxCases(all, rng);
    addOptimizerCases(all, rng);
    addMovementCases(all, rng);
    addSpectrumCases(all, rng);
    return all;
  }();
  return cases;
}

std::vector<std::size_t> caseIndices() {
  std::vector<std::size_t> indices(allCases().size());
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  return indices;
}

class OpSuite : public ::testing::TestWithParam<std::tuple<std::string, std::size_t>> {};

TEST_P(OpSuite, MatchesReferenceAndStaysInBounds) {
  const auto& [backendName, caseIndex] = GetParam();
  NSB_SKIP_UNLESS_USABLE(backendName);
  const OpCase& c = allCases()[caseIndex];
  auto backend = makeBackend(backendName);
  ASSERT_TRUE(backend);
  const Op probe = c.build(std::vector<Tensor>(c.tensors.size()));
  if (!backend->supports(probe.index())) {
    GTEST_SKIP() << backendName << " does not support " << opName(probe) << " (supports() is false)";
  }
  const RunResult result = runCase(*backend, c);
  const RunResult again = runCase(*backend, c);
  auto reference = makeBackend("cpu");
  ASSERT_TRUE(reference);
  const RunResult cpu = runCase(*reference, c);

  for (std::size_t t = 0; t < c.tensors.size(); ++t) {
    EXPECT_TRUE(result.guardsIntact[t]) << "tensor " << t << ": a write landed outside the tensor's range";
  }
  for (std::size_t o = 0; o < c.outputs.size(); ++o) {
    SCOPED_TRACE("output tensor " + std::to_string(c.outputs[o]));
    EXPECT_TRUE(allFinite(result.outputs[o])) << "NaN or Inf in the output";
    if (o < c.referenceAbsolute.size() && c.referenceAbsolute[o] > 0.0) {
      EXPECT_LE(maxAbsDiff(result.outputs[o], cpu.outputs[o]), c.referenceAbsolute[o]) << "vs the CPU backend";
      EXPECT_LE(maxAbsDiff(result.outputs[o], c.expected[o]), c.referenceAbsolute[o])
          << "vs the naive double reference";
    } else {
      EXPECT_LE(nmse(result.outputs[o], cpu.outputs[o]), c.backendNmse) << "vs the CPU backend";
      EXPECT_LE(nmse(result.outputs[o], c.expected[o]), c.referenceNmse) << "vs the naive double reference";
    }
    EXPECT_EQ(result.raw[o], again.raw[o]) << "two runs of the same graph differ (not deterministic)";
  }
}

std::string caseName(const ::testing::TestParamInfo<OpSuite::ParamType>& info) {
  return std::get<0>(info.param) + "_" + allCases()[std::get<1>(info.param)].name;
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpSuite,
                         ::testing::Combine(::testing::ValuesIn(testedBackends()), ::testing::ValuesIn(caseIndices())),
                         caseName);

// Every op kind has at least one case, so a new op cannot join Op.h untested.
TEST(OpSuiteCoverage, EveryOpKindHasACase) {
  std::vector<bool> covered(OP_KIND_COUNT, false);
  for (const OpCase& c : allCases()) covered[c.build(std::vector<Tensor>(c.tensors.size())).index()] = true;
  for (OpKind k = 0; k < OP_KIND_COUNT; ++k) EXPECT_TRUE(covered[k]) << opName(k) << " has no case in the op suite";
}

}  // namespace
}  // namespace nsb::compute::test
