// VulkanBatch: runs of like dispatches on ranges apart run as one dispatch and compute exactly what they
// computed one by one; dispatches that touch each other's ranges stay apart.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "compute/Graph.h"
#include "compute/Registry.h"
#include "core/Rng.h"
#include "gpu/VulkanContext.h"

namespace nsb::compute {
namespace {

constexpr std::size_t POINTS = 7, ROWS = 13, IN = 9, OUT = 11;

// Per point p: z_p = x_p w_p^T, then z_p = tanh(z_p + b_p) (a fused GEMM), then a softmax
// cross-entropy loss of z_p. `layerByLayer` orders the ops as the landscape does (each point's op after
// the same op of the point before), which VulkanBatch merges; otherwise point by point, which it cannot.
struct Batch {
  std::unique_ptr<Backend> backend;
  Buffer x, w, z, target, output, dz, loss;
  Graph graph;

  Batch(const std::string& kind, bool layerByLayer, bool timing) {
    backend = std::move(createBackend(kind, {.timing = timing}).value());
    core::Rng rng(3);
    auto fill = [&](Buffer& buffer, std::size_t count) {
      buffer = backend->allocate(count * sizeof(float));
      std::vector<float> values(count);
      for (float& v : values) v = rng.uniform(-1.0f, 1.0f);
      backend->write(buffer.tensor({count}), std::span<const float>(values));
    };
    // Strides that are not multiples of 4 floats, so that the texel GEMM reads A and B as scalars.
    fill(x, POINTS * ROWS * IN);
    fill(w, POINTS * (OUT * IN + OUT));
    z = backend->allocate(POINTS * ROWS * OUT * sizeof(float));
    output = backend->allocate(POINTS * ROWS * OUT * sizeof(float));
    dz = backend->allocate(POINTS * ROWS * OUT * sizeof(float));
    loss = backend->allocate(POINTS * sizeof(float));
    target = backend->allocate(ROWS * sizeof(std::int32_t));
    std::vector<std::int32_t> labels(ROWS);
    for (auto& l : labels) l = static_cast<std::int32_t>(rng.below(OUT));
    backend->write(target.tensor({ROWS}, DType::I32), std::span<const std::int32_t>(labels));

    auto layer = [&](std::size_t p) {
      const Tensor zp = z.tensor({ROWS, OUT}, DType::F32, p * ROWS * OUT);
      const std::size_t params = p * (OUT * IN + OUT);
      graph.add(GemmOp{.a = x.tensor({ROWS, IN}, DType::F32, p * ROWS * IN),
                       .b = w.tensor({OUT, IN}, DType::F32, params),
                       .c = zp,
                       .transB = true},
                "layer");
      graph.add(
          BiasActivationOp{
              .z = zp, .bias = w.tensor({OUT}, DType::F32, params + OUT * IN), .a = zp, .activation = Activation::Tanh},
          "layer.bias");
    };
    auto head = [&](std::size_t p) {
      const std::size_t at = p * ROWS * OUT;
      graph.add(LossOp{.z = z.tensor({ROWS, OUT}, DType::F32, at),
                       .target = target.tensor({ROWS}, DType::I32),
                       .output = output.tensor({ROWS, OUT}, DType::F32, at),
                       .loss = loss.tensor({1}, DType::F32, p),
                       .dz = dz.tensor({ROWS, OUT}, DType::F32, at),
                       .head = Head::Softmax,
                       .loss_kind = LossKind::CrossEntropy},
                "loss");
    };
    if (layerByLayer) {
      for (std::size_t p = 0; p < POINTS; ++p) layer(p);
      for (std::size_t p = 0; p < POINTS; ++p) head(p);
    } else {
      for (std::size_t p = 0; p < POINTS; ++p) {
        layer(p);
        head(p);
      }
    }
  }

