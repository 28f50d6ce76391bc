// The CPU backend's contract beyond the ops: buffers (ids from 1, zero-filled, counted transfers),
// threads and device name, repeats, per-op timing only when asked, compile-time shape checks, and
// bit-identical training steps run to run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "OpTestSupport.h"
#include "TinyMlp.h"

namespace nsb::compute::test {
namespace {

TEST(CpuBackend, BuffersStartAtOneAndAreZeroFilled) {
  auto backend = makeBackend("cpu");
  Buffer a = backend->allocate(12), b = backend->allocate(1000), c = backend->allocate(0);
  EXPECT_EQ(a.id().value, 1u);
  EXPECT_EQ(b.id().value, 2u);
  EXPECT_EQ(c.id().value, 3u);
  for (float v : backend->read<float>(b.tensor({250}))) EXPECT_EQ(v, 0.0f);
  b.reset();
  Buffer d = backend->allocate(8);
  EXPECT_EQ(d.id().value, 4u) << "released ids are not reused, so a stale id cannot alias a new buffer";
}

TEST(CpuBackend, UploadAndDownloadRoundTripAndCountBytes) {
  auto backend = makeBackend("cpu");
  Buffer buffer = backend->allocate(64);
  const std::vector<std::int32_t> values = {1, -2, 3, 1 << 30};
  backend->write<std::int32_t>(buffer.tensor({4}, DType::I32, 5), values);
  EXPECT_EQ(backend->read<std::int32_t>(buffer.tensor({4}, DType::I32, 5)), values);
  EXPECT_EQ(backend->read<std::int32_t>(buffer.tensor({1}, DType::I32, 4))[0], 0) << "bytes before the range untouched";
  EXPECT_EQ(backend->bytesTransferred(), 16u + 16u + 4u);
}

TEST(CpuBackend, ReportsThreadsAndDevice) {
  auto automatic = makeBackend("cpu");
  // One per physical core, at most 8: every logical CPU without SMT, half of them with 2-way SMT.
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_LE(automatic->threads(), std::min(cpus, 8));
  EXPECT_GE(automatic->threads(), std::min(std::max(cpus / 2, 1), 8));
  auto three = makeBackend("cpu", BackendOptions{.threads = 3});
  EXPECT_EQ(three->threads(), 3);
  EXPECT_EQ(three->name(), "cpu");
  EXPECT_NE(three->deviceName().find("OpenBLAS "), std::string::npos) << three->deviceName();
  for (OpKind kind = 0; kind < OP_KIND_COUNT; ++kind) EXPECT_TRUE(three->supports(kind)) << opName(kind);
}

TEST(CpuBackend, SubmitRunsTheGraphRepeatsTimes) {
  auto backend = makeBackend("cpu");
  Buffer counters = backend->allocate(8);
  Graph graph;
  graph.add(AdvanceOp{counters.tensor({2}, DType::I32)});
  auto program = backend->compile(graph);
  program->submit(5);
  program->submit(0);
  program->submit();
  EXPECT_EQ(backend->read<std::int32_t>(counters.tensor({2}, DType::I32)), (std::vector<std::int32_t>{6, 6}));
}

TEST(CpuBackend, TimesOpsOnlyWhenAsked) {
  for (bool timing : {false, true}) {
    auto backend = makeBackend("cpu", BackendOptions{.timing = timing});
    Buffer a = backend->allocate(7 * 33 * 4), b = backend->allocate(33 * 5 * 4), c = backend->allocate(7 * 5 * 4);
    Graph graph;
    graph.add(GemmOp{a.tensor({7, 33}), b.tensor({33, 5}), c.tensor({7, 5})}, "layer.gemm");
    graph.add(CopyOp{c.tensor({35}), c.tensor({35})});
    auto program = backend->compile(graph);
    program->submit(3);
    const auto timings = program->timings();
    if (!timing) {
      EXPECT_TRUE(timings.empty());
      continue;
    }
    ASSERT_EQ(timings.size(), 2u);
    EXPECT_EQ(timings[0].label, "layer.gemm");
    EXPECT_EQ(timings[1].label, "copy") << "an unlabelled op is named after its kind";
    EXPECT_DOUBLE_EQ(timings[0].flops, 2.0 * 7 * 5 * 33);
    EXPECT_GE(timings[0].microseconds, 0.0);
    EXPECT_DOUBLE_EQ(timings[1].flops, 0.0);
  }
}

TEST(CpuBackendDeathTest, RejectsAWrongGraphAtCompileTime) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto backend = makeBackend("cpu");
  Buffer a = backend->allocate(7 * 33 * 4), b = backend->allocate(32 * 5 * 4), c = backend->allocate(7 * 5 * 4);
  Graph graph;
  graph.add(GemmOp{a.tensor({7, 33}), b.tensor({32, 5}), c.tensor({7, 5})}, "bad.gemm");
  EXPECT_DEATH(backend->compile(graph), "bad.gemm");
  Graph overrun;
  overrun.add(CopyOp{a.tensor({7, 33}), c.tensor({7, 33})});
  EXPECT_DEATH(backend->compile(overrun), "overruns");
}

// The same training steps from the same start on two backends give the same bits (fixed-order sums),
// with any thread count; at batch 256 every element-wise op and GEMM of the step is cut into parts.
TEST(CpuBackend, TrainingStepsAreBitIdenticalRunToRunAndAcrossThreadCounts) {
  for (std::size_t batch : {32u, 256u}) {
    std::vector<std::vector<float>> results;
    for (int threads : {1, 1, 2, 3}) {
      auto backend = makeBackend("cpu", BackendOptions{.threads = threads});
      MlpConfig config;
      config.sizes = {784, 64, 64, 10};
      config.hidden = Activation::Relu;
      config.batch = batch;
      config.gather = true;
      config.datasetRows = 1024;
      config.batchesInIndex = 8;
      TinyMlp mlp(*backend, config, 5);
      auto program = backend->compile(mlp.step());
      program->submit(4);
      const float loss = mlp.loss();
      EXPECT_TRUE(std::isfinite(loss));
      auto params = mlp.read(mlp.params);
      params.push_back(loss);
      results.push_back(std::move(params));
    }
    EXPECT_TRUE(results[0] == results[1]) << "batch " << batch << ": two identical runs differ";
    EXPECT_TRUE(results[0] == results[2]) << "batch " << batch << ": 2 threads differ from 1";
    EXPECT_TRUE(results[0] == results[3]) << "batch " << batch << ": 3 threads differ from 1";
  }
}

// Denormal inputs count as zero on every thread that computes a part, not only on the caller's: the
// registers that say so are per thread (Adam slowed ~3x when a worker computed denormals).
TEST(CpuBackend, DenormalsAreZeroOnEveryThread) {
  constexpr std::size_t COUNT = 100000;
  for (int threads : {1, 2}) {
    auto backend = makeBackend("cpu", BackendOptions{.threads = threads});
    Buffer da = backend->allocate(COUNT * 4), z = backend->allocate(COUNT * 4), a = backend->allocate(COUNT * 4),
           dz = backend->allocate(COUNT * 4);
    backend->write<float>(da.tensor({COUNT}), std::vector<float>(COUNT, 1e-40f));
    backend->write<float>(a.tensor({COUNT}), std::vector<float>(COUNT, 0.5f));  // sigmoid' = 0.25: 2.5e-41 unflushed
    Graph graph;
    graph.add(ActivationBackwardOp{da.tensor({COUNT}), z.tensor({COUNT}), a.tensor({COUNT}), dz.tensor({COUNT}),
                                   Activation::Sigmoid});
    backend->compile(graph)->submit();
    const auto out = backend->read<float>(dz.tensor({COUNT}));
    EXPECT_EQ(std::count(out.begin(), out.end(), 0.0f), static_cast<std::ptrdiff_t>(COUNT)) << threads << " threads";
  }
}

}  // namespace
}  // namespace nsb::compute::test
