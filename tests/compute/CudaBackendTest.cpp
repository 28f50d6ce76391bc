// The CUDA backend. Its host-side decisions (CudaPlan.h) are tested everywhere; the tests that need an
// NVIDIA GPU (training parity with the CPU, graph replay, device errors, the memory budget) are
// registered everywhere and skip with the reason where no CUDA backend can be made. The op suite and the
// gradient checks run on "cuda" too (testedBackends()).
#include <gtest/gtest.h>

#include <cmath>

#include "OpTestSupport.h"
#include "TinyMlp.h"
#include "compute/OptimizerMath.h"
#include "compute/cuda/CudaModule.h"
#include "compute/cuda/CudaPlan.h"

namespace nsb::compute::test {
namespace {

using cuda::GraphPlan;
using cuda::SubmitPath;

TEST(CudaPlan, ElementLaunchCoversEveryElementWithAGridStrideCap) {
  EXPECT_EQ(cuda::elementLaunch(0).blocks, 1u);
  EXPECT_EQ(cuda::elementLaunch(1).blocks, 1u);
  EXPECT_EQ(cuda::elementLaunch(256).blocks, 1u);
  EXPECT_EQ(cuda::elementLaunch(257).blocks, 2u);
  EXPECT_EQ(cuda::elementLaunch(256 * 10).threads, cuda::ELEMENT_THREADS);
  EXPECT_EQ(cuda::elementLaunch(std::size_t{1} << 34).blocks, cuda::MAX_ELEMENT_BLOCKS);
}

TEST(CudaPlan, BiasGradHasOneBlockPerColumnGroup) {
  EXPECT_EQ(cuda::biasGradLaunch(1).blocks, 1u);
  EXPECT_EQ(cuda::biasGradLaunch(32).blocks, 1u);
  EXPECT_EQ(cuda::biasGradLaunch(33).blocks, 2u);
  EXPECT_EQ(cuda::biasGradLaunch(784).blocks, 25u);
  EXPECT_EQ(cuda::biasGradLaunch(10).threads, cuda::BIAS_COLUMNS * cuda::BIAS_SLICES);
}

TEST(CudaPlan, CublasWorkspaceIsLargerOnHopper) {
  EXPECT_EQ(cuda::cublasWorkspaceBytes(8), std::size_t{4} << 20);
  EXPECT_EQ(cuda::cublasWorkspaceBytes(9), std::size_t{32} << 20);
  EXPECT_EQ(cuda::cublasWorkspaceBytes(10), std::size_t{32} << 20);
}

TEST(CudaPlan, GraphIsCapturedOnTheSecondSubmitThenReplayed) {
  GraphPlan plan(true);
  EXPECT_EQ(plan.next(), SubmitPath::Direct);  // the warm-up
  EXPECT_EQ(plan.next(), SubmitPath::CaptureThenReplay);
  EXPECT_EQ(plan.next(), SubmitPath::Replay);
  EXPECT_EQ(plan.next(), SubmitPath::Replay);
  EXPECT_EQ(plan.recordings(), 1u);
}

TEST(CudaPlan, TimedOrRefusedProgramsStayDirect) {
  GraphPlan timed(false);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(timed.next(), SubmitPath::Direct);
  EXPECT_EQ(timed.recordings(), 1u);
  GraphPlan refused(true);
  EXPECT_EQ(refused.next(), SubmitPath::Direct);
  EXPECT_EQ(refused.next(), SubmitPath::CaptureThenReplay);
  refused.captureFailed();
  EXPECT_EQ(refused.next(), SubmitPath::Direct);
  EXPECT_EQ(refused.next(), SubmitPath::Direct);
}

// Forward ops as nn::Model::addLayers makes them: per layer a GEMM x W^T into z, then bias + activation into a.
std::vector<Op> denseForward(const std::vector<std::size_t>& sizes, std::size_t rows) {
  std::vector<Op> ops;
  std::uint32_t next = 1;
  auto tensor = [&next](std::vector<std::size_t> shape) { return Tensor{BufferId{next++}, 0, std::move(shape)}; };
  Tensor in = tensor({rows, sizes[0]});
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const Tensor z = tensor({rows, sizes[l + 1]}), a = tensor({rows, sizes[l + 1]});
    ops.emplace_back(GemmOp{.a = in, .b = tensor({sizes[l + 1], sizes[l]}), .c = z, .transB = true});
    ops.emplace_back(BiasActivationOp{.z = z, .bias = tensor({sizes[l + 1]}), .a = a, .activation = Activation::Relu});
    in = a;
  }
  return ops;
}

TEST(CudaPlan, FusedMlpTakesTheNarrowLayersAfterTheWideInput) {
  const auto chains = cuda::planFusedMlp(denseForward({784, 64, 64, 10}, 256));
  ASSERT_EQ(chains.size(), 1u);
  ASSERT_EQ(chains[0].size(), 2u);
  EXPECT_EQ(chains[0][0].gemm, 2u);
  EXPECT_EQ(chains[0][0].bias, 3u);
  EXPECT_EQ(chains[0][1].gemm, 4u);
  EXPECT_EQ(chains[0][0].in, 64u);
  EXPECT_EQ(chains[0][1].out, 10u);
  // Narrow from the input on: every layer.
  EXPECT_EQ(cuda::planFusedMlp(denseForward({2, 128, 128, 1}, 32)).at(0).size(), 3u);
}

TEST(CudaPlan, FusedMlpNeedsTwoNarrowLayersThatFeedEachOther) {
  EXPECT_TRUE(cuda::planFusedMlp(denseForward({784, 129, 64, 10}, 256)).empty()) << "129 wide: one narrow layer";
  EXPECT_TRUE(cuda::planFusedMlp(denseForward({784, 64, 10}, 256)).empty());
  auto ops = denseForward({2, 16, 2}, 8);
  std::get<GemmOp>(ops[2]).a.buffer = BufferId{999};  // the second layer reads something else
  EXPECT_TRUE(cuda::planFusedMlp(ops).empty());
  ops = denseForward({2, 16, 2}, 8);
  std::get<GemmOp>(ops[2]).beta = 1.0f;  // accumulates into z: not a plain dense layer
  EXPECT_TRUE(cuda::planFusedMlp(ops).empty());
  // At most FUSED_MAX_LAYERS layers per chain; the rest start another.
  const auto chains = cuda::planFusedMlp(denseForward(std::vector<std::size_t>(cuda::FUSED_MAX_LAYERS + 3, 8), 8));
  ASSERT_EQ(chains.size(), 2u);
  EXPECT_EQ(chains[0].size(), cuda::FUSED_MAX_LAYERS);
  EXPECT_EQ(chains[1].size(), 2u);
}

// Without the module, or without the driver, `--backend cuda` is one line saying which; never a crash.
TEST(CudaBackend, UnavailableIsOneLineNamingWhatIsMissing) {
  const core::Status status = cudaAvailability();
  if (status.ok()) GTEST_SKIP() << "this machine has a CUDA device";
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
  if (cuda::moduleBuilt()) {
    EXPECT_NE(status.message().find("libcuda.so.1"), std::string::npos) << status.message();
  }
  auto backend = createBackend("cuda");
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.message().rfind("--backend cuda: ", 0), 0u) << backend.message();
  EXPECT_EQ(backend.error().kind, core::ErrorKind::Runtime);
  auto fallback = createBackend("auto");
  ASSERT_TRUE(fallback.ok());
  EXPECT_NE(fallback.value()->name(), "cuda");
}

