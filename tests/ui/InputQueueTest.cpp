// The input queue without a window: each key and button changes at most once a frame, so a tap or a
// click between two frames lands in two consecutive frames; a click lands where the pointer was when
// pressed; other keys, characters and scrolling share a frame. Then through ImGui itself: a tap
// shorter than a frame is one key press, a fast click is one button press.
#include <GLFW/glfw3.h>
#include <gtest/gtest.h>
#include <imgui.h>

#include "UiTestSupport.h"
#include "ui/InputQueue.h"

namespace nsb::ui {
namespace {

TEST(InputQueue, ATapBetweenTwoFramesLandsInTwoFrames) {
  InputQueue queue;
  ImGuiIO io;
  queue.key(GLFW_KEY_SPACE, true);
  queue.key(GLFW_KEY_SPACE, false);
  queue.feed(io);
  EXPECT_TRUE(io.KeysDown[GLFW_KEY_SPACE]) << "the press, this frame";
  EXPECT_EQ(queue.pending(), 1u);
  queue.feed(io);
  EXPECT_FALSE(io.KeysDown[GLFW_KEY_SPACE]) << "the release, the next";
  EXPECT_EQ(queue.pending(), 0u);
  queue.feed(io);
  EXPECT_FALSE(io.KeysDown[GLFW_KEY_SPACE]) << "nothing pending: the state stays";
}

// Only input that may act starts a frame early (App::awaitAnswer): not a mouse move or scrolling.
TEST(InputQueue, ButtonsKeysAndCharactersAreActionsMovesAndScrollingAreNot) {
  InputQueue queue;
  ImGuiIO io;
  queue.mouseMove(10.0f, 10.0f);
  queue.scroll(0.0f, 1.0f);
  EXPECT_FALSE(queue.actionPending());
  queue.mouseButton(0, true);
  EXPECT_TRUE(queue.actionPending());
  queue.feed(io);
  EXPECT_FALSE(queue.actionPending()) << "fed";
  queue.key(GLFW_KEY_S, true);
  EXPECT_TRUE(queue.actionPending());
  queue.feed(io);
  queue.character('a');
  EXPECT_TRUE(queue.actionPending());
}

TEST(InputQueue, ThreeFastClicksTakeSixFramesAtTheClickedPlace) {
  InputQueue queue;
  ImGuiIO io;
  queue.mouseMove(10, 20);
  for (int i = 0; i < 3; ++i) {
    queue.mouseButton(0, true);
    queue.mouseButton(0, false);
  }
  queue.mouseMove(300, 400);  // after the last release: waits for the release frame to pass
  const bool expected[] = {true, false, true, false, true, false};
  for (int frame = 0; frame < 6; ++frame) {
    queue.feed(io);
    EXPECT_EQ(io.MouseDown[0], expected[frame]) << "frame " << frame;
    EXPECT_EQ(io.MousePos.x, 10.0f) << "frame " << frame << ": the pointer moved before the release was seen";
  }
  queue.feed(io);
  EXPECT_EQ(io.MousePos.x, 300.0f);
  EXPECT_EQ(queue.pending(), 0u);
}

TEST(InputQueue, AMoveAfterAPressWaitsForTheNextFrame) {
  InputQueue queue;
  ImGuiIO io;
  queue.mouseMove(5, 5);
  queue.mouseButton(1, true);
  queue.mouseMove(50, 50);  // a drag: the press lands at (5, 5)
  queue.feed(io);
  EXPECT_TRUE(io.MouseDown[1]);
  EXPECT_EQ(io.MousePos.x, 5.0f);
  queue.feed(io);
  EXPECT_TRUE(io.MouseDown[1]);
  EXPECT_EQ(io.MousePos.x, 50.0f);
}

TEST(InputQueue, DifferentKeysCharactersAndScrollingShareAFrame) {
  InputQueue queue;
  ImGuiIO io;
  queue.key(GLFW_KEY_LEFT_CONTROL, true);
  queue.key(GLFW_KEY_A, true);
  queue.character('4');
  queue.character('2');
  queue.scroll(0.0f, 1.0f);
  queue.scroll(0.5f, 2.0f);
  queue.key(GLFW_KEY_A, false);  // A again: the next frame
  queue.key(GLFW_KEY_LEFT_CONTROL, false);
  queue.feed(io);
  EXPECT_TRUE(io.KeysDown[GLFW_KEY_A]);
  EXPECT_TRUE(io.KeyCtrl);
  EXPECT_FALSE(io.KeyShift);
  ASSERT_EQ(io.InputQueueCharacters.Size, 2);
  EXPECT_EQ(io.InputQueueCharacters[0], '4');
  EXPECT_EQ(io.MouseWheel, 3.0f);
  EXPECT_EQ(io.MouseWheelH, 0.5f);
  queue.feed(io);
  EXPECT_FALSE(io.KeysDown[GLFW_KEY_A]);
  EXPECT_FALSE(io.KeyCtrl);
}

TEST(InputQueue, RepeatedStatesAndUnknownCodesChangeNothing) {
  InputQueue queue;
  ImGuiIO io;
  queue.key(GLFW_KEY_UNKNOWN, true);
  queue.mouseButton(7, true);
  EXPECT_EQ(queue.pending(), 0u) << "out of ImGui's range: dropped";
  queue.key(GLFW_KEY_S, false);  // already up: no change, so the press after it shares the frame
  queue.key(GLFW_KEY_S, true);
  queue.feed(io);
  EXPECT_TRUE(io.KeysDown[GLFW_KEY_S]);
  EXPECT_EQ(queue.pending(), 0u);
  EXPECT_TRUE(queue.keyDown(GLFW_KEY_S));
}

// Through ImGui 1.86: without the queue a tap between two frames is no key press at all (the state
// reads "up" at both frames); with it, exactly one.
class InputQueueImGui : public ::testing::Test {
 protected:
  void SetUp() override {
    test::createHeadlessImGui();
    InputQueue::mapKeys(ImGui::GetIO());
  }
  void TearDown() override { ImGui::DestroyContext(); }
  // One frame with a button at (20, 20)-(120, 50); whether it was pressed and Space was pressed.
  std::pair<bool, bool> frame() {
    queue.feed(ImGui::GetIO());
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(300, 200));
    ImGui::Begin("w", nullptr, ImGuiWindowFlags_NoDecoration);
    ImGui::SetCursorScreenPos(ImVec2(20, 20));
    const bool clicked = ImGui::Button("button", ImVec2(100, 30));
    const bool space = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false);
    ImGui::End();
    ImGui::Render();
    return {clicked, space};
  }
  InputQueue queue;
};

TEST_F(InputQueueImGui, ATapAndAClickShorterThanAFrameCountOnce) {
  frame();
  queue.key(GLFW_KEY_SPACE, true);
  queue.key(GLFW_KEY_SPACE, false);
  queue.mouseMove(70, 35);
  queue.mouseButton(0, true);
  queue.mouseButton(0, false);
  int spaces = 0, clicks = 0;
  for (int i = 0; i < 4; ++i) {
    const auto [clicked, space] = frame();
    clicks += clicked;
    spaces += space;
  }
  EXPECT_EQ(spaces, 1);
  EXPECT_EQ(clicks, 1);
}

}  // namespace
}  // namespace nsb::ui
