// LossGrid: the loss landscape's grid on a backend, in batched passes (see LossGrid.h for the plan).
#include "landscape/LossGrid.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "compute/Graph.h"
#include "compute/Op.h"

namespace nsb::landscape {

using compute::DType;
using compute::Tensor;

namespace {

constexpr std::uint64_t FLOAT = sizeof(float);
constexpr std::size_t MAX_CHUNK = 256;
constexpr std::uint64_t CHUNK_BYTES = 64ull << 20;  // activations of the grid points of one submit
// Each grid point's coefficients (1, alpha, beta, 0): the fourth, zero term (a zero row in the stacks it
// multiplies) makes rows of 4 floats, which the texel GEMM reads four at a time with no tail.
constexpr std::size_t TERMS = 4;

// The sizes every part of the plan takes from the spec and the batch.
struct Shape {
  std::size_t rows = 0, first = 0, rest = 0, activations = 0;  // activations: floats per grid point, all layers
  std::size_t logits = 0;  // the head's outputs and the loss gradient, each rows * outputs per grid point
  std::size_t stride = 0;  // rest rounded up to 4 floats: each grid point's weights start as aligned

  Shape(const nn::ModelSpec& spec, std::size_t batchRows) : rows(batchRows) {
    first = spec.layerOutputs(0) * spec.inputs;
    rest = spec.parameterCount() - first;
    for (std::size_t l = 0; l < spec.layerCount(); ++l) activations += rows * spec.layerOutputs(l);
    logits = rows * spec.outputs;
    stride = (rest + 3) / 4 * 4;
  }
  std::uint64_t perPoint() const { return (stride + activations + 2 * logits + 4) * FLOAT; }
  std::size_t chunk(const GridConfig& config) const {
    const std::size_t total = config.points * config.points;
    if (config.chunk > 0) return std::min(config.chunk, total);
    const auto fit = static_cast<std::size_t>(std::max<std::uint64_t>(1, CHUNK_BYTES / perPoint()));
    const std::size_t most = std::min({MAX_CHUNK, total, fit});
    // Chunks of equal size: a short last chunk would still run every point of the program.
    const std::size_t submits = (total + most - 1) / most;
    return (total + submits - 1) / submits;
  }
};

core::Status checkConfig(const GridConfig& config) {
  if (config.points < 3 || config.points > MAX_GRID || config.points % 2 == 0) {
    return core::badInput("--grid: expected an odd number from 3 to " + std::to_string(MAX_GRID) + ", got " +
                          std::to_string(config.points));
  }
  if (!(config.span > 0.0f) || !std::isfinite(config.span)) {
    return core::badInput("--span: expected a finite number > 0, got " + std::to_string(config.span));
  }
  return core::Ok{};
}

}  // namespace

core::Result<EvaluationBatch> evaluationBatch(const data::Dataset& d, const nn::ModelSpec& spec, std::size_t rows) {
  if (d.features != spec.inputs) {
    return core::badInput("--dataset: " + d.name + " has " + std::to_string(d.features) +
                          " features but the network takes " + std::to_string(spec.inputs) + " inputs");
  }
  const bool classes = d.task == data::Task::Classification;
  if (!classes && spec.head != compute::Head::Linear) {
    return core::badInput("--dataset: " + d.name + " is a regression but the network has the " +
                          std::string(compute::headName(spec.head)) + " head of a classifier");
  }
  const std::size_t outputs = classes ? d.outputWidth() : d.outputs;
  if (outputs != spec.outputs) {
    return core::badInput("--dataset: " + d.name + " needs " + std::to_string(outputs) +
                          " outputs but the network has " + std::to_string(spec.outputs));
  }
  if (d.test.count == 0) return core::badInput("--dataset: " + d.name + " has no test samples");
  if (rows == 0) return core::badInput("--batch: expected at least 1 sample");
  EvaluationBatch batch;
  batch.rows = std::min(rows, d.test.count);
  batch.classes = classes;
  const std::size_t n = batch.rows * d.features;
  batch.inputs.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch.inputs[i] = d.u8 ? static_cast<float>(d.test.pixels[i]) * d.normalisation.scale : d.test.values[i];
  }
  if (classes) {
    batch.labels.assign(d.test.labels.begin(), d.test.labels.begin() + static_cast<std::ptrdiff_t>(batch.rows));
  } else {
    batch.targets.assign(d.test.targets.begin(),
                         d.test.targets.begin() + static_cast<std::ptrdiff_t>(batch.rows * spec.outputs));
  }
  return batch;
}

