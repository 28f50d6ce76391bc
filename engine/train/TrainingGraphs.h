#pragma once
// TrainingGraphs: the graphs the Trainer compiles (a training step with or without metrics, the test
// evaluation, the probes and their slot copies, the weight spectrum), built by pure functions from the
// model and the tensors they read and write, so that a test can check the ops they produce.
#include <cstddef>
#include <span>
#include <vector>

#include "compute/Graph.h"
#include "nn/Model.h"

namespace nsb::train {

// The rows a graph gathers from an uploaded split.
struct SplitTensors {
  compute::Tensor x;         // [rows, features], f32 (or u8 pixels, see scale)
  compute::Tensor y;         // [rows] i32 class labels, or [rows, outputs] f32 targets
  compute::Tensor index;     // i32 rows to gather, read from the counters' cursor on
  compute::Tensor counters;  // i32 [COUNTER_COUNT]: step and cursor
  float scale = 1.0f;        // u8 pixels to features
};

// The test set scored in whole chunks: the identity index padded with row 0 (ignored when scored).
struct EvalChunks {
  std::size_t rows = 1;    // the test rows, at least one (an empty split keeps a one-row buffer)
  std::size_t chunk = 1;   // rows per evaluation submit
  std::size_t padded = 1;  // rows rounded up to whole chunks
};
EvalChunks evalChunks(std::size_t testCount, std::size_t evalChunk);

// One network in a graph: a solo run's, or one replica of a race (Race.h). A race's replicas share the
// batch gathered once into the first one's workspace: the others' input and target are the first's.
struct GraphReplica {
  const nn::Model* model = nullptr;
  const nn::Workspace* ws = nullptr;
  compute::OptimizerKind optimizer = compute::OptimizerKind::Adam;
  compute::Tensor hyper;                   // its live hyperparameters (HYPER_COUNT f32)
  const compute::Buffer* norms = nullptr;  // the metrics step's norms (see metricsStepGraph)
};

// One training step of every replica in one graph: the batch gathered once, then each replica's
// forward, loss and backward and optimizer (the very ops of its solo step, in its order), then one
// advance. With `metrics`, each replica's norms too.
compute::Graph stepGraph(std::span<const GraphReplica> replicas, const SplitTensors& split, bool metrics);
// The evaluation chunk of every replica: the chunk gathered once, each replica's forward, loss and argmax.
compute::Graph evalGraph(std::span<const GraphReplica> replicas, const SplitTensors& split);

// One training step: gather, forward, loss and backward, optimizer, advance. The metrics step also
// writes `norms` (a buffer of [3 * layers] f32: gradient, update and weight norms per layer), keeping
// the weights before the update to measure it.
compute::Graph stepGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split,
                         compute::OptimizerKind optimizer, const compute::Tensor& hyper);
compute::Graph metricsStepGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split,
                                compute::OptimizerKind optimizer, const compute::Tensor& hyper,
                                const compute::Buffer& norms);
// One evaluation chunk: gather, forward, the head's loss and output, argmax, advance.
compute::Graph evalGraph(const nn::Model& model, const nn::Workspace& ws, const SplitTensors& split);
// A probe: the forward pass of its inputs (already in ws.input) and the head's output.
compute::Graph probeGraph(const nn::Model& model, const nn::Workspace& ws);
// Copies a probe's layer outputs (the head's output for the last) into `slot` at `offsets` (floats).
compute::Graph probeCopyGraph(const nn::Workspace& ws, std::size_t layers, const compute::Buffer& slot,
                              const std::vector<std::size_t>& offsets);
// The 2D spectrum magnitudes ([count, height, width / 2 + 1]) of `count` weight rows as images.
compute::Graph spectrumGraph(const compute::Tensor& weights, std::size_t count, std::size_t height, std::size_t width,
                             const compute::Tensor& magnitude);

}  // namespace nsb::train
