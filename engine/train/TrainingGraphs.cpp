// TrainingGraphs: pure builders of the Trainer's graphs; no backend work happens here.
#include "train/TrainingGraphs.h"

#include <algorithm>

namespace nsb::train {

using compute::DType;
using compute::Tensor;

namespace {

void addGather(compute::Graph& g, const nn::Workspace& ws, const SplitTensors& split) {
  g.add(
      compute::GatherOp{
          .src = split.x, .index = split.index, .counters = split.counters, .dst = ws.input, .scale = split.scale},
      "gather.inputs");
  g.add(compute::GatherOp{.src = split.y, .index = split.index, .counters = split.counters, .dst = ws.target},
        "gather.targets");
}

compute::Graph trainGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split,
                          compute::OptimizerKind optimizer, const Tensor& hyper, const compute::Buffer* norms) {
  const std::size_t layers = model.spec().layerCount();
  compute::Graph g;
  addGather(g, ws, split);
  model.addForward(g, ws);
  model.addLossAndBackward(g, ws);
  const auto segments = model.weightSegments();
  if (norms) {
    g.add(compute::SumSquaresOp{.x = model.grads(), .out = norms->tensor({layers}), .segments = segments},
          "metrics.gradient_norm");
    g.add(compute::CopyOp{.src = model.params(), .dst = model.previousParams()}, "metrics.keep_weights");
  }
  model.addOptimizer(g, optimizer, hyper, split.counters);
  if (norms) {
    g.add(compute::SumSquaresOp{.x = model.params(),
                                .y = model.previousParams(),
                                .out = norms->tensor({layers}, DType::F32, layers),
                                .segments = segments},
          "metrics.update_norm");
    g.add(
        compute::SumSquaresOp{
            .x = model.params(), .out = norms->tensor({layers}, DType::F32, 2 * layers), .segments = segments},
        "metrics.weight_norm");
  }
  g.add(compute::AdvanceOp{.counters = split.counters}, "advance");
  return g;
}

}  // namespace

EvalChunks evalChunks(std::size_t testCount, std::size_t evalChunk) {
  EvalChunks c;
  c.rows = std::max<std::size_t>(testCount, 1);
  c.chunk = std::min(evalChunk, c.rows);
  c.padded = (c.rows + c.chunk - 1) / c.chunk * c.chunk;
  return c;
}

compute::Graph stepGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split,
                         compute::OptimizerKind optimizer, const Tensor& hyper) {
  return trainGraph(model, ws, split, optimizer, hyper, nullptr);
}

compute::Graph metricsStepGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split,
                                compute::OptimizerKind optimizer, const Tensor& hyper, const compute::Buffer& norms) {
  return trainGraph(model, ws, split, optimizer, hyper, &norms);
}

compute::Graph evalGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split) {
  const nn::ModelSpec& spec = model.spec();
  const std::size_t last = spec.layerCount() - 1;
  compute::Graph g;
  addGather(g, ws, split);
  model.addForward(g, ws);
  g.add(model.lossOp(ws), "loss");
  g.add(compute::ArgmaxOp{.z = ws.a[last], .predictions = ws.predictions}, "argmax");
  g.add(compute::AdvanceOp{.counters = split.counters}, "advance");
  return g;
}

compute::Graph probeGraph(const nn::Model& model, const nn::Workspace& ws) {
  compute::Graph g;
  model.addPrediction(g, ws);
  return g;
}

compute::Graph probeCopyGraph(const nn::Workspace& ws, std::size_t layers, const compute::Buffer& slot,
                              const std::vector<std::size_t>& offsets) {
  compute::Graph g;
  for (std::size_t l = 0; l < layers; ++l) {
    const Tensor& src = l + 1 == layers ? ws.output : ws.a[l];
    g.add(compute::CopyOp{.src = src, .dst = slot.tensor({src.elements()}, DType::F32, offsets[l])}, "probe.copy");
  }
  return g;
}

compute::Graph spectrumGraph(const Tensor& weights, std::size_t count, std::size_t height, std::size_t width,
                             const Tensor& magnitude) {
  compute::Graph g;
  g.add(compute::SpectrumOp{.images = Tensor{weights.buffer, weights.offset, {count, height, width}, DType::F32},
                            .magnitude = magnitude,
                            .height = height,
                            .width = width},
        "probe.spectrum");
  return g;
}

}  // namespace nsb::train