TEST(CudaBackend, ModuleLoadsWhereItWasBuilt) {
  if (!cuda::moduleBuilt()) GTEST_SKIP() << "this build has no CUDA module (NSB_CUDA found no nvcc or was OFF)";
  auto module = cuda::loadModule();
  ASSERT_TRUE(module.ok()) << module.message();
  EXPECT_EQ(module.value()->version, cuda::MODULE_VERSION);
  EXPECT_TRUE(module.value()->usable && module.value()->create && module.value()->devices);
}

// ---- on a GPU -------------------------------------------------------------------------------------------

MlpConfig mnistLike(std::size_t batch) {
  MlpConfig config;
  config.sizes = {784, 64, 64, 10};
  config.hidden = Activation::Relu;
  config.batch = batch;
  config.gather = true;
  config.datasetRows = 1024;
  config.batchesInIndex = 8;
  return config;
}

double relativeDistance(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    norm += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(diff / std::max(norm, 1e-30));
}

// Training steps (gather, GEMMs, activations, loss, Adam) on CUDA land where the CPU's land: FP32 with TF32
// off, so after 8 steps the parameters differ by rounding only (1e-5 relative; a wrong kernel is 1e-2+).
TEST(CudaBackend, TrainingStepsMatchTheCpu) {
  NSB_SKIP_UNLESS_USABLE(std::string("cuda"));
  for (std::size_t batch : {32u, 256u}) {
    std::vector<std::vector<float>> results;
    std::vector<float> losses;
    for (const char* name : {"cpu", "cuda"}) {
      auto backend = makeBackend(name);
      ASSERT_TRUE(backend);
      TinyMlp mlp(*backend, mnistLike(batch), 5);
      auto program = backend->compile(mlp.step());
      for (int i = 0; i < 4; ++i) program->submit(2);
      backend->synchronize();
      ASSERT_TRUE(backend->status().ok()) << backend->status().message();
      results.push_back(mlp.read(mlp.params));
      losses.push_back(mlp.loss());
    }
    EXPECT_LT(relativeDistance(results[1], results[0]), 1e-5) << "batch " << batch;
    EXPECT_NEAR(losses[1], losses[0], 1e-4 * std::fabs(losses[0])) << "batch " << batch;
  }
}

