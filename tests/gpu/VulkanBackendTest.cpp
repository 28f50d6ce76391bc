// The Vulkan compute backend under the validation layer: record once and replay (a learning-rate edit
// lands without re-recording), both GEMM variants forced against the CPU backend, per-op timestamps,
// and "no Vulkan device" (a child process with VK_ICD_FILENAMES pointing nowhere).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "GpuTestSupport.h"
#include "compute/OptimizerMath.h"
#include "compute/Registry.h"
#include "core/Rng.h"

extern char** environ;

namespace nsb::gpu::test {
namespace {

using namespace nsb::compute;

std::unique_ptr<Backend> makeVulkan(BackendOptions options = {}) {
  options.validation = true;
  auto backend = createBackend("vulkan", options);
  if (!backend) return nullptr;
  return std::move(*backend);
}

std::vector<float> randomValues(core::Rng& rng, std::size_t count) {
  std::vector<float> values(count);
  for (float& v : values) v = rng.uniform(-1.0f, 1.0f);
  return values;
}

class VulkanBackendTest : public GpuTest {};

TEST_F(VulkanBackendTest, LearningRateEditTakesEffectWithoutRerecording) {
  auto backend = makeVulkan();
  ASSERT_TRUE(backend);
  EXPECT_EQ(backend->name(), "vulkan");
  Buffer params = backend->allocate(4 * sizeof(float));
  Buffer grads = backend->allocate(4 * sizeof(float));
  Buffer hyper = backend->allocate(HYPER_COUNT * sizeof(float));
  Buffer counters = backend->allocate(COUNTER_COUNT * sizeof(std::int32_t));
  const Tensor w = params.tensor({4}), g = grads.tensor({4}), h = hyper.tensor({HYPER_COUNT});
  const Tensor c = counters.tensor({COUNTER_COUNT}, DType::I32);
  backend->write<float>(w, std::vector<float>{1, 2, 3, 4});
  backend->write<float>(g, std::vector<float>{1, 1, -1, 0.5f});
  std::vector<float> hyperValues(HYPER_COUNT, 0.0f);
  hyperValues[HYPER_LR] = 0.1f;
  backend->write<float>(h, hyperValues);

  Graph graph;
  graph.add(OptimizerOp{w, g, {}, {}, h, c, OptimizerKind::Sgd, 0}, "sgd");
  graph.add(AdvanceOp{c}, "advance");
  auto program = backend->compile(graph);
  program->submit(1);
  backend->synchronize();
  auto values = backend->read<float>(w);
  // 1 - 0.1 * 1 etc.; float arithmetic of one multiply-subtract: 1e-6 absolute.
  EXPECT_NEAR(values[0], 0.9f, 1e-6f);
  EXPECT_NEAR(values[2], 3.1f, 1e-6f);

  hyperValues[HYPER_LR] = 1.0f;  // the live edit: a write to the hyper tensor, no recompile
  backend->write<float>(h, hyperValues);
  program->submit(1);
  values = backend->read<float>(w);
  EXPECT_NEAR(values[0], -0.1f, 1e-6f) << "the new learning rate applies at the next submit";
  EXPECT_NEAR(values[3], 3.45f, 1e-6f);
  EXPECT_EQ(program->recordings(), 1u) << "an edit of the hyper buffer must not re-record";
  EXPECT_EQ(backend->read<std::int32_t>(c)[COUNTER_STEP], 2) << "Advance counts steps on the device";

  program->submit(3);  // a new repeat count records once more (3 step bodies in one command buffer)
  program->submit(3);
  EXPECT_EQ(program->recordings(), 2u);
  const auto counterValues = backend->read<std::int32_t>(c);
  EXPECT_EQ(counterValues[COUNTER_STEP], 8);
  EXPECT_EQ(counterValues[COUNTER_CURSOR], 8);
  values = backend->read<float>(w);
  EXPECT_NEAR(values[0], -0.1f - 6.0f, 1e-5f) << "six more steps of lr 1";
}

// C = alpha op(A) op(B) + beta C on the forced variant, against the CPU backend. Relative error of a
// K-term float dot product in a different order: ~sqrt(K) * 6e-8, so NMSE <= 1e-10 with a wide margin.
void checkGemm(Backend& vulkan, Backend& cpu, std::size_t m, std::size_t n, std::size_t k, bool transA, bool transB,
               float beta) {
  SCOPED_TRACE(std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + (transA ? " ta" : " na") +
               (transB ? " tb" : " nb"));
  core::Rng rng(m * 131 + n * 7 + k);
  const auto a = randomValues(rng, m * k), b = randomValues(rng, k * n), c0 = randomValues(rng, m * n);
  std::vector<std::vector<float>> results;
  for (Backend* backend : {&vulkan, &cpu}) {
    // Offsets of 4 floats keep the texel path's alignment while proving that offsets are honoured.
    Buffer buffer = backend->allocate((4 + a.size() + 4 + b.size() + 4 + c0.size()) * sizeof(float));
    const Tensor ta =
        buffer.tensor(transA ? std::vector<std::size_t>{k, m} : std::vector<std::size_t>{m, k}, DType::F32, 4);
    const Tensor tb = buffer.tensor(transB ? std::vector<std::size_t>{n, k} : std::vector<std::size_t>{k, n},
                                    DType::F32, 8 + a.size());
    const Tensor tc = buffer.tensor({m, n}, DType::F32, 12 + a.size() + b.size());
    backend->write<float>(ta, a);
    backend->write<float>(tb, b);
    backend->write<float>(tc, c0);
    Graph graph;
    graph.add(GemmOp{ta, tb, tc, transA, transB, 0.75f, beta});
    backend->compile(graph)->submit(1);
    backend->synchronize();
    results.push_back(backend->read<float>(tc));
  }
  double error = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < results[0].size(); ++i) {
    const double d = static_cast<double>(results[0][i]) - results[1][i];
    error += d * d;
    norm += static_cast<double>(results[1][i]) * results[1][i];
  }
  EXPECT_LE(error / norm, 1e-10);
}

void checkGemmVariant(const char* variant) {
  setenv("NSB_VULKAN_GEMM", variant, 1);
  auto vulkan = makeVulkan();
  unsetenv("NSB_VULKAN_GEMM");
  ASSERT_TRUE(vulkan);
  auto cpu = createBackend("cpu");
  ASSERT_TRUE(cpu);
  for (bool transA : {false, true}) {
    for (bool transB : {false, true}) {
      checkGemm(*vulkan, **cpu, 36, 44, 20, transA, transB, 0.0f);  // multiples of 4, not of 8: edge blocks
      checkGemm(*vulkan, **cpu, 68, 12, 76, transA, transB, 0.5f);
    }
  }
  checkGemm(*vulkan, **cpu, 256, 64, 784, false, false, 0.0f);  // an MNIST layer's forward GEMM
  for (bool transA : {false, true}) {
    for (bool transB : {false, true}) {
      checkGemm(*vulkan, **cpu, 33, 7, 13, transA, transB, 0.0f);  // unaligned rows: the texel variant's R32F views
    }
  }
  checkGemm(*vulkan, **cpu, 1, 1, 1, false, false, 0.5f);
}

TEST_F(VulkanBackendTest, TexelGemmMatchesTheCpu) { checkGemmVariant("texel"); }
TEST_F(VulkanBackendTest, TiledGemmMatchesTheCpu) { checkGemmVariant("tiled"); }

// The GEMM epilogues (matmul + bias_activation, input_grad + activation_backward, weight_grad +
// bias_grad, as the model builds them) against the same ops run apart on the CPU; each fused pair is
// one dispatch. Tolerance as checkGemm's; the activations are the same formulas on both sides.
void checkFusions(Backend& vulkan, Backend& cpu, std::size_t rows, std::size_t in, std::size_t out, Activation act,
                  std::size_t pad) {
  SCOPED_TRACE(std::to_string(rows) + "x" + std::to_string(in) + "->" + std::to_string(out) + " activation " +
               std::string(activationName(act)));
  core::Rng rng(rows * 31 + in * 7 + out + pad);
  const std::vector<std::size_t> sizes = {rows * in, out * in, out,       rows * out, rows * out, rows * out,
                                          out * in,  out,      rows * in, rows * in,  rows * in,  rows * in};
  std::vector<std::vector<float>> initial;
  for (const std::size_t size : sizes) initial.push_back(randomValues(rng, size));
  const std::vector<std::vector<std::size_t>> shapes = {{rows, in},  {out, in},   {out},      {rows, out},
                                                        {rows, out}, {rows, out}, {out, in},  {out},
                                                        {rows, in},  {rows, in},  {rows, in}, {rows, in}};
  std::vector<std::vector<std::vector<float>>> results;
  for (Backend* backend : {&vulkan, &cpu}) {
    std::size_t total = 0;
    for (const std::size_t size : sizes) total += size + pad;
    Buffer buffer = backend->allocate(total * sizeof(float));
    std::vector<Tensor> t;
    std::size_t offset = pad;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      t.push_back(buffer.tensor(shapes[i], DType::F32, offset));
      offset += sizes[i] + pad;
      backend->write<float>(t.back(), initial[i]);
    }
    // 0 x, 1 W, 2 bias, 3 z, 4 a, 5 dz, 6 dW, 7 db, 8 da, 9 zin, 10 ain, 11 dzin
    Graph graph;
    graph.add(GemmOp{.a = t[0], .b = t[1], .c = t[3], .transB = true}, "matmul");
    graph.add(BiasActivationOp{t[3], t[2], t[4], act}, "bias_activation");
    graph.add(GemmOp{.a = t[5], .b = t[0], .c = t[6], .transA = true}, "weight_grad");
    graph.add(BiasGradOp{t[5], t[7]}, "bias_grad");
    graph.add(GemmOp{.a = t[5], .b = t[1], .c = t[8]}, "input_grad");
    graph.add(ActivationBackwardOp{t[8], t[9], t[10], t[11], act}, "activation_backward");
    auto program = backend->compile(graph);
    program->submit(1);
    backend->synchronize();
    if (backend == &vulkan) {
      const auto timings = program->timings();
      ASSERT_EQ(timings.size(), 6u);
      for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(timings[i].dispatches, i % 2 == 0 ? 1u : 0u) << timings[i].label;
    }
    std::vector<std::vector<float>> values;
    for (const std::size_t i : {3, 4, 6, 7, 8, 11}) values.push_back(backend->read<float>(t[i]));
    results.push_back(std::move(values));
  }
  const char* names[] = {"z", "a", "dW", "db", "da", "dz"};
  for (std::size_t r = 0; r < results[0].size(); ++r) {
    double error = 0.0, norm = 0.0;
    for (std::size_t i = 0; i < results[0][r].size(); ++i) {
      const double d = static_cast<double>(results[0][r][i]) - results[1][r][i];
      error += d * d;
      norm += static_cast<double>(results[1][r][i]) * results[1][r][i];
    }
    EXPECT_LE(error, 1e-10 * norm + 1e-12) << names[r];
  }
}

