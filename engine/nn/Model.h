#pragma once
// Model: a network's state on one backend (flat parameters, gradients, optimizer state) and the graph
// builders for its forward, backward and optimizer passes. A Workspace holds the per-batch tensors
// (pre-activations, activations and their gradients) for one batch size.
#include <cstddef>
#include <memory>
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

// Elements from one slot to the next where `slots` arrays of `elements` share a buffer (ModelStorage,
// Model::makeWorkspaces): rounded up to 16, so that every slot keeps slot 0's alignment (vec4 paths).
std::size_t slotStride(std::size_t elements, std::size_t slots);

// The flat arrays (parameters, gradients, optimizer state, previous parameters) of `slots` models of one
// spec, slot after slot in one buffer each: a race's replicas, so that the like ops of two replicas differ
// only by a constant offset and the Vulkan backend can run them as one dispatch (VulkanBatch.h).
struct ModelStorage {
  ModelStorage(compute::Backend& backend, const ModelSpec& spec, std::size_t slots);
  std::size_t slots = 0;
  std::size_t stride = 0;  // slotStride of the parameters
  compute::Buffer params, grads, state1, state2, previous;
};

class Model {
 public:
  // Allocates zeroed parameters, gradients and optimizer state on `backend`.
  Model(compute::Backend& backend, ModelSpec spec);
  // The model in slot `slot` of `storage` (of this spec).
  Model(compute::Backend& backend, ModelSpec spec, std::shared_ptr<const ModelStorage> storage, std::size_t slot);

  const ModelSpec& spec() const { return mSpec; }
  compute::Backend& backend() const { return *mBackend; }

  compute::Tensor params() const;
  compute::Tensor grads() const;
  compute::Tensor state1() const;
  compute::Tensor state2() const;
  compute::Tensor previousParams() const;
  compute::Tensor weight(std::size_t layer) const;
  compute::Tensor bias(std::size_t layer) const;
  compute::Tensor weightGrad(std::size_t layer) const;
  compute::Tensor biasGrad(std::size_t layer) const;

  // Host copies of the flat arrays (sizes: spec().parameterCount()).
  std::vector<float> read(const compute::Tensor& flatTensor) const;
  void write(const compute::Tensor& flatTensor, std::span<const float> values) const;

  // Per-batch tensors; `classTargets` makes the target i32 class indices, else f32 [batch, outputs].
  Workspace makeWorkspace(std::size_t batch, bool classTargets) const;
  // `count` workspaces laid out one after another at a constant stride in `buffer`, allocated here (as
  // ModelStorage's slots); the workspaces' own buffers stay empty.
  std::vector<Workspace> makeWorkspaces(std::size_t batch, bool classTargets, std::size_t count,
                                        compute::Buffer& buffer) const;

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
  compute::Tensor flat(const compute::Buffer& buffer) const {
    return buffer.tensor({mSpec.parameterCount()}, compute::DType::F32, mBase);
  }
  std::size_t workspaceElements(std::size_t batch, bool classTargets) const;
  void layOut(Workspace& ws, const compute::Buffer& buffer, std::size_t base, bool classTargets) const;

  compute::Backend* mBackend;
  ModelSpec mSpec;
  std::shared_ptr<const ModelStorage> mStorage;
  std::size_t mBase = 0;  // the first element of this model's slot
};

}  // namespace nsb::nn
