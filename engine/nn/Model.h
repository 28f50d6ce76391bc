#pragma once
// Model: a network's state on one backend (flat parameters, gradients, optimizer state) and the graph
// builders for its forward, backward and optimizer passes. A Workspace holds the per-batch tensors
// (pre-activations, activations and their gradients) for one batch size.
#include <cstddef>
#include <span>
#include <vector>

#include "compute/Backend.h"
#include "nn/ModelSpec.h"

namespace nsb::nn {

struct Workspace {
  std::size_t batch = 0;
  compute::Buffer buffer;
  compute::Tensor input;                // [batch, inputs] f32
  std::vector<compute::Tensor> z, a;    // per layer [batch, out]: pre-activation, activation
  std::vector<compute::Tensor> dz, da;  // gradients of the same
  compute::Tensor output;               // head output [batch, outputs]
  compute::Tensor loss;                 // [1] batch-mean loss
  compute::Tensor predictions;          // i32 [batch]
  compute::Tensor target;               // i32 [batch] (classes) or f32 [batch, outputs]
};

class Model {
 public:
  // Allocates zeroed parameters, gradients and optimizer state on `backend`.
  Model(compute::Backend& backend, ModelSpec spec);

  const ModelSpec& spec() const { return mSpec; }
  compute::Backend& backend() const { return *mBackend; }

  compute::Tensor params() const { return flat(mParams); }
  compute::Tensor grads() const { return flat(mGrads); }
  compute::Tensor state1() const { return flat(mState1); }
  compute::Tensor state2() const { return flat(mState2); }
  compute::Tensor previousParams() const { return flat(mPrevious); }
  compute::Tensor weight(std::size_t layer) const;
  compute::Tensor bias(std::size_t layer) const;
  compute::Tensor weightGrad(std::size_t layer) const;
  compute::Tensor biasGrad(std::size_t layer) const;

  // Host copies of the flat arrays (sizes: spec().parameterCount()).
  std::vector<float> read(const compute::Tensor& flatTensor) const;
  void write(const compute::Tensor& flatTensor, std::span<const float> values) const;

  // Per-batch tensors; `classTargets` makes the target i32 class indices, else f32 [batch, outputs].
  Workspace makeWorkspace(std::size_t batch, bool classTargets) const;

  // Graph builders (append ops). The input of the workspace must be filled by earlier ops.
  void addForward(compute::Graph& graph, const Workspace& ws) const;
  // The forward pass and the head's output in ws.output, without a loss (probes: the editor's views).
  // A sigmoid or linear head is the last layer's element-wise activation, so no single-workgroup
  // loss kernel runs over the (large) probe grids; softmax still goes through the loss op.
  void addPrediction(compute::Graph& graph, const Workspace& ws) const;
  void addLossAndBackward(compute::Graph& graph, const Workspace& ws) const;
  // The head and loss over the last layer: output, loss and dz of the workspace.
  compute::LossOp lossOp(const Workspace& ws) const;
  void addOptimizer(compute::Graph& graph, compute::OptimizerKind kind, const compute::Tensor& hyper,
                    const compute::Tensor& counters) const;
  // Per-layer weight segments of the flat parameter layout (for gradient and update norms).
  std::vector<std::pair<std::size_t, std::size_t>> weightSegments() const;

 private:
  void addLayers(compute::Graph& graph, const Workspace& ws, bool elementwiseHead) const;
  compute::Tensor flat(const compute::Buffer& buffer) const { return buffer.tensor({mSpec.parameterCount()}); }

  compute::Backend* mBackend;
  ModelSpec mSpec;
  compute::Buffer mParams, mGrads, mState1, mState2, mPrevious;
};

}  // namespace nsb::nn