train::MemoryNeed estimateGridMemory(const nn::ModelSpec& spec, std::size_t rows, const GridConfig& config) {
  const Shape s(spec, rows);
  const std::size_t chunk = s.chunk(config);
  train::MemoryNeed need;
  auto add = [&](train::MemoryPart part, std::uint64_t bytes) {
    need[part].bytes += bytes;
    need[part].largestBuffer = std::max(need[part].largestBuffer, bytes);
  };
  using train::MemoryPart;
  add(MemoryPart::Data, rows * spec.inputs * FLOAT);
  add(MemoryPart::Data, rows * spec.outputs * FLOAT);
  add(MemoryPart::Model, 3 * s.first * FLOAT);
  add(MemoryPart::Model, TERMS * s.stride * FLOAT);
  add(MemoryPart::Model, std::max(s.stride, rows * spec.layerOutputs(0)) * FLOAT);
  add(MemoryPart::Batches, TERMS * rows * spec.layerOutputs(0) * FLOAT);
  add(MemoryPart::Batches, chunk * TERMS * FLOAT);
  add(MemoryPart::Batches, chunk * s.stride * FLOAT);
  for (std::size_t l = 0; l < spec.layerCount(); ++l)
    add(MemoryPart::Batches, chunk * rows * spec.layerOutputs(l) * FLOAT);
  add(MemoryPart::Batches, 2 * chunk * rows * spec.outputs * FLOAT);
  add(MemoryPart::Small, chunk * FLOAT);
  // The host's copies: the batch, the two directions and the grid.
  add(MemoryPart::Host, (rows * (spec.inputs + spec.outputs) + 3 * spec.parameterCount() +
                         config.points * config.points + chunk * TERMS) *
                            FLOAT);
  return need;
}

struct GridPass::Plan {
  compute::Backend* backend = nullptr;
  std::size_t total = 0, chunk = 0, done = 0;
  compute::Buffer x, target, first, rest, zeros, products, coefficients, perturbed, output, dz, losses;
  std::vector<compute::Buffer> activations;
  Tensor coef;
  std::unique_ptr<compute::Program> program;
  Grid grid;
  std::vector<float> coefficientValues;
};

GridPass::GridPass(std::unique_ptr<Plan> plan) : mPlan(std::move(plan)) {}
GridPass::~GridPass() = default;
bool GridPass::finished() const { return mPlan->done >= mPlan->total; }
std::size_t GridPass::done() const { return mPlan->done; }
std::size_t GridPass::total() const { return mPlan->total; }
std::size_t GridPass::chunk() const { return mPlan->chunk; }
const Grid& GridPass::grid() const { return mPlan->grid; }

