#pragma once
// LossGrid: the data loss (no L1/L2 term) of a network over an odd N x N grid of the plane
// params + alpha * D1 + beta * D2, alpha and beta in [-span, span], on a fixed evaluation batch,
// computed on a compute::Backend. The first layer is linear in the perturbation, so its
// pre-activations for every grid point come from three products (X W^T + b, X D1^T + d1, X D2^T + d2)
// and one [points, 4] x [4, rows * width] product (coefficients 1, alpha, beta, 0); the deeper layers
// take one pass per grid point, many grid points per submit, their weights made by one [points, 4] x
// [4, rest] product. Each deeper op follows the same op of the grid point before (layer by layer), so
// that the Vulkan backend runs a layer of the whole chunk as one dispatch (compute/vulkan/VulkanBatch.h).
// Memory is checked against the backend's budget before anything is allocated.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "compute/Backend.h"
#include "core/Result.h"
#include "data/Dataset.h"
#include "landscape/Directions.h"
#include "nn/ModelSpec.h"
#include "train/MemoryEstimate.h"

namespace nsb::landscape {

// The evaluation batch: the first `rows` samples of a dataset's test split in file order, as the
// network sees them (pixels scaled by the dataset's normalisation).
struct EvaluationBatch {
  std::size_t rows = 0;
  std::vector<float> inputs;         // [rows, spec.inputs]
  std::vector<std::int32_t> labels;  // [rows] (classification)
  std::vector<float> targets;        // [rows, spec.outputs] (regression)
  bool classes = true;
};

// Bad input naming --dataset or --batch when the dataset does not fit the network (features, outputs,
// task) or has no test samples; `rows` is capped at the test split's size.
core::Result<EvaluationBatch> evaluationBatch(const data::Dataset& dataset, const nn::ModelSpec& spec,
                                              std::size_t rows);

constexpr std::size_t DEFAULT_GRID = 33;
constexpr std::size_t MAX_GRID = 1025;

struct GridConfig {
  std::size_t points = DEFAULT_GRID;  // per side, odd, 3 to MAX_GRID
  float span = 1.0f;                  // alpha and beta run over [-span, span]
  std::size_t chunk = 0;              // grid points per submit; 0 chooses (at most 256, 64 MiB of activations)
};

struct Grid {
  std::size_t points = 0;
  float span = 0.0f;
  std::vector<float> loss;  // [beta index][alpha index], points * points

  float coordinate(std::size_t index) const {
    return points < 2 ? 0.0f : -span + 2.0f * span * static_cast<float>(index) / static_cast<float>(points - 1);
  }
  float at(std::size_t alphaIndex, std::size_t betaIndex) const { return loss[betaIndex * points + alphaIndex]; }
  float centre() const { return at(points / 2, points / 2); }
};

// Called after each submit with the grid points done so far and the total.
using GridProgress = std::function<void(std::size_t done, std::size_t total)>;

// What computeGrid allocates on the backend (and keeps on the host), for checkMemory.
train::MemoryNeed estimateGridMemory(const nn::ModelSpec& spec, std::size_t rows, const GridConfig& config);

// One grid computed a chunk of grid points at a time, so that a caller can do other work between two
// chunks (the editor's session thread trains and applies commands between them): start() checks,
// uploads and records the program, each advance() is one submit. Backend thread only.
class GridPass {
 public:
  // The same checks and errors as computeGrid.
  static core::Result<std::unique_ptr<GridPass>> start(compute::Backend& backend, const nn::ModelSpec& spec,
                                                       std::span<const float> params, const Directions& directions,
                                                       const EvaluationBatch& batch, const GridConfig& config);
  ~GridPass();
  GridPass(const GridPass&) = delete;
  GridPass& operator=(const GridPass&) = delete;

  // Computes the next chunk (one submit and one read of its losses); nothing once finished.
  void advance();
  bool finished() const;
  std::size_t done() const;
  std::size_t total() const;
  std::size_t chunk() const;  // grid points per submit
  const Grid& grid() const;   // complete once finished()

 private:
  struct Plan;
  explicit GridPass(std::unique_ptr<Plan> plan);
  std::unique_ptr<Plan> mPlan;
};

// The grid around `params` (flat layout). Bad input for a grid that is even, out of range or with
// span <= 0, for directions of the wrong size, or when it does not fit the backend's memory budget (one
// line naming the need and the budget). Runs on the calling thread.
core::Result<Grid> computeGrid(compute::Backend& backend, const nn::ModelSpec& spec, std::span<const float> params,
                               const Directions& directions, const EvaluationBatch& batch, const GridConfig& config,
                               const GridProgress& progress = {});

}  // namespace nsb::landscape