  // Everything the ops wrote, and the dispatches of each op of the last submit.
  std::vector<float> run(std::vector<std::uint32_t>* dispatches = nullptr) {
    auto program = backend->compile(graph);
    program->submit(1);
    std::vector<float> all = backend->read<float>(z.tensor({POINTS * ROWS * OUT}));
    for (const Buffer* b : {&output, &dz, &loss}) {
      const auto values = backend->read<float>(b->tensor({b->bytes() / sizeof(float)}));
      all.insert(all.end(), values.begin(), values.end());
    }
    if (dispatches) {
      for (const auto& op : program->timings()) dispatches->push_back(op.dispatches);
    }
    return all;
  }
};

TEST(VulkanBatch, LikeDispatchesRunAsOneAndComputeWhatTheyDidApart) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  std::vector<std::uint32_t> batched, apart;
  const auto merged = Batch("vulkan", true, true).run(&batched);
  const auto oneByOne = Batch("vulkan", false, true).run(&apart);
  // The same shaders on the same operands: the same bits, whatever the order of the workgroups.
  ASSERT_EQ(merged.size(), oneByOne.size());
  for (std::size_t i = 0; i < merged.size(); ++i) ASSERT_EQ(merged[i], oneByOne[i]) << "value " << i;
  // Layer by layer: one GEMM (its bias fused) and one loss dispatch for all points.
  ASSERT_EQ(batched.size(), 3 * POINTS);
  EXPECT_EQ(batched[0], 1u);
  EXPECT_EQ(batched[2 * POINTS], 1u);
  for (std::size_t p = 1; p < POINTS; ++p) {
    EXPECT_EQ(batched[2 * p], 0u) << "GEMM of point " << p;
    EXPECT_EQ(batched[2 * POINTS + p], 0u) << "loss of point " << p;
  }
  // Point by point nothing is alike in a row: one dispatch each.
  for (std::size_t p = 0; p < POINTS; ++p) EXPECT_EQ(apart[3 * p] + apart[3 * p + 2], 2u) << "point " << p;
  // And both as the CPU computes them (the op suite's parity: NMSE <= 1e-7).
  const auto cpu = Batch("cpu", true, false).run();
  double err = 0.0, ref = 0.0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    err += std::pow(static_cast<double>(merged[i]) - cpu[i], 2);
    ref += std::pow(static_cast<double>(cpu[i]), 2);
  }
  EXPECT_LE(err / ref, 1e-7);
}

TEST(VulkanBatch, DispatchesOnOverlappingRangesStayApart) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  // Bias additions in place on ranges 5 long, 3 apart: each op reads what the one before wrote, so a
  // merged dispatch would race. One by one, the overlapping elements take two biases.
  constexpr std::size_t OPS = 6, LENGTH = 5, STEP = 3, SIZE = STEP * (OPS - 1) + LENGTH;
  std::vector<float> results[2];
  std::vector<std::uint32_t> dispatches;
  for (int b = 0; b < 2; ++b) {
    auto backend = std::move(createBackend(b == 0 ? "cpu" : "vulkan", {.timing = b == 1}).value());
    Buffer values = backend->allocate(SIZE * sizeof(float)), bias = backend->allocate(LENGTH * sizeof(float));
    std::vector<float> start(SIZE), add(LENGTH);
    for (std::size_t i = 0; i < SIZE; ++i) start[i] = static_cast<float>(i);
    for (std::size_t i = 0; i < LENGTH; ++i) add[i] = 0.5f + static_cast<float>(i);
    backend->write(values.tensor({SIZE}), std::span<const float>(start));
    backend->write(bias.tensor({LENGTH}), std::span<const float>(add));
    Graph graph;
    for (std::size_t k = 0; k < OPS; ++k) {
      const Tensor z = values.tensor({1, LENGTH}, DType::F32, k * STEP);
      graph.add(BiasActivationOp{.z = z, .bias = bias.tensor({LENGTH}), .a = z}, "bias");
    }
    auto program = backend->compile(graph);
    program->submit(1);
    results[b] = backend->read<float>(values.tensor({SIZE}));
    if (b == 1) {
      for (const auto& op : program->timings()) dispatches.push_back(op.dispatches);
    }
  }
  EXPECT_EQ(results[1], results[0]);  // small integers and halves: exact in float
  EXPECT_EQ(dispatches, std::vector<std::uint32_t>(OPS, 1u));
}

}  // namespace
}  // namespace nsb::compute