core::Result<std::unique_ptr<GridPass>> GridPass::start(compute::Backend& backend, const nn::ModelSpec& spec,
                                                        std::span<const float> params, const Directions& directions,
                                                        const EvaluationBatch& batch, const GridConfig& config) {
  NSB_TRY(checkConfig(config));
  const std::size_t count = spec.parameterCount();
  if (params.size() != count || directions.first.size() != count || directions.second.size() != count) {
    return core::badInput("landscape: weights and directions must have the network's " + std::to_string(count) +
                          " parameters");
  }
  if (batch.rows == 0 || batch.inputs.size() != batch.rows * spec.inputs) {
    return core::badInput("landscape: the evaluation batch does not fit the network's inputs");
  }
  const Shape s(spec, batch.rows);
  const std::size_t total = config.points * config.points, chunk = s.chunk(config);
  const std::size_t layers = spec.layerCount(), rows = batch.rows, h0 = spec.layerOutputs(0);
  NSB_TRY(train::checkMemory(estimateGridMemory(spec, rows, config), backend,
                             "the landscape " + std::to_string(config.points) + "x" + std::to_string(config.points) +
                                 " of " + train::describeShape(spec) + " on " + std::to_string(rows) + " samples"));

  // Inputs, targets, and the weights and both directions stacked as [3, n]: the first layer's weights
  // apart from everything else (the deeper weights and every bias, in the flat layout's order).
  auto plan = std::make_unique<Plan>();
  plan->backend = &backend;
  plan->total = total;
  plan->chunk = chunk;
  compute::Buffer& x = plan->x;
  x = backend.allocate(rows * spec.inputs * FLOAT);
  backend.write(x.tensor({rows * spec.inputs}), std::span<const float>(batch.inputs));
  compute::Buffer& target = plan->target;
  Tensor targetTensor;
  if (batch.classes) {
    target = backend.allocate(rows * sizeof(std::int32_t));
    targetTensor = target.tensor({rows}, DType::I32);
    backend.write(targetTensor, std::span<const std::int32_t>(batch.labels));
  } else {
    target = backend.allocate(rows * spec.outputs * FLOAT);
    targetTensor = target.tensor({rows, spec.outputs});
    backend.write(targetTensor, std::span<const float>(batch.targets));
  }
  compute::Buffer& first = plan->first;
  compute::Buffer& rest = plan->rest;
  first = backend.allocate(3 * s.first * FLOAT);
  rest = backend.allocate(TERMS * s.stride * FLOAT);
  {
    const std::span<const float> stacks[3] = {params, directions.first, directions.second};
    std::vector<float> row(s.stride, 0.0f);  // zeros past the end of each row
    for (std::size_t k = 0; k < 3; ++k) {
      backend.write(first.tensor({s.first}, DType::F32, k * s.first), stacks[k].subspan(0, s.first));
      std::copy(stacks[k].begin() + static_cast<std::ptrdiff_t>(s.first), stacks[k].end(), row.begin());
      backend.write(rest.tensor({s.stride}, DType::F32, k * s.stride), std::span<const float>(row));
    }
    std::fill(row.begin(), row.end(), 0.0f);
    backend.write(rest.tensor({s.stride}, DType::F32, 3 * s.stride), std::span<const float>(row));
  }

  // X W^T + b, X D1^T + d1, X D2^T + d2 (the first layer's biases and theirs in the directions): the
  // first layer's pre-activations at every grid point are combinations of these.
  compute::Buffer& products = plan->products;
  products = backend.allocate(TERMS * rows * h0 * FLOAT);
  backend.write(products.tensor({rows * h0}, DType::F32, 3 * rows * h0),
                std::span<const float>(std::vector<float>(rows * h0, 0.0f)));
  {
    compute::Graph graph;
    for (std::size_t k = 0; k < 3; ++k) {
      const Tensor product = products.tensor({rows, h0}, DType::F32, k * rows * h0);
      graph.add(compute::GemmOp{.a = x.tensor({rows, spec.inputs}),
                                .b = first.tensor({h0, spec.inputs}, DType::F32, k * s.first),
                                .c = product,
                                .transB = true},
                "landscape.first_layer");
      graph.add(
          compute::BiasActivationOp{.z = product,
                                    .bias = rest.tensor({h0}, DType::F32, k * s.stride + spec.biasOffset(0) - s.first),
                                    .a = product},
          "landscape.first_layer.bias");
    }
    backend.compile(graph)->submit(1);
  }

  // One program for a chunk of grid points, replayed with each chunk's coefficients (1, alpha, beta).
  compute::Buffer& coefficients = plan->coefficients;
  compute::Buffer& perturbed = plan->perturbed;
  coefficients = backend.allocate(chunk * TERMS * FLOAT);
  perturbed = backend.allocate(chunk * s.stride * FLOAT);
  std::vector<compute::Buffer>& activations = plan->activations;
  for (std::size_t l = 0; l < layers; ++l)
    activations.push_back(backend.allocate(chunk * rows * spec.layerOutputs(l) * FLOAT));
  compute::Buffer& zeros = plan->zeros;
  const std::size_t zeroCount = std::max(s.stride, rows * h0);
  zeros = backend.allocate(zeroCount * FLOAT);
  backend.write(zeros.tensor({zeroCount}), std::span<const float>(std::vector<float>(zeroCount, 0.0f)));
  compute::Buffer& output = plan->output;
  compute::Buffer& dz = plan->dz;
  compute::Buffer& losses = plan->losses;
  // Each grid point's head outputs and loss gradient apart (unused, but no two points write one range).
  output = backend.allocate(chunk * rows * spec.outputs * FLOAT);
  dz = backend.allocate(chunk * rows * spec.outputs * FLOAT);
  losses = backend.allocate(chunk * FLOAT);
  compute::Graph graph;
  plan->coef = coefficients.tensor({chunk, TERMS});
  const Tensor coef = plan->coef;
  // A zero bias after each product of the coefficients: both then take the same GEMM variant (one
  // pipeline less to compile, 0.1 s on lavapipe).
  const Tensor weights = perturbed.tensor({chunk, s.stride});
  graph.add(compute::GemmOp{.a = coef, .b = rest.tensor({TERMS, s.stride}), .c = weights}, "landscape.weights");
  graph.add(compute::BiasActivationOp{.z = weights, .bias = zeros.tensor({s.stride}), .a = weights},
            "landscape.weights.bias");
  // The first layer's activations at every point at once: its biases are in the products already, so
  // the bias added here is zero (one per element of a point's [rows, h0] block).
  const Tensor firstLayer = activations[0].tensor({chunk, rows * h0});
  graph.add(compute::GemmOp{.a = coef, .b = products.tensor({TERMS, rows * h0}), .c = firstLayer},
            "landscape.first_layer");
  graph.add(
      compute::BiasActivationOp{
          .z = firstLayer, .bias = zeros.tensor({rows * h0}), .a = firstLayer, .activation = spec.layerActivation(0)},
      "landscape.first_layer.activation");
  // Layer by layer over the chunk's grid points: each point's op follows the same op of the point
  // before, at offsets one point further on, so that a backend may run them as one (VulkanBatch).
  for (std::size_t l = 1; l < layers; ++l) {
    const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l);
    for (std::size_t g = 0; g < chunk; ++g) {
      const std::size_t params0 = g * s.stride;
      const Tensor z = activations[l].tensor({rows, out}, DType::F32, g * rows * out);
      graph.add(compute::GemmOp{.a = activations[l - 1].tensor({rows, in}, DType::F32, g * rows * in),
                                .b = perturbed.tensor({out, in}, DType::F32, params0 + spec.weightOffset(l) - s.first),
                                .c = z,
                                .transB = true},
                "landscape.layers." + std::to_string(l));
      graph.add(
          compute::BiasActivationOp{.z = z,
                                    .bias = perturbed.tensor({out}, DType::F32, params0 + spec.biasOffset(l) - s.first),
                                    .a = z,
                                    .activation = spec.layerActivation(l)},
          "landscape.layers." + std::to_string(l) + ".bias");
    }
  }
  const std::size_t logits = rows * spec.outputs;
  for (std::size_t g = 0; g < chunk; ++g) {
    graph.add(compute::LossOp{.z = activations[layers - 1].tensor({rows, spec.outputs}, DType::F32, g * logits),
                              .target = targetTensor,
                              .output = output.tensor({rows, spec.outputs}, DType::F32, g * logits),
                              .loss = losses.tensor({1}, DType::F32, g),
                              .dz = dz.tensor({rows, spec.outputs}, DType::F32, g * logits),
                              .head = spec.head,
                              .loss_kind = spec.loss},
              "landscape.loss");
  }
  plan->program = backend.compile(graph);
  plan->grid = Grid{config.points, config.span, std::vector<float>(total)};
  plan->coefficientValues.resize(chunk * TERMS);
  return std::unique_ptr<GridPass>(new GridPass(std::move(plan)));
}