void checkFusionsVariant(const char* variant) {
  setenv("NSB_VULKAN_GEMM", variant, 1);
  auto vulkan = makeVulkan({.timing = true});
  unsetenv("NSB_VULKAN_GEMM");
  ASSERT_TRUE(vulkan);
  auto cpu = createBackend("cpu");
  ASSERT_TRUE(cpu);
  checkFusions(*vulkan, **cpu, 33, 13, 7, Activation::Relu, 1);  // unaligned everywhere
  checkFusions(*vulkan, **cpu, 36, 44, 20, Activation::Tanh, 4);
  checkFusions(*vulkan, **cpu, 64, 784, 64, Activation::Sigmoid, 0);
  checkFusions(*vulkan, **cpu, 17, 20, 10, Activation::Gelu, 4);
}

TEST_F(VulkanBackendTest, TexelGemmEpiloguesMatchTheCpu) { checkFusionsVariant("texel"); }
TEST_F(VulkanBackendTest, TiledGemmEpiloguesMatchTheCpu) { checkFusionsVariant("tiled"); }

// A throughput probe, not a check (timings on a shared machine are noise for a pass/fail): the FP32
// peak and GEMM GFLOP/s of each variant. Run with --gtest_also_run_disabled_tests.
TEST_F(VulkanBackendTest, DISABLED_GemmThroughput) {
  struct Shape {
    std::size_t m, n, k;
    bool transA, transB;
  };
  const Shape shapes[] = {{1024, 1024, 1024, false, false}, {256, 64, 784, false, true}, {64, 784, 256, true, false},
                          {256, 784, 64, false, false},     {256, 10, 64, false, true},  {10, 64, 256, true, false}};
  // NSB_PROBE="texel;tiled": the variants, measured interleaved. By default GFLOP per CPU second times
  // the core count (what an idle machine would give; the machine is shared), NSB_PROBE_WALL=1 for timestamps.
  std::vector<std::string> configs;
  {
    std::string list = std::getenv("NSB_PROBE") ? std::getenv("NSB_PROBE") : "texel;tiled";
    std::size_t at = 0;
    while (at <= list.size()) {
      const std::size_t end = std::min(list.find(';', at), list.size());
      configs.push_back(list.substr(at, end - at));
      at = end + 1;
    }
  }
  struct Run {
    std::string config;
    std::unique_ptr<Backend> backend;
    std::vector<Buffer> buffers;
    std::vector<std::unique_ptr<Program>> programs;
    std::vector<std::vector<double>> gflops;
    double peak = 0.0;
  };
  std::vector<Run> runs;
  for (const auto& config : configs) {
    std::vector<std::string> f;
    std::size_t at = 0;
    while (at <= config.size()) {
      const std::size_t end = std::min(config.find(':', at), config.size());
      f.push_back(config.substr(at, end - at));
      at = end + 1;
    }
    setenv("NSB_VULKAN_GEMM", f[0].c_str(), 1);
    Run run;
    run.config = config;
    run.backend = makeVulkan({.timing = true});
    ASSERT_TRUE(run.backend);
    run.peak = run.backend->peakGflops();
    for (const Shape& s : shapes) {
      Buffer a = run.backend->allocate(s.m * s.k * sizeof(float)), b = run.backend->allocate(s.k * s.n * sizeof(float));
      Buffer c = run.backend->allocate(s.m * s.n * sizeof(float));
      Graph graph;
      graph.add(
          GemmOp{.a = a.tensor(s.transA ? std::vector<std::size_t>{s.k, s.m} : std::vector<std::size_t>{s.m, s.k}),
                 .b = b.tensor(s.transB ? std::vector<std::size_t>{s.n, s.k} : std::vector<std::size_t>{s.k, s.n}),
                 .c = c.tensor({s.m, s.n}),
                 .transA = s.transA,
                 .transB = s.transB});
      run.programs.push_back(run.backend->compile(graph));
      run.programs.back()->submit(1);
      run.buffers.push_back(std::move(a));
      run.buffers.push_back(std::move(b));
      run.buffers.push_back(std::move(c));
    }
    run.gflops.resize(std::size(shapes));
    unsetenv("NSB_VULKAN_GEMM");
    runs.push_back(std::move(run));
  }
  for (int round = 0; round < 7; ++round) {
    for (auto& run : runs) {
      for (std::size_t i = 0; i < std::size(shapes); ++i) {
        if (std::getenv("NSB_PROBE_SHAPE") && std::atoi(std::getenv("NSB_PROBE_SHAPE")) != static_cast<int>(i))
          continue;
        const Shape& s = shapes[i];
        const double flops = 2.0 * static_cast<double>(s.m * s.n * s.k);
        const auto repeats = static_cast<std::uint32_t>(std::clamp(1e8 / flops, 1.0, 50.0));
        timespec t0{}, t1{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        run.programs[i]->submit(repeats);
        run.backend->synchronize();
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        const double cpu =
            static_cast<double>(t1.tv_sec - t0.tv_sec) + 1e-9 * static_cast<double>(t1.tv_nsec - t0.tv_nsec);
        // GFLOP per CPU second times the core count: the figure on an idle machine, when the machine is shared.
        run.gflops[i].push_back(std::getenv("NSB_PROBE_WALL")
                                    ? flops / (run.programs[i]->timings().front().microseconds * 1e3)
                                    : flops * repeats / cpu * 1e-9 *
                                          static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN)));
      }
    }
  }
  for (auto& run : runs) {
    std::printf("%s: peak %.1f GFLOP/s\n", run.config.c_str(), run.peak);
    for (std::size_t i = 0; i < std::size(shapes); ++i) {
      const Shape& s = shapes[i];
      auto& g = run.gflops[i];
      if (g.empty()) continue;
      std::sort(g.begin(), g.end());
      std::printf("  %-16s %4zux%4zux%4zu%s%s: median %5.1f GFLOP/s (%3.0f%% of peak), min %5.1f max %5.1f\n",
                  run.config.c_str(), s.m, s.n, s.k, s.transA ? " ta" : "   ", s.transB ? " tb" : "   ",
                  g[g.size() / 2], 100.0 * g[g.size() / 2] / run.peak, g.front(), g.back());
    }
  }
}

