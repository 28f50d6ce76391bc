#pragma once
// A multilayer perceptron built by hand from the ops (Gemm, BiasActivation, Loss, ActivationBackward,
// BiasGrad, Optimizer, Advance), with the flat parameter layout of nn::ModelSpec: every weight [out, in]
// in layer order, then every bias. The gradient check, determinism test and timing use it.
#include <cstdint>
#include <vector>

#include "OpTestSupport.h"
#include "compute/OptimizerMath.h"

namespace nsb::compute::test {

struct MlpConfig {
  std::vector<std::size_t> sizes;  // inputs, hidden..., outputs
  Activation hidden = Activation::Tanh;
  Head head = Head::Softmax;
  LossKind loss = LossKind::CrossEntropy;
  std::size_t batch = 4;
  bool classTargets = true;
  OptimizerKind optimizer = OptimizerKind::Adam;
  // Start each step by gathering the batch from a U8 image set and I32 labels (as training does).
  bool gather = false;
  std::size_t datasetRows = 256;
  std::size_t batchesInIndex = 64;
};

class TinyMlp {
 public:
  TinyMlp(Backend& backend, MlpConfig config, std::uint64_t seed) : mBackend(backend), mConfig(std::move(config)) {
    core::Rng rng(seed);
    const std::size_t layers = mConfig.sizes.size() - 1;
    const std::size_t batch = mConfig.batch;
    std::size_t weights = 0, total = 0;
    for (std::size_t l = 0; l < layers; ++l) weights += mConfig.sizes[l] * mConfig.sizes[l + 1];
    total = weights;
    for (std::size_t l = 0; l < layers; ++l) total += mConfig.sizes[l + 1];
    mWeightCount = weights;
    mParamCount = total;

    std::vector<float> init(total);
    for (float& v : init) v = rng.uniform(-0.6f, 0.6f);
    params = backend.allocate(total * 4);
    backend.write<float>(params.tensor({total}), init);
    grads = backend.allocate(total * 4);
    state1 = backend.allocate(total * 4);
    state2 = backend.allocate(total * 4);
    hyper = backend.allocate(HYPER_COUNT * 4);
    std::vector<float> h(HYPER_COUNT, 0.0f);
    h[HYPER_LR] = 0.01f;
    h[HYPER_MOMENTUM] = 0.9f;
    h[HYPER_BETA1] = 0.9f;
    h[HYPER_BETA2] = 0.999f;
    h[HYPER_RHO] = 0.9f;
    h[HYPER_EPSILON] = 1e-8f;
    h[HYPER_L2] = 1e-4f;
    backend.write<float>(hyper.tensor({HYPER_COUNT}), h);
    counters = backend.allocate(COUNTER_COUNT * 4);

    const std::size_t in = mConfig.sizes.front(), out = mConfig.sizes.back();
    x = backend.allocate(batch * in * 4);
    target = backend.allocate(batch * (mConfig.classTargets ? 1 : out) * 4);
    if (mConfig.gather) {
      const std::size_t rows = mConfig.datasetRows;
      images = backend.allocate(rows * in);
      std::vector<std::uint8_t> pixels(rows * in);
      for (auto& p : pixels) p = static_cast<std::uint8_t>(rng.below(256));
      backend.write<std::uint8_t>(images.tensor({rows, in}, DType::U8), pixels);
      labels = backend.allocate(rows * 4);
      std::vector<std::int32_t> classes(rows);
      for (auto& c : classes) c = static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(out)));
      backend.write<std::int32_t>(labels.tensor({rows}, DType::I32), classes);
      const std::size_t indexSize = batch * mConfig.batchesInIndex;
      index = backend.allocate(indexSize * 4);
      std::vector<std::int32_t> order(indexSize);
      for (auto& o : order) o = static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(rows)));
      backend.write<std::int32_t>(index.tensor({indexSize}, DType::I32), order);
    } else {
      std::vector<float> xs(batch * in);
      for (float& v : xs) v = rng.uniform(-1.0f, 1.0f);
      backend.write<float>(xTensor(), xs);
      if (mConfig.classTargets) {
        std::vector<std::int32_t> t(batch);
        for (auto& v : t) v = static_cast<std::int32_t>(rng.below(out == 1 ? 2u : static_cast<std::uint32_t>(out)));
        backend.write<std::int32_t>(targetTensor(), t);
      } else {
        std::vector<float> t(batch * out);
        for (float& v : t) v = rng.uniform(0.0f, 1.0f);
        backend.write<float>(targetTensor(), t);
      }
    }
    for (std::size_t l = 0; l < layers; ++l) {
      const std::size_t n = mConfig.sizes[l + 1];
      z.push_back(backend.allocate(batch * n * 4));
      a.push_back(backend.allocate(batch * n * 4));
      dz.push_back(backend.allocate(batch * n * 4));
      da.push_back(backend.allocate(batch * n * 4));
    }
    output = backend.allocate(batch * out * 4);
    lossBuffer = backend.allocate(4);
  }

  std::size_t layers() const { return mConfig.sizes.size() - 1; }
  std::size_t paramCount() const { return mParamCount; }
  std::size_t weightOffset(std::size_t layer) const {
    std::size_t o = 0;
    for (std::size_t l = 0; l < layer; ++l) o += mConfig.sizes[l] * mConfig.sizes[l + 1];
    return o;
  }
  std::size_t biasOffset(std::size_t layer) const {
    std::size_t o = mWeightCount;
    for (std::size_t l = 0; l < layer; ++l) o += mConfig.sizes[l + 1];
    return o;
  }
  Tensor xTensor() const { return x.tensor({mConfig.batch, mConfig.sizes.front()}); }
  Tensor targetTensor() const {
    return mConfig.classTargets ? target.tensor({mConfig.batch}, DType::I32)
                                : target.tensor({mConfig.batch, mConfig.sizes.back()});
  }
  Tensor weight(const Buffer& flat, std::size_t l) const {
    return flat.tensor({mConfig.sizes[l + 1], mConfig.sizes[l]}, DType::F32, weightOffset(l));
  }
  Tensor bias(const Buffer& flat, std::size_t l) const {
    return flat.tensor({mConfig.sizes[l + 1]}, DType::F32, biasOffset(l));
  }
  Tensor act(const std::vector<Buffer>& list, std::size_t l) const {
    return list[l].tensor({mConfig.batch, mConfig.sizes[l + 1]});
  }

  // Gathers the batch (if configured), then layers and loss.
  Graph forward() const {
    Graph g;
    const std::size_t in = mConfig.sizes.front();
    if (mConfig.gather) {
      const Tensor cnt = counters.tensor({COUNTER_COUNT}, DType::I32);
      const Tensor idx = index.tensor({mConfig.batch * mConfig.batchesInIndex}, DType::I32);
      g.add(GatherOp{images.tensor({mConfig.datasetRows, in}, DType::U8), idx, cnt, xTensor(), 1.0f / 255.0f},
            "gather.x");
      g.add(GatherOp{labels.tensor({mConfig.datasetRows}, DType::I32), idx, cnt, targetTensor(), 1.0f}, "gather.y");
    }
    for (std::size_t l = 0; l < layers(); ++l) {
      const bool last = l + 1 == layers();
      const Tensor input = l == 0 ? xTensor() : act(a, l - 1);
      g.add(GemmOp{input, weight(params, l), act(z, l), false, true}, "layer" + std::to_string(l) + ".gemm");
      g.add(BiasActivationOp{act(z, l), bias(params, l), last ? act(z, l) : act(a, l),
                             last ? Activation::Linear : mConfig.hidden},
            "layer" + std::to_string(l) + ".bias_act");
    }
    const std::size_t L = layers() - 1;
    g.add(LossOp{act(z, L), targetTensor(), output.tensor({mConfig.batch, mConfig.sizes.back()}),
                 lossBuffer.tensor({1}), act(dz, L), mConfig.head, mConfig.loss},
          "loss");
    return g;
  }

  // forward() plus backward: every gradient into `grads`.
  Graph forwardBackward() const {
    Graph g = forward();
    for (std::size_t l = layers(); l-- > 0;) {
      const Tensor input = l == 0 ? xTensor() : act(a, l - 1);
      const std::string name = "layer" + std::to_string(l);
      g.add(GemmOp{act(dz, l), input, weight(grads, l), true, false}, name + ".dW");
      g.add(BiasGradOp{act(dz, l), bias(grads, l)}, name + ".db");
      if (l > 0) {
        g.add(GemmOp{act(dz, l), weight(params, l), act(da, l - 1)}, name + ".dx");
        g.add(ActivationBackwardOp{act(da, l - 1), act(z, l - 1), act(a, l - 1), act(dz, l - 1), mConfig.hidden},
              name + ".act_backward");
      }
    }
    return g;
  }

  // One training step: forward, backward, optimizer update, advance.
  Graph step() const {
    Graph g = forwardBackward();
    const std::size_t n = mParamCount;
    g.add(OptimizerOp{params.tensor({n}), grads.tensor({n}), state1.tensor({n}), state2.tensor({n}),
                      hyper.tensor({HYPER_COUNT}), counters.tensor({COUNTER_COUNT}, DType::I32), mConfig.optimizer,
                      mWeightCount},
          "optimizer");
    g.add(AdvanceOp{counters.tensor({COUNTER_COUNT}, DType::I32)}, "advance");
    return g;
  }

  std::vector<float> read(const Buffer& flat) { return mBackend.read<float>(flat.tensor({mParamCount})); }
  void writeParams(const std::vector<float>& values) { mBackend.write<float>(params.tensor({mParamCount}), values); }
  float loss() { return mBackend.read<float>(lossBuffer.tensor({1}))[0]; }

  Buffer params, grads, state1, state2, hyper, counters, x, target, images, labels, index, output, lossBuffer;
  std::vector<Buffer> z, a, dz, da;

 private:
  Backend& mBackend;
  MlpConfig mConfig;
  std::size_t mWeightCount = 0, mParamCount = 0;
};

}  // namespace nsb::compute::test
