// Vulkan errors are errors: NSB_TEST_VULKAN_FAULT (gpu/FaultInjector.h) makes the Nth allocation,
// submission or pipeline fail, or the device report itself lost, at the first call, in the middle of
// a workload and while the backend is made. Each failure comes back as one line from createBackend()
// or Backend::status(), the backend keeps answering (zeros, no work), the process goes on, a new
// backend works, and the validation layer says nothing.
#include <cstdlib>
#include <string>
#include <vector>

#include "GpuTestSupport.h"
#include "compute/OptimizerMath.h"
#include "compute/Registry.h"
#include "gpu/FaultInjector.h"

namespace nsb::gpu::test {
namespace {

using namespace nsb::compute;

// Sets NSB_TEST_VULKAN_FAULT for the contexts made while it lives.
class FaultVariable {
 public:
  explicit FaultVariable(const std::string& spec) { setenv("NSB_TEST_VULKAN_FAULT", spec.c_str(), 1); }
  ~FaultVariable() { unsetenv("NSB_TEST_VULKAN_FAULT"); }
};

struct Outcome {
  std::string error;  // empty: no failure
  bool duringCreate = false;
  bool lost = false;
  std::vector<float> weights;  // read back at the end (zeros after a failure)
};

// A backend on a context of its own made under `spec`, then 4 buffers, 3 uploads, a 2-op program
// submitted 5 times and a download: 5 allocations (the staging buffer first), 2 pipelines, and 5
// submissions where device memory is mapped (lavapipe: fills, uploads and the download are host
// copies), 13 elsewhere (each of those a submission of its own). Everything after the failure still runs against the
// failed backend.
Outcome workload(const std::string& spec) {
  FaultVariable fault(spec);
  Outcome outcome;
  auto made = createBackend("vulkan", {.validation = true});
  if (!made) {
    outcome.error = made.message();
    outcome.duringCreate = true;
    return outcome;
  }
  Backend& backend = **made;
  Buffer params = backend.allocate(4 * sizeof(float));
  Buffer grads = backend.allocate(4 * sizeof(float));
  Buffer hyper = backend.allocate(HYPER_COUNT * sizeof(float));
  Buffer counters = backend.allocate(COUNTER_COUNT * sizeof(std::int32_t));
  const Tensor w = params.tensor({4}), g = grads.tensor({4}), h = hyper.tensor({HYPER_COUNT});
  const Tensor c = counters.tensor({COUNTER_COUNT}, DType::I32);
  backend.write<float>(w, std::vector<float>{1, 2, 3, 4});
  backend.write<float>(g, std::vector<float>{1, 1, -1, 0.5f});
  std::vector<float> hyperValues(HYPER_COUNT, 0.0f);
  hyperValues[HYPER_LR] = 0.1f;
  backend.write<float>(h, hyperValues);
  Graph graph;
  graph.add(OptimizerOp{w, g, {}, {}, h, c, OptimizerKind::Sgd, 0}, "sgd");
  graph.add(AdvanceOp{c}, "advance");
  auto program = backend.compile(graph);
  for (int i = 0; i < 5; ++i) program->submit(1);
  outcome.weights = backend.read<float>(w);
  backend.synchronize();
  EXPECT_TRUE(program->timings().empty() || !backend.status());
  if (auto status = backend.status(); !status) outcome.error = status.message();
  outcome.lost = backend.deviceLost();
  return outcome;
}

void expectOneLineError(const Outcome& outcome, const std::string& result) {
  ASSERT_FALSE(outcome.error.empty()) << "the injected fault was not reported";
  EXPECT_EQ(outcome.error.find('\n'), std::string::npos) << outcome.error;
  EXPECT_NE(outcome.error.find(result), std::string::npos) << outcome.error;
  EXPECT_EQ(outcome.error.rfind("vulkan backend: ", 0), 0u) << outcome.error;
}

class VulkanFaultTest : public GpuTest {
 protected:
  void TearDown() override {
    // The process and the driver are fine: a new backend without the fault works.
    const Outcome clean = workload("");
    EXPECT_TRUE(clean.error.empty()) << clean.error;
    const std::vector<float> expected{0.5f, 1.5f, 3.5f, 3.75f};  // five steps of lr 0.1
    ASSERT_EQ(clean.weights.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(clean.weights[i], expected[i], 1e-5f);
    GpuTest::TearDown();
  }
};

TEST(FaultInjector, ParsesEveryKindAndRefusesTheRest) {
  EXPECT_FALSE(FaultInjector::parse("").value().active());
  for (const char* good :
       {"alloc:1", "submit:12", "pipeline:3", "lost:40", "lost-render:5", "lost-render-for-good:5"}) {
    auto parsed = FaultInjector::parse(good);
    ASSERT_TRUE(parsed) << good;
    EXPECT_TRUE(parsed.value().active()) << good;
  }
  for (const char* bad :
       {"alloc", "alloc:", "alloc:0", "alloc:x", "alloc:3x", "oom:3", ":3", "lost-render-for-good:0"}) {
    auto parsed = FaultInjector::parse(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.message().rfind(std::string("NSB_TEST_VULKAN_FAULT=") + bad + ": ", 0), 0u) << parsed.message();
  }
  FaultInjector submit = FaultInjector::parse("submit:2").value();
  EXPECT_EQ(submit.hit(FaultPoint::Alloc), VK_SUCCESS) << "only its own point counts";
  EXPECT_EQ(submit.hit(FaultPoint::Submit), VK_SUCCESS);
  EXPECT_EQ(submit.hit(FaultPoint::Submit), VK_ERROR_OUT_OF_HOST_MEMORY);
  EXPECT_EQ(submit.hit(FaultPoint::Submit), VK_SUCCESS) << "one call fails, not every later one";
  FaultInjector lost = FaultInjector::parse("lost:2").value();
  EXPECT_EQ(lost.hit(FaultPoint::Submit), VK_SUCCESS);
  EXPECT_EQ(lost.lost(), VK_SUCCESS);
  EXPECT_EQ(lost.hit(FaultPoint::Submit), VK_ERROR_DEVICE_LOST);
  EXPECT_EQ(lost.hit(FaultPoint::Submit), VK_ERROR_DEVICE_LOST) << "lost stays lost";
  EXPECT_EQ(lost.lost(), VK_ERROR_DEVICE_LOST) << "and waits report it";
  // lost-render: counts the renderer's frame submits only; then compute's submits are lost too.
  FaultInjector render = FaultInjector::parse("lost-render:2").value();
  EXPECT_EQ(render.hit(FaultPoint::Submit), VK_SUCCESS) << "compute's submits do not count";
  EXPECT_EQ(render.hit(FaultPoint::RenderSubmit), VK_SUCCESS);
  EXPECT_EQ(render.hit(FaultPoint::Submit), VK_SUCCESS);
  EXPECT_EQ(render.hit(FaultPoint::RenderSubmit), VK_ERROR_DEVICE_LOST);
  EXPECT_EQ(render.hit(FaultPoint::Submit), VK_ERROR_DEVICE_LOST) << "the device is lost for compute too";
  EXPECT_EQ(render.hit(FaultPoint::RenderSubmit), VK_ERROR_DEVICE_LOST);
  EXPECT_EQ(render.lost(), VK_ERROR_DEVICE_LOST);
}

TEST_F(VulkanFaultTest, WithoutTheVariableNothingFails) {
  const Outcome outcome = workload("");
  EXPECT_TRUE(outcome.error.empty()) << outcome.error;
}

TEST_F(VulkanFaultTest, AllocationFailures) {
  // 1: the staging buffer, while the backend is made; 3: the second buffer; 5: the last.
  const Outcome first = workload("alloc:1");
  expectOneLineError(first, "VK_ERROR_OUT_OF_DEVICE_MEMORY");
  EXPECT_TRUE(first.duringCreate);
  for (const char* spec : {"alloc:3", "alloc:5"}) {
    SCOPED_TRACE(spec);
    const Outcome outcome = workload(spec);
    expectOneLineError(outcome, "VK_ERROR_OUT_OF_DEVICE_MEMORY");
    EXPECT_FALSE(outcome.duringCreate);
    EXPECT_FALSE(outcome.lost);
    EXPECT_EQ(outcome.weights, std::vector<float>(4, 0.0f)) << "a failed backend reads zeros";
  }
}

TEST_F(VulkanFaultTest, SubmissionFailures) {
  // On lavapipe 1, 3, 5: the program's first, third and last replay.
  for (const char* spec : {"submit:1", "submit:3", "submit:5"}) {
    SCOPED_TRACE(spec);
    const Outcome outcome = workload(spec);
    expectOneLineError(outcome, "vkQueueSubmit returned VK_ERROR_OUT_OF_HOST_MEMORY");
    EXPECT_FALSE(outcome.lost);
  }
}

TEST_F(VulkanFaultTest, PipelineFailures) {
  for (const char* spec : {"pipeline:1", "pipeline:2"}) {
    SCOPED_TRACE(spec);
    const Outcome outcome = workload(spec);
    expectOneLineError(outcome, "vkCreateComputePipelines returned VK_ERROR_OUT_OF_HOST_MEMORY");
    EXPECT_EQ(outcome.weights, std::vector<float>(4, 0.0f)) << "a program that could not be made does nothing";
  }
}

TEST_F(VulkanFaultTest, LostDevice) {
  for (const char* spec : {"lost:1", "lost:3", "lost:5"}) {
    SCOPED_TRACE(spec);
    const Outcome outcome = workload(spec);
    expectOneLineError(outcome, "VK_ERROR_DEVICE_LOST");
    EXPECT_NE(outcome.error.find("(the device is lost)"), std::string::npos) << outcome.error;
    EXPECT_TRUE(outcome.lost);
  }
}

TEST_F(VulkanFaultTest, ASharedContextReportsTheLostDeviceToTheRendererToo) {
  FaultVariable fault("lost:1");
  auto context = VulkanContext::create({.validation = true});
  ASSERT_TRUE(context) << context.message();
  BackendOptions options;
  options.context = *context;
  auto backend = createBackend("vulkan", options);
  ASSERT_TRUE(backend) << backend.message();
  Buffer counters = (*backend)->allocate(COUNTER_COUNT * sizeof(std::int32_t));
  Graph graph;
  graph.add(AdvanceOp{counters.tensor({COUNTER_COUNT}, DType::I32)}, "advance");
  auto program = (*backend)->compile(graph);
  program->submit(1);  // submission 1 (or earlier: the buffer's fill where memory is not mapped)
  (*backend)->synchronize();
  EXPECT_FALSE((*backend)->status());
  EXPECT_EQ((*context)->faults().lost(), VK_ERROR_DEVICE_LOST);
  VkSubmitInfo empty{};
  empty.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  EXPECT_EQ((*context)->submit(empty, VK_NULL_HANDLE), VK_ERROR_DEVICE_LOST) << "the renderer's submits fail too";
}

}  // namespace
}  // namespace nsb::gpu::test