// Where device memory is mapped (lavapipe) reads, writes and zero fills are host copies; GPUs without
// it copy through the staging buffer in 8 MiB chunks (NSB_VULKAN_STAGING=1 takes that path here). Both
// give the same bits: partial writes at offsets, a buffer over one chunk, new buffers zeroed, and the
// results of a program that reads and writes them.
TEST_F(VulkanBackendTest, StagingAndMappedTransfersGiveTheSameBits) {
  constexpr std::size_t BIG = (9u << 20) / sizeof(float) + 3;  // over one staging chunk
  core::Rng rng(11);
  std::vector<float> big(BIG), a(48 * 32), b(32 * 24);
  for (float& v : big) v = rng.uniform(-1.0f, 1.0f);
  for (float& v : a) v = rng.uniform(-1.0f, 1.0f);
  for (float& v : b) v = rng.uniform(-1.0f, 1.0f);
  const std::vector<float> patch{7.0f, -8.0f, 9.5f};
  struct Result {
    std::vector<float> big, zeros, c;
  };
  auto run = [&](bool staging) {
    if (staging) setenv("NSB_VULKAN_STAGING", "1", 1);
    auto backend = makeVulkan();
    unsetenv("NSB_VULKAN_STAGING");
    Result r;
    if (!backend) return r;
    Buffer bigBuffer = backend->allocate(BIG * sizeof(float));
    Buffer fresh = backend->allocate(1000 * sizeof(float));
    Buffer ab = backend->allocate(a.size() * sizeof(float)), bb = backend->allocate(b.size() * sizeof(float));
    Buffer cb = backend->allocate(48 * 24 * sizeof(float));
    backend->write<float>(bigBuffer.tensor({BIG}), big);
    backend->write<float>(bigBuffer.tensor({3}, DType::F32, BIG - 5), patch);  // across the end of the data
    backend->write<float>(ab.tensor({48, 32}), a);
    backend->write<float>(bb.tensor({32, 24}), b);
    Graph graph;
    graph.add(GemmOp{.a = ab.tensor({48, 32}), .b = bb.tensor({32, 24}), .c = cb.tensor({48, 24})});
    auto program = backend->compile(graph);
    program->submit(3);
    r.big = backend->read<float>(bigBuffer.tensor({BIG}));
    r.zeros = backend->read<float>(fresh.tensor({1000}));
    r.c = backend->read<float>(cb.tensor({48, 24}));
    EXPECT_TRUE(backend->status()) << backend->status().message();
    return r;
  };
  const Result mapped = run(false), staged = run(true);
  std::vector<float> want = big;
  std::copy(patch.begin(), patch.end(), want.begin() + static_cast<std::ptrdiff_t>(BIG - 5));
  EXPECT_EQ(mapped.big, want);
  EXPECT_EQ(staged.big, want);
  EXPECT_EQ(mapped.zeros, std::vector<float>(1000, 0.0f));
  EXPECT_EQ(staged.zeros, std::vector<float>(1000, 0.0f));
  ASSERT_EQ(mapped.c.size(), 48u * 24u);
  EXPECT_EQ(mapped.c, staged.c);
  EXPECT_NE(mapped.c, std::vector<float>(48 * 24, 0.0f));
}

