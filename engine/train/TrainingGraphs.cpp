// TrainingGraphs: pure builders of the Trainer's graphs; no backend work happens here.
#include "train/TrainingGraphs.h"

#include <algorithm>

#include "core/Check.h"

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

// The first replica's workspace receives the gathered batch; every other one must read it from there.
void checkShared(std::span<const GraphReplica> replicas) {
  NSB_CHECK(!replicas.empty());
  auto same = [](const Tensor& a, const Tensor& b) {
    return a.buffer == b.buffer && a.offset == b.offset && a.shape == b.shape && a.dtype == b.dtype;
  };
  for (const GraphReplica& r : replicas) {
    NSB_CHECK(same(r.ws->input, replicas[0].ws->input) && same(r.ws->target, replicas[0].ws->target))
        << "a replica's workspace does not share the gathered batch";
  }
}

// A race's replica `replica` owns the ops from `first` on: a lane of its own (Graph::lanes), since
// replicas share only what they read (the gathered batch, the counters). A solo graph keeps lane 0.
void setLane(compute::Graph& g, std::size_t first, std::size_t replicas, std::size_t replica) {
  if (replicas < 2) return;
  for (std::size_t j = first; j < g.ops.size(); ++j) g.lanes[j] = static_cast<std::uint32_t>(replica + 1);
}

}  // namespace

EvalChunks evalChunks(std::size_t testCount, std::size_t evalChunk) {
  EvalChunks c;
  c.rows = std::max<std::size_t>(testCount, 1);
  c.chunk = std::min(evalChunk, c.rows);
  c.padded = (c.rows + c.chunk - 1) / c.chunk * c.chunk;
  return c;
}

compute::Graph stepGraph(std::span<const GraphReplica> replicas, const SplitTensors& split, bool metrics) {
  checkShared(replicas);
  compute::Graph g;
  addGather(g, *replicas[0].ws, split);
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    const GraphReplica& r = replicas[i];
    const std::size_t first = g.ops.size();
    const nn::Model& model = *r.model;
    const std::size_t layers = model.spec().layerCount();
    model.addForward(g, *r.ws);
    model.addLossAndBackward(g, *r.ws);
    const auto segments = model.weightSegments();
    if (metrics) {
      NSB_CHECK(r.norms != nullptr);
      g.add(compute::SumSquaresOp{.x = model.grads(), .out = r.norms->tensor({layers}), .segments = segments},
            "metrics.gradient_norm");
      g.add(compute::CopyOp{.src = model.params(), .dst = model.previousParams()}, "metrics.keep_weights");
    }
    model.addOptimizer(g, r.optimizer, r.hyper, split.counters);
    if (metrics) {
      g.add(compute::SumSquaresOp{.x = model.params(),
                                  .y = model.previousParams(),
                                  .out = r.norms->tensor({layers}, DType::F32, layers),
                                  .segments = segments},
            "metrics.update_norm");
      g.add(
          compute::SumSquaresOp{
              .x = model.params(), .out = r.norms->tensor({layers}, DType::F32, 2 * layers), .segments = segments},
          "metrics.weight_norm");
    }
    setLane(g, first, replicas.size(), i);
  }
  g.add(compute::AdvanceOp{.counters = split.counters}, "advance");
  return g;
}

compute::Graph evalGraph(std::span<const GraphReplica> replicas, const SplitTensors& split) {
  checkShared(replicas);
  compute::Graph g;
  addGather(g, *replicas[0].ws, split);
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    const GraphReplica& r = replicas[i];
    const std::size_t first = g.ops.size();
    const std::size_t last = r.model->spec().layerCount() - 1;
    r.model->addForward(g, *r.ws);
    g.add(r.model->lossOp(*r.ws), "loss");
    g.add(compute::ArgmaxOp{.z = r.ws->a[last], .predictions = r.ws->predictions}, "argmax");
    setLane(g, first, replicas.size(), i);
  }
  g.add(compute::AdvanceOp{.counters = split.counters}, "advance");
  return g;
}

compute::Graph stepGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split,
                         compute::OptimizerKind optimizer, const Tensor& hyper) {
  const GraphReplica solo{.model = &model, .ws = &ws, .optimizer = optimizer, .hyper = hyper};
  return stepGraph(std::span(&solo, 1), split, false);
}

compute::Graph metricsStepGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split,
                                compute::OptimizerKind optimizer, const Tensor& hyper, const compute::Buffer& norms) {
  const GraphReplica solo{.model = &model, .ws = &ws, .optimizer = optimizer, .hyper = hyper, .norms = &norms};
  return stepGraph(std::span(&solo, 1), split, true);
}

compute::Graph evalGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split) {
  const GraphReplica solo{.model = &model, .ws = &ws};
  return evalGraph(std::span(&solo, 1), split);
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