// The captured graph replays exactly what the op-by-op path runs (a timed program never captures), and a
// live hyperparameter edit after the capture reaches the replays.
TEST(CudaBackend, GraphReplayMatchesOpByOpAndSeesLiveEdits) {
  NSB_SKIP_UNLESS_USABLE(std::string("cuda"));
  std::vector<std::vector<float>> results;
  for (bool timing : {true, false}) {
    auto backend = makeBackend("cuda", BackendOptions{.timing = timing});
    ASSERT_TRUE(backend);
    TinyMlp mlp(*backend, mnistLike(64), 9);
    auto program = backend->compile(mlp.step());
    program->submit(1);
    program->submit(1);
    program->submit(3);
    std::vector<float> h = backend->read<float>(mlp.hyper.tensor({HYPER_COUNT}));
    h[HYPER_LR] = 0.05f;
    backend->write<float>(mlp.hyper.tensor({HYPER_COUNT}), h);
    program->submit(2);
    backend->synchronize();
    ASSERT_TRUE(backend->status().ok()) << backend->status().message();
    EXPECT_EQ(program->recordings(), 1u);
    if (timing) {
      const auto timings = program->timings();
      ASSERT_FALSE(timings.empty());
      double total = 0.0;
      for (const auto& t : timings) total += t.microseconds;
      EXPECT_GT(total, 0.0) << "CUDA events timed nothing";
    }
    results.push_back(mlp.read(mlp.params));
  }
  EXPECT_TRUE(results[0] == results[1]) << "graph replay differs from the op-by-op path";
}

// A bad index found by a kernel fails the backend with one line; nothing aborts.
TEST(CudaBackend, ABadGatherIndexIsOneLineNotACrash) {
  NSB_SKIP_UNLESS_USABLE(std::string("cuda"));
  auto backend = makeBackend("cuda");
  ASSERT_TRUE(backend);
  Buffer src = backend->allocate(4 * 3 * 4), index = backend->allocate(2 * 4), counters = backend->allocate(8),
         dst = backend->allocate(2 * 3 * 4);
  const std::vector<std::int32_t> bad = {1, 7};
  backend->write<std::int32_t>(index.tensor({2}, DType::I32), bad);
  Graph graph;
  graph.add(GatherOp{src.tensor({4, 3}), index.tensor({2}, DType::I32), counters.tensor({2}, DType::I32),
                     dst.tensor({2, 3})});
  auto program = backend->compile(graph);
  program->submit();
  backend->synchronize();
  const core::Status status = backend->status();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("index[1] = 7"), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find('\n'), std::string::npos);
}

TEST(CudaBackend, MemoryBudgetComesFromCudaMemGetInfo) {
  NSB_SKIP_UNLESS_USABLE(std::string("cuda"));
  auto backend = makeBackend("cuda");
  ASSERT_TRUE(backend);
  const MemoryBudget budget = backend->memoryBudget();
  EXPECT_EQ(budget.source, "cudaMemGetInfo");
  EXPECT_GT(budget.available, 0u);
  EXPECT_LT(budget.available, UNLIMITED_BYTES);
  EXPECT_FALSE(budget.host);
}

}  // namespace
}  // namespace nsb::compute::test