TEST_F(VulkanBackendTest, TimingsReportEveryOp) {
  auto backend = makeVulkan({.timing = true});
  ASSERT_TRUE(backend);
  Buffer buffer = backend->allocate((256 * 784 + 784 * 64 + 256 * 64 + 64) * sizeof(float));
  const Tensor x = buffer.tensor({256, 784});
  const Tensor weights = buffer.tensor({784, 64}, DType::F32, 256 * 784);
  const Tensor z = buffer.tensor({256, 64}, DType::F32, 256 * 784 + 784 * 64);
  const Tensor bias = buffer.tensor({64}, DType::F32, 256 * 784 + 784 * 64 + 256 * 64);
  Graph graph;
  graph.add(GemmOp{x, weights, z}, "layer0.gemm");
  graph.add(BiasActivationOp{z, bias, z, Activation::Relu}, "layer0.relu");
  auto program = backend->compile(graph);
  program->submit(2);
  const auto timings = program->timings();
  ASSERT_EQ(timings.size(), 2u);
  EXPECT_EQ(timings[0].label, "layer0.gemm");
  EXPECT_EQ(timings[1].label, "layer0.relu");
  EXPECT_GT(timings[0].microseconds, 0.0) << "a 256x784x64 GEMM takes measurable time";
  EXPECT_GT(timings[0].microseconds, timings[1].microseconds) << "the GEMM does 784x the bias pass's work";
  EXPECT_DOUBLE_EQ(timings[0].flops, 2.0 * 256 * 784 * 64);
  auto untimed = makeVulkan();
  Buffer counters = untimed->allocate(COUNTER_COUNT * sizeof(std::int32_t));
  Graph advance;
  advance.add(AdvanceOp{counters.tensor({COUNTER_COUNT}, DType::I32)});
  auto untimedProgram = untimed->compile(advance);
  untimedProgram->submit(1);
  EXPECT_TRUE(untimedProgram->timings().empty()) << "no timings without BackendOptions::timing";
}

