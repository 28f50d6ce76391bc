#pragma once
// InputQueue: the editor's mouse and keyboard events in the order they came, fed to ImGui at most one
// change of each key and button per frame. ImGui 1.86 reads input as state (io.MouseDown, io.KeysDown)
// once a frame, so a press and its release between two frames cancel out; ImGui 1.87+ queues events
// and trickles them in like this. A window fills the queue from GLFW's callbacks, tests fill it
// directly (headless, nothing else does). UI thread only.
#include <array>
#include <cfloat>
#include <cstddef>
#include <deque>

struct GLFWwindow;
struct ImGuiIO;

namespace nsb::ui {

struct InputEvent {
  enum class Kind { MouseMove, MouseButton, Key, Character, Scroll };
  Kind kind = Kind::MouseMove;
  float x = 0.0f, y = 0.0f;  // MouseMove: the position; Scroll: the offsets (x horizontal)
  int code = 0;              // MouseButton: the button (0 left); Key: GLFW's key code; Character: a code point
  bool down = false;         // MouseButton, Key
};

class InputQueue {
 public:
  static constexpr std::size_t BUTTONS = 5;  // ImGui's io.MouseDown
  static constexpr std::size_t KEYS = 512;   // ImGui's io.KeysDown (GLFW's codes go to 348)

  void mouseMove(float x, float y);
  void mouseButton(int button, bool down);
  void key(int key, bool down);  // GLFW_KEY_*: the key map of ImGui's GLFW backend (see mapKeys)
  void character(unsigned int codePoint);
  void scroll(float dx, float dy);

  // Before ImGui::NewFrame (after the platform backend's NewFrame, whose mouse and keys it replaces):
  // applies events in order until one would change a key or button already changed this frame, or
  // would move the mouse after a button changed (a click lands where the pointer was when pressed);
  // then writes the resulting state into io. The rest waits for the next frame.
  void feed(ImGuiIO& io);
  std::size_t pending() const { return mEvents.size(); }
  // Whether a button, key or character waits to be fed: input that may act (a click, a shortcut, typing),
  // not a mere mouse move or scroll. Its frame need not wait for the frame cap's slot.
  bool actionPending() const;
  bool mouseDown(int button) const;
  bool keyDown(int key) const;

  // A window's mouse, keys, characters and scrolling come here; focus and cursor-enter still go to
  // ImGui's GLFW backend (initialised with install_callbacks = false). The queue must outlive the
  // window's callbacks (the application destroys the window first).
  void attach(GLFWwindow* window);
  // Without a window: the key map ImGui's GLFW backend sets, so that key codes mean the same headless.
  static void mapKeys(ImGuiIO& io);

 private:
  std::deque<InputEvent> mEvents;
  float mMouseX = -FLT_MAX, mMouseY = -FLT_MAX;  // ImGui's "no mouse" until one arrives
  std::array<bool, BUTTONS> mButtons{};
  std::array<bool, KEYS> mKeys{};
};

}  // namespace nsb::ui
