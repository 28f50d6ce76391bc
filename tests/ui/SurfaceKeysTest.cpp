// The editor's keys in the Surface view: Space, S and R act on the surface's runs (play/pause, one
// step, back to the start) and send nothing to the network session hidden behind it; out of the
// Surface view the same keys go to the session as before.
#include <gtest/gtest.h>
#include <imgui.h>

#include <vector>

#include "UiTestSupport.h"
#include "train/Preset.h"
#include "ui/Editor.h"

namespace nsb::ui {
namespace {

class SurfaceKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    test::createHeadlessImGui();
    ImGui::GetIO().KeyMap[ImGuiKey_Space] = ' ';  // as GLFW numbers it (the App's key map)
    const auto options = test::spiralOptions("cpu");
    snapshot.spec = options.config.spec;
    snapshot.hyperparams = options.config.hyperparams;
    snapshot.backend = "cpu";
    EditorConfig config;
    config.submit = [this](train::Command c) -> std::uint64_t {
      sent.push_back(std::move(c));
      return sent.size();
    };
    config.dataset = options.dataset;
    config.featureList = options.featureList;
    config.deterministic = true;
    train::SurfaceSetup setup;
    train::Hyperparams gd;
    gd.optimizer = compute::OptimizerKind::Gd;
    gd.learningRate = 0.05f;
    setup.optimizers = {gd, gd};
    config.surface = setup;
    editor = std::make_unique<Editor>(std::move(config));
  }
  void TearDown() override {
    editor.reset();
    ImGui::DestroyContext();
  }
  void frame() {
    ImGui::NewFrame();
    editor->draw(snapshot, FrameStats{});
    ImGui::Render();
  }
  void tap(int key) {
    ImGuiIO& io = ImGui::GetIO();
    io.KeysDown[key] = true;
    frame();
    io.KeysDown[key] = false;
    frame();
  }
  std::uint64_t surfaceSteps() const { return editor->surface().lab().runs().front().run.steps(); }
  // The commands that a key would send the session: step, reset, pause and resume.
  std::size_t sessionKeyCommands() const {
    std::size_t count = 0;
    for (const auto& c : sent) {
      count += std::holds_alternative<train::Step>(c) || std::holds_alternative<train::Reset>(c) ||
               std::holds_alternative<train::Pause>(c) || std::holds_alternative<train::Resume>(c);
    }
    return count;
  }

  train::Snapshot snapshot;
  std::vector<train::Command> sent;
  std::unique_ptr<Editor> editor;
};

TEST_F(SurfaceKeys, SpaceStepAndResetActOnTheSurfacesRuns) {
  ASSERT_TRUE(editor->surfaceMode());
  frame();
  ASSERT_TRUE(editor->surface().playing());
  tap(' ');
  EXPECT_FALSE(editor->surface().playing()) << "Space pauses the surface's runs";
  const std::uint64_t before = surfaceSteps();
  ASSERT_GT(before, 0u) << "the runs played for a frame";
  tap('S');
  EXPECT_EQ(surfaceSteps(), before + 1) << "S steps the surface once";
  EXPECT_FALSE(editor->surface().playing());
  tap('R');
  EXPECT_EQ(surfaceSteps(), 0u) << "R puts the runs back at the start";
  tap(' ');
  EXPECT_TRUE(editor->surface().playing()) << "Space plays them again";
  EXPECT_EQ(sessionKeyCommands(), 0u) << "nothing went to the hidden network session";
}

TEST_F(SurfaceKeys, OutOfTheSurfaceViewTheKeysGoToTheSession) {
  editor->setSurfaceMode(false);
  snapshot.running = true;
  frame();
  tap(' ');  // the session runs: Space pauses (S steps only then)
  const std::uint64_t surface = surfaceSteps();
  tap('S');
  tap('R');
  EXPECT_EQ(surfaceSteps(), surface) << "the surface's runs stay as they were";
  std::size_t pauses = 0, steps = 0, resets = 0;
  for (const auto& c : sent) {
    pauses += std::holds_alternative<train::Pause>(c);
    steps += std::holds_alternative<train::Step>(c);
    resets += std::holds_alternative<train::Reset>(c);
  }
  EXPECT_EQ(pauses, 1u);
  EXPECT_EQ(steps, 1u);
  EXPECT_EQ(resets, 1u);
}

}  // namespace
}  // namespace nsb::ui