TEST_F(VulkanBackendTest, RunsOnASharedContext) {
  auto context = VulkanContext::create({.validation = true});
  ASSERT_TRUE(context);
  BackendOptions options;
  options.context = *context;
  const long before = context->use_count();
  auto backend = createBackend("vulkan", options);
  ASSERT_TRUE(backend) << backend.message();
  EXPECT_GT(context->use_count(), before) << "the backend holds the renderer's context, not a new one";
  Buffer counters = (*backend)->allocate(COUNTER_COUNT * sizeof(std::int32_t));
  const Tensor c = counters.tensor({COUNTER_COUNT}, DType::I32);
  Graph graph;
  graph.add(AdvanceOp{c});
  (*backend)->compile(graph)->submit(5);
  EXPECT_EQ((*backend)->read<std::int32_t>(c)[COUNTER_STEP], 5);
}

// auto trains on a GPU when there is one and on the CPU backend otherwise, never on a CPU Vulkan driver
// (lavapipe here): the CPU backend is far faster on the same cores. `devices` marks that choice.
TEST(AutoBackend, PicksAGpuOrTheCpuNeverACpuVulkanDriver) {
  const auto devices = listVulkanDevices();
  const auto gpu = std::find_if(devices.begin(), devices.end(),
                                [](const DeviceInfo& d) { return d.type == "discrete" || d.type == "integrated"; });
  const AutoChoice choice = chooseAuto({});
  if (gpu == devices.end()) {
    EXPECT_EQ(choice.backend, "cpu");
  } else {
    EXPECT_EQ(choice.backend, "vulkan");
    EXPECT_TRUE(devices[static_cast<std::size_t>(choice.device)].type == "discrete" ||
                devices[static_cast<std::size_t>(choice.device)].type == "integrated");
  }
  auto backend = createBackend("auto");
  ASSERT_TRUE(backend) << backend.message();
  EXPECT_EQ((*backend)->name(), choice.backend);

  // With the renderer's context (lavapipe here), auto trains beside it on the CPU unless it is a GPU.
  auto context = VulkanContext::create();
  ASSERT_TRUE(context) << context.message();
  const std::string type = (*context)->info().type;
  const AutoChoice shared = chooseAuto({.context = *context});
  EXPECT_EQ(shared.backend, type == "discrete" || type == "integrated" ? "vulkan" : "cpu") << type;

  std::size_t marked = 0;
  for (const auto& d : listDevices()) {
    if (!d.autoPick) continue;
    ++marked;
    EXPECT_EQ(d.backend, choice.backend);
    EXPECT_EQ(d.index, choice.device);
  }
  EXPECT_EQ(marked, 1u) << "devices marks exactly what auto picks";
  // Asked by name, Vulkan still runs on whatever device there is.
  EXPECT_TRUE(createBackend("vulkan"));
}

