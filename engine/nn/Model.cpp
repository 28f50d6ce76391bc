#include "nn/Model.h"

#include <string>

#include "core/Check.h"

namespace nsb::nn {

using compute::DType;
using compute::Tensor;

std::size_t slotStride(std::size_t elements, std::size_t slots) {
  constexpr std::size_t ALIGN = 16;
  return slots > 1 ? (elements + ALIGN - 1) / ALIGN * ALIGN : elements;
}

ModelStorage::ModelStorage(compute::Backend& backend, const ModelSpec& spec, std::size_t count)
    : slots(count), stride(slotStride(spec.parameterCount(), count)) {
  const std::size_t bytes = ((count - 1) * stride + spec.parameterCount()) * sizeof(float);
  params = backend.allocate(bytes);
  grads = backend.allocate(bytes);
  state1 = backend.allocate(bytes);
  state2 = backend.allocate(bytes);
  previous = backend.allocate(bytes);
}

Model::Model(compute::Backend& backend, ModelSpec spec)
    : mBackend(&backend), mSpec(std::move(spec)), mStorage(std::make_shared<ModelStorage>(backend, mSpec, 1)) {}

Model::Model(compute::Backend& backend, ModelSpec spec, std::shared_ptr<const ModelStorage> storage, std::size_t slot)
    : mBackend(&backend), mSpec(std::move(spec)), mStorage(std::move(storage)) {
  NSB_CHECK(mStorage && slot < mStorage->slots && mStorage->stride >= mSpec.parameterCount());
  mBase = slot * mStorage->stride;
}

Tensor Model::params() const { return flat(mStorage->params); }
Tensor Model::grads() const { return flat(mStorage->grads); }
Tensor Model::state1() const { return flat(mStorage->state1); }
Tensor Model::state2() const { return flat(mStorage->state2); }
Tensor Model::previousParams() const { return flat(mStorage->previous); }

Tensor Model::weight(std::size_t layer) const {
  return mStorage->params.tensor({mSpec.layerOutputs(layer), mSpec.layerInputs(layer)}, DType::F32,
                                 mBase + mSpec.weightOffset(layer));
}
Tensor Model::bias(std::size_t layer) const {
  return mStorage->params.tensor({mSpec.layerOutputs(layer)}, DType::F32, mBase + mSpec.biasOffset(layer));
}
Tensor Model::weightGrad(std::size_t layer) const {
  return mStorage->grads.tensor({mSpec.layerOutputs(layer), mSpec.layerInputs(layer)}, DType::F32,
                                mBase + mSpec.weightOffset(layer));
}
Tensor Model::biasGrad(std::size_t layer) const {
  return mStorage->grads.tensor({mSpec.layerOutputs(layer)}, DType::F32, mBase + mSpec.biasOffset(layer));
}

std::vector<float> Model::read(const Tensor& flatTensor) const { return mBackend->read<float>(flatTensor); }

void Model::write(const Tensor& flatTensor, std::span<const float> values) const {
  NSB_CHECK(values.size() == flatTensor.elements()) << values.size() << " values for " << flatTensor.describe();
  mBackend->write(flatTensor, values);
}

std::size_t Model::workspaceElements(std::size_t batch, bool classTargets) const {
  // One buffer holds every per-batch tensor: input, 4 per layer, output, loss, predictions, target.
  std::size_t total = batch * mSpec.inputs;
  for (std::size_t l = 0; l < mSpec.layerCount(); ++l) total += 4 * batch * mSpec.layerOutputs(l);
  return total + batch * mSpec.outputs + 1 + batch + batch * (classTargets ? 1 : mSpec.outputs);
}

void Model::layOut(Workspace& ws, const compute::Buffer& buffer, std::size_t base, bool classTargets) const {
  const std::size_t batch = ws.batch;
  std::size_t offset = base;
  auto take = [&](std::vector<std::size_t> shape, DType type = DType::F32) {
    Tensor t = buffer.tensor(std::move(shape), type, offset);
    offset += t.elements();
    return t;
  };
  ws.input = take({batch, mSpec.inputs});
  for (std::size_t l = 0; l < mSpec.layerCount(); ++l) {
    const std::size_t out = mSpec.layerOutputs(l);
    ws.z.push_back(take({batch, out}));
    ws.a.push_back(take({batch, out}));
    ws.dz.push_back(take({batch, out}));
    ws.da.push_back(take({batch, out}));
  }
  ws.output = take({batch, mSpec.outputs});
  ws.loss = take({1});
  ws.predictions = take({batch}, DType::I32);
  ws.target = classTargets ? take({batch}, DType::I32) : take({batch, mSpec.outputs});
}

Workspace Model::makeWorkspace(std::size_t batch, bool classTargets) const {
  Workspace ws;
  ws.batch = batch;
  ws.buffer = mBackend->allocate(workspaceElements(batch, classTargets) * sizeof(float));  // f32 and i32 alike
  layOut(ws, ws.buffer, 0, classTargets);
  return ws;
}

std::vector<Workspace> Model::makeWorkspaces(std::size_t batch, bool classTargets, std::size_t count,
                                             compute::Buffer& buffer) const {
  const std::size_t elements = workspaceElements(batch, classTargets);
  const std::size_t stride = slotStride(elements, count);
  buffer = mBackend->allocate(((count - 1) * stride + elements) * sizeof(float));
  std::vector<Workspace> spaces(count);
  for (std::size_t i = 0; i < count; ++i) {
    spaces[i].batch = batch;
    layOut(spaces[i], buffer, i * stride, classTargets);
  }
  return spaces;
}

void Model::addForward(compute::Graph& graph, const Workspace& ws) const { addLayers(graph, ws, false); }

void Model::addPrediction(compute::Graph& graph, const Workspace& ws) const {
  if (mSpec.head != compute::Head::Softmax) {
    addLayers(graph, ws, true);
    return;
  }
  addForward(graph, ws);
  // The loss op applies the softmax; its target is all zeros and its loss is not read.
  graph.add(lossOp(ws), "head");
}

void Model::addLayers(compute::Graph& graph, const Workspace& ws, bool elementwiseHead) const {
  const std::size_t last = mSpec.layerCount() - 1;
  for (std::size_t l = 0; l < mSpec.layerCount(); ++l) {
    const Tensor& in = l == 0 ? ws.input : ws.a[l - 1];
    const std::string name = "layers." + std::to_string(l);
    graph.add(compute::GemmOp{.a = in, .b = weight(l), .c = ws.z[l], .transB = true}, name + ".matmul");
    // With the head here, the last layer's activation is the head's, written to ws.output.
    const bool head = elementwiseHead && l == last;
    const compute::Activation activation = !head                                  ? mSpec.layerActivation(l)
                                           : mSpec.head == compute::Head::Sigmoid ? compute::Activation::Sigmoid
                                                                                  : compute::Activation::Linear;
    graph.add(
        compute::BiasActivationOp{
            .z = ws.z[l], .bias = bias(l), .a = head ? ws.output : ws.a[l], .activation = activation},
        name + (head ? ".head" : ".bias_activation"));
  }
}

compute::LossOp Model::lossOp(const Workspace& ws) const {
  const std::size_t last = mSpec.layerCount() - 1;
  return compute::LossOp{.z = ws.a[last],
                         .target = ws.target,
                         .output = ws.output,
                         .loss = ws.loss,
                         .dz = ws.dz[last],
                         .head = mSpec.head,
                         .loss_kind = mSpec.loss};
}

void Model::addLossAndBackward(compute::Graph& graph, const Workspace& ws) const {
  const std::size_t last = mSpec.layerCount() - 1;
  graph.add(lossOp(ws), "loss");
  for (std::size_t l = last + 1; l-- > 0;) {
    const std::string name = "layers." + std::to_string(l);
    const Tensor& in = l == 0 ? ws.input : ws.a[l - 1];
    graph.add(compute::GemmOp{.a = ws.dz[l], .b = in, .c = weightGrad(l), .transA = true}, name + ".weight_grad");
    graph.add(compute::BiasGradOp{.dz = ws.dz[l], .db = biasGrad(l)}, name + ".bias_grad");
    if (l == 0) break;
    graph.add(compute::GemmOp{.a = ws.dz[l], .b = weight(l), .c = ws.da[l - 1]}, name + ".input_grad");
    graph.add(compute::ActivationBackwardOp{.da = ws.da[l - 1],
                                            .z = ws.z[l - 1],
                                            .a = ws.a[l - 1],
                                            .dz = ws.dz[l - 1],
                                            .activation = mSpec.layerActivation(l - 1)},
              "layers." + std::to_string(l - 1) + ".activation_grad");
  }
}

void Model::addOptimizer(compute::Graph& graph, compute::OptimizerKind kind, const Tensor& hyper,
                         const Tensor& counters) const {
  graph.add(compute::OptimizerOp{.params = params(),
                                 .grads = grads(),
                                 .state1 = state1(),
                                 .state2 = state2(),
                                 .hyper = hyper,
                                 .counters = counters,
                                 .kind = kind,
                                 .regularized = mSpec.weightCount()},
            "optimizer");
}

std::vector<std::pair<std::size_t, std::size_t>> Model::weightSegments() const {
  std::vector<std::pair<std::size_t, std::size_t>> segments;
  for (std::size_t l = 0; l < mSpec.layerCount(); ++l) {
    segments.emplace_back(mSpec.weightOffset(l), mSpec.weightOffset(l + 1));
  }
  return segments;
}

}  // namespace nsb::nn