void GridPass::advance() {
  Plan& p = *mPlan;
  if (p.done >= p.total) return;
  const std::size_t start = p.done, n = std::min(p.chunk, p.total - start);
  for (std::size_t g = 0; g < p.chunk; ++g) {
    const std::size_t point = start + std::min(g, n - 1);  // a short last chunk repeats its last point
    p.coefficientValues[TERMS * g] = 1.0f;
    p.coefficientValues[TERMS * g + 1] = p.grid.coordinate(point % p.grid.points);
    p.coefficientValues[TERMS * g + 2] = p.grid.coordinate(point / p.grid.points);
    p.coefficientValues[TERMS * g + 3] = 0.0f;
  }
  p.backend->write(p.coef, std::span<const float>(p.coefficientValues));
  p.program->submit(1);
  const auto values = p.backend->read<float>(p.losses.tensor({p.chunk}));
  std::copy_n(values.begin(), n, p.grid.loss.begin() + static_cast<std::ptrdiff_t>(start));
  p.done = start + n;
}

core::Result<Grid> computeGrid(compute::Backend& backend, const nn::ModelSpec& spec, std::span<const float> params,
                               const Directions& directions, const EvaluationBatch& batch, const GridConfig& config,
                               const GridProgress& progress) {
  auto pass = GridPass::start(backend, spec, params, directions, batch, config);
  if (!pass) return pass.error();
  while (!pass.value()->finished()) {
    pass.value()->advance();
    if (progress) progress(pass.value()->done(), pass.value()->total());
  }
  return pass.value()->grid();
}

}  // namespace nsb::landscape