// Runs in the child process that NoVulkanDevice spawns (skipped otherwise).
TEST(NoVulkanDeviceChild, VulkanFailsAndAutoFallsBackToCpu) {
  if (!std::getenv("NSB_TEST_NO_VULKAN_CHILD")) GTEST_SKIP() << "runs only inside NoVulkanDevice's child process";
  EXPECT_TRUE(gpu::listVulkanDevices().empty());
  auto vulkan = createBackend("vulkan");
  ASSERT_FALSE(vulkan);
  EXPECT_EQ(vulkan.message().rfind("--backend vulkan: no Vulkan device (", 0), 0u) << vulkan.message();
  EXPECT_EQ(vulkan.error().kind, core::ErrorKind::Runtime);
  auto fallback = createBackend("auto");
  ASSERT_TRUE(fallback) << fallback.message();
  EXPECT_EQ((*fallback)->name(), "cpu");
}

// The loader reads VK_ICD_FILENAMES when an instance is made, so the test runs itself again with it set.
TEST(NoVulkanDevice, CreateFailsCleanlyAndAutoUsesTheCpu) {
  std::vector<std::string> variables;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    if (entry.rfind("VK_ICD_FILENAMES=", 0) == 0 || entry.rfind("VK_DRIVER_FILES=", 0) == 0) continue;
    variables.push_back(entry);
  }
  variables.push_back("VK_ICD_FILENAMES=/nonexistent/nsb_no_driver.json");
  variables.push_back("VK_DRIVER_FILES=/nonexistent/nsb_no_driver.json");
  variables.push_back("NSB_TEST_NO_VULKAN_CHILD=1");
  std::vector<char*> envp;
  for (auto& v : variables) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::string self = "/proc/self/exe";
  std::string filter = "--gtest_filter=NoVulkanDeviceChild.*";
  std::vector<char*> argv{self.data(), filter.data(), nullptr};
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, "/proc/self/exe", nullptr, nullptr, argv.data(), envp.data()), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's test failed (its output is above)";
}

}  // namespace
}  // namespace nsb::gpu::test

