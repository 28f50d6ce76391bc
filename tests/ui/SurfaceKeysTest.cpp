// The editor's keys in the Surface view: Space, S and R act on the surface's runs (play/pause, one
// step, back to the start) and send nothing to the network session hidden behind it; out of the
// Surface view the same keys go to the session as before.
#include <gtest/gtest.h>
#include <imgui.h>

#include "HeadlessEditor.h"
#include "train/Preset.h"
#include "ui/Editor.h"

namespace nsb::ui {
namespace {

// The spiral preset's network behind a Surface view of two gradient-descent runs.
class SurfaceKeys : public test::HeadlessEditor {
 protected:
  void SetUp() override {
    HeadlessEditor::SetUp();
    ImGui::GetIO().KeyMap[ImGuiKey_Space] = ' ';  // as GLFW numbers it (the App's key map)
    makeEditor("spiral", [](EditorConfig& config) {
      config.deterministic = true;
      train::SurfaceSetup setup;
      train::Hyperparams gd;
      gd.optimizer = compute::OptimizerKind::Gd;
      gd.learningRate = 0.05f;
      setup.optimizers = {gd, gd};
      config.surface = setup;
    });
  }
  std::uint64_t surfaceSteps() const { return editor->surface().lab().runs().front().run.steps(); }
  // The commands that a key would send the session: step, reset, pause and resume.
  std::size_t sessionKeyCommands() const {
    return sentOf<train::Step>().size() + sentOf<train::Reset>().size() + sentOf<train::Pause>().size() +
           sentOf<train::Resume>().size();
  }
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
  EXPECT_EQ(sentOf<train::Pause>().size(), 1u);
  EXPECT_EQ(sentOf<train::Step>().size(), 1u);
  EXPECT_EQ(sentOf<train::Reset>().size(), 1u);
}

}  // namespace
}  // namespace nsb::ui
