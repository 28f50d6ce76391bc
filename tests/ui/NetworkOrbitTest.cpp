// The Viewport's 3D mode in a headless ImGui context: the sheet layout, the orbit camera's
// projection, the edge cap for wide layers, the colouring value and the editor's toggle.
#include <gtest/gtest.h>
#include <imgui.h>

#include <cmath>
#include <set>

#include "UiTestSupport.h"
#include "nn/Init.h"
#include "ui/Editor.h"
#include "ui/NetworkOrbit.h"

namespace nsb::ui {
namespace {

nn::ModelSpec mnistSpec() {
  nn::ModelSpec spec;
  spec.inputs = 784;
  spec.hidden = {{64, compute::Activation::Relu}, {64, compute::Activation::Relu}};
  spec.outputs = 10;
  spec.head = compute::Head::Softmax;
  spec.loss = compute::LossKind::CrossEntropy;
  return spec;
}

class Orbit : public ::testing::Test {
 protected:
  void SetUp() override { test::createHeadlessImGui(); }
  void TearDown() override { ImGui::DestroyContext(); }
  // One frame with `orbit` drawn into a full-screen window.
  void frame(NetworkOrbit& orbit, const train::Snapshot& snapshot) {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("viewport", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
    orbit.draw(snapshot, area);
    ImGui::End();
    ImGui::Render();
  }
  Rect area{ImVec2(0, 0), ImVec2(1280, 720)};
};

TEST_F(Orbit, WideLayersAreSquareSheetsOneBehindTheOther) {
  const auto spec = mnistSpec();
  std::set<std::pair<float, float>> inputs;
  for (std::size_t i = 0; i < 784; ++i) {
    const auto p = NetworkOrbit::position(spec, 0, i);
    inputs.insert({p[0], p[1]});
    EXPECT_LE(std::fabs(p[0]), 5.0f + 1e-4f);
    EXPECT_LE(std::fabs(p[1]), 5.0f + 1e-4f);
  }
  EXPECT_EQ(inputs.size(), 784u) << "every input has its own place on the 28 x 28 sheet";
  // Row-major like an image: input 1 right of input 0, input 28 below it.
  EXPECT_GT(NetworkOrbit::position(spec, 0, 1)[0], NetworkOrbit::position(spec, 0, 0)[0]);
  EXPECT_LT(NetworkOrbit::position(spec, 0, 28)[1], NetworkOrbit::position(spec, 0, 0)[1]);
  for (std::size_t c = 0; c + 1 < 4; ++c) {
    EXPECT_GT(NetworkOrbit::position(spec, c, 0)[2], NetworkOrbit::position(spec, c + 1, 0)[2]) << "column " << c;
  }
  // Centred: the first and last sheets at the same distance from the middle.
  EXPECT_NEAR(NetworkOrbit::position(spec, 0, 0)[2], -NetworkOrbit::position(spec, 3, 0)[2], 1e-4f);
}

TEST_F(Orbit, TheCameraLooksAtTheCentreAndTurnsAroundIt) {
  const auto spec = mnistSpec();
  OrbitCamera camera;
  const auto centre = NetworkOrbit::project(camera, spec, area, {0.0f, 0.0f, 0.0f});
  ASSERT_TRUE(centre);
  EXPECT_NEAR(centre->x, 640.0f, 0.5f);
  EXPECT_NEAR(centre->y, 360.0f, 0.5f);
  const std::array<float, 3> corner = NetworkOrbit::position(spec, 0, 0);
  const auto before = NetworkOrbit::project(camera, spec, area, corner);
  camera.yaw += 0.5f;
  const auto after = NetworkOrbit::project(camera, spec, area, corner);
  ASSERT_TRUE(before && after);
  EXPECT_GT(std::fabs(before->x - after->x) + std::fabs(before->y - after->y), 5.0f) << "an orbit moves the picture";
  camera.distance = 1.0f;  // inside the network: the far sheet's point lies behind the camera
  camera.yaw = 0.0f;
  camera.pitch = 0.0f;
  EXPECT_FALSE(NetworkOrbit::project(camera, spec, area, NetworkOrbit::position(spec, 0, 400)));
}

TEST_F(Orbit, DrawsEveryNeuronAndOnlyTheStrongestEdgesOfWideLayers) {
  train::Snapshot snapshot;
  snapshot.spec = mnistSpec();
  auto set = std::make_shared<train::ProbeSet>();
  set->parameters = nn::initialParameters(snapshot.spec, nn::InitKind::He, 1);
  snapshot.probes = set;
  NetworkOrbit orbit;
  frame(orbit, snapshot);
  EXPECT_EQ(orbit.neuronsDrawn(), 784u + 64u + 64u + 10u);
  // 784 x 64 and 64 x 64 are cut to the cap; 64 x 10 = 640 are all drawn.
  EXPECT_EQ(orbit.edgesDrawn(), 2 * NetworkOrbit::MAX_EDGES_PER_LAYER + 640u);
  // Without parameters there are no edges, the neurons stay.
  snapshot.probes.reset();
  frame(orbit, snapshot);
  EXPECT_EQ(orbit.edgesDrawn(), 0u);
  EXPECT_EQ(orbit.neuronsDrawn(), 922u);
}

TEST_F(Orbit, DraggingOrbitsAndTheWheelZooms) {
  train::Snapshot snapshot;
  snapshot.spec = mnistSpec();
  NetworkOrbit orbit;
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(600, 300);
  frame(orbit, snapshot);
  const float yaw = orbit.camera().yaw;
  io.MouseDown[0] = true;
  for (int i = 1; i <= 6; ++i) {
    io.MousePos = ImVec2(600.0f + 20.0f * static_cast<float>(i), 300);
    frame(orbit, snapshot);
  }
  io.MouseDown[0] = false;
  frame(orbit, snapshot);
  EXPECT_LT(orbit.camera().yaw, yaw - 0.5f) << "dragging right turns the camera";
  io.MouseWheel = 2.0f;
  frame(orbit, snapshot);
  const float zoomed = orbit.camera().distance;
  EXPECT_GT(zoomed, 0.0f);
  orbit.frame();
  EXPECT_EQ(orbit.camera().distance, 0.0f) << "F puts the framing back";
}

TEST_F(Orbit, NeuronsAreColouredByTheProbeActivation) {
  train::Snapshot snapshot;
  snapshot.spec = mnistSpec();
  auto set = std::make_shared<train::ProbeSet>();
  train::ProbeResult grid;
  grid.rows = 2;  // two probe rows: the colour is their mean
  for (std::size_t l = 0; l < snapshot.spec.layerCount(); ++l) {
    const std::size_t width = snapshot.spec.layerOutputs(l);
    std::vector<float> values(2 * width, 0.0f);
    values[0 * width + 3] = 1.0f;
    values[1 * width + 3] = 0.5f;
    grid.layers.push_back(values);
  }
  set->probes.push_back(grid);
  snapshot.probes = set;
  EXPECT_FALSE(NetworkOrbit::activation(snapshot, 0, 3)) << "inputs have no activation";
  ASSERT_TRUE(NetworkOrbit::activation(snapshot, 1, 3));
  EXPECT_FLOAT_EQ(*NetworkOrbit::activation(snapshot, 1, 3), 0.75f);
  EXPECT_FLOAT_EQ(*NetworkOrbit::activation(snapshot, 3, 0), 0.0f);
  EXPECT_FALSE(NetworkOrbit::activation(snapshot, 3, 10)) << "past the layer's width";
  // Without host activations (the grid on the device) the bias is the colour.
  set->probes.clear();
  set->parameters.assign(snapshot.spec.parameterCount(), 0.0f);
  set->parameters[snapshot.spec.biasOffset(1) + 2] = 0.25f;
  EXPECT_FALSE(NetworkOrbit::activation(snapshot, 2, 2));
  ASSERT_TRUE(NetworkOrbit::bias(snapshot, 2, 2));
  EXPECT_FLOAT_EQ(*NetworkOrbit::bias(snapshot, 2, 2), 0.25f);
  EXPECT_FALSE(NetworkOrbit::bias(snapshot, 0, 2)) << "inputs have no bias";
}

TEST_F(Orbit, TheEditorTogglesTheThreeDViewWithKeyThree) {
  const auto options = test::spiralOptions("cpu");
  train::Snapshot snapshot;
  snapshot.spec = options.config.spec;
  snapshot.hyperparams = options.config.hyperparams;
  snapshot.backend = "cpu";
  EditorConfig config;
  config.submit = [](train::Command) -> std::uint64_t { return 0; };
  config.dataset = options.dataset;
  config.featureList = options.featureList;
  Editor editor(std::move(config));
  auto editorFrame = [&] {
    ImGui::NewFrame();
    editor.draw(snapshot, FrameStats{});
    ImGui::Render();
  };
  editorFrame();
  EXPECT_FALSE(editor.orbitMode());
  EXPECT_EQ(editor.orbit().neuronsDrawn(), 0u);
  ImGuiIO& io = ImGui::GetIO();
  io.KeysDown['3'] = true;
  editorFrame();
  io.KeysDown['3'] = false;
  editorFrame();
  EXPECT_TRUE(editor.orbitMode());
  EXPECT_GT(editor.orbit().neuronsDrawn(), 0u) << "the viewport draws the 3D view";
}

}  // namespace
}  // namespace nsb::ui