namespace nsb::gpu::test {
namespace {

using namespace nsb::compute;

// Throughput numbers for reports (not a pass/fail test): run with --gtest_also_run_disabled_tests.
TEST(VulkanPerformance, DISABLED_GemmAndDispatchRates) {
  using Clock = std::chrono::steady_clock;
  for (const char* variant : {"texel", "tiled"}) {
    setenv("NSB_VULKAN_GEMM", variant, 1);
    auto backend = createBackend("vulkan");
    unsetenv("NSB_VULKAN_GEMM");
    ASSERT_TRUE(backend);
    const std::size_t shapes[][3] = {{1024, 1024, 1024}, {256, 64, 784}};
    for (const auto& shape : shapes) {
      const std::size_t m = shape[0], n = shape[1], k = shape[2];
      Buffer buffer = (*backend)->allocate((m * k + k * n + m * n) * sizeof(float));
      Graph graph;
      graph.add(GemmOp{buffer.tensor({m, k}), buffer.tensor({k, n}, DType::F32, m * k),
                       buffer.tensor({m, n}, DType::F32, m * k + k * n)});
      auto program = (*backend)->compile(graph);
      const std::uint32_t repeats = m == 1024 ? 3 : 50;
      program->submit(repeats);
      (*backend)->synchronize();
      const auto start = Clock::now();
      program->submit(repeats);
      (*backend)->synchronize();
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      std::printf("gemm %-5s %4zux%4zux%4zu: %.2f GFLOP/s\n", variant, m, n, k,
                  2.0 * static_cast<double>(m * n * k) * repeats / seconds * 1e-9);
    }
  }
  auto backend = createBackend("vulkan");
  ASSERT_TRUE(backend);
  Buffer counters = (*backend)->allocate(COUNTER_COUNT * sizeof(std::int32_t));
  Graph one;
  one.add(AdvanceOp{counters.tensor({COUNTER_COUNT}, DType::I32)});
  auto program = (*backend)->compile(one);
  program->submit(1);
  (*backend)->synchronize();
  constexpr int SUBMITS = 200;
  auto start = Clock::now();
  for (int i = 0; i < SUBMITS; ++i) {
    program->submit(1);
    (*backend)->synchronize();
  }
  const double perSubmit = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / SUBMITS;
  constexpr std::uint32_t DISPATCHES = 1000;
  program->submit(DISPATCHES);
  (*backend)->synchronize();
  start = Clock::now();
  program->submit(DISPATCHES);
  (*backend)->synchronize();
  const double perDispatch =
      (std::chrono::duration<double, std::micro>(Clock::now() - start).count() - perSubmit) / DISPATCHES;
  std::printf("submit+wait: %.1f us; dependent dispatch (with barrier): %.1f us\n", perSubmit, perDispatch);
}

}  // namespace
}  // namespace nsb::gpu::test
