// InputQueue: the events in order and the rule that spreads them over frames; GLFW's callbacks for a
// window (mouse, keys, characters, scrolling), focus and cursor-enter passed on to ImGui's backend.
#include "ui/InputQueue.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <imgui.h>

#include <algorithm>

namespace nsb::ui {
namespace {

InputQueue* queueOf(GLFWwindow* window) { return static_cast<InputQueue*>(glfwGetWindowUserPointer(window)); }

void onCursorPos(GLFWwindow* window, double x, double y) {
  queueOf(window)->mouseMove(static_cast<float>(x), static_cast<float>(y));
}

void onMouseButton(GLFWwindow* window, int button, int action, int /*mods*/) {
  if (action == GLFW_PRESS || action == GLFW_RELEASE) queueOf(window)->mouseButton(button, action == GLFW_PRESS);
}

void onKey(GLFWwindow* window, int key, int /*scancode*/, int action, int /*mods*/) {
  // GLFW_REPEAT changes nothing: ImGui repeats held keys itself.
  if (action == GLFW_PRESS || action == GLFW_RELEASE) queueOf(window)->key(key, action == GLFW_PRESS);
}

void onChar(GLFWwindow* window, unsigned int codePoint) { queueOf(window)->character(codePoint); }

void onScroll(GLFWwindow* window, double dx, double dy) {
  queueOf(window)->scroll(static_cast<float>(dx), static_cast<float>(dy));
}

void onCursorEnter(GLFWwindow* window, int entered) {
  ImGui_ImplGlfw_CursorEnterCallback(window, entered);
  if (entered) {
    double x = 0.0, y = 0.0;
    glfwGetCursorPos(window, &x, &y);
    queueOf(window)->mouseMove(static_cast<float>(x), static_cast<float>(y));
  } else {
    queueOf(window)->mouseMove(-FLT_MAX, -FLT_MAX);  // hovering nothing
  }
}

}  // namespace

void InputQueue::mouseMove(float x, float y) { mEvents.push_back({InputEvent::Kind::MouseMove, x, y, 0, false}); }

void InputQueue::mouseButton(int button, bool down) {
  if (button < 0 || button >= static_cast<int>(BUTTONS)) return;
  mEvents.push_back({InputEvent::Kind::MouseButton, 0.0f, 0.0f, button, down});
}

void InputQueue::key(int key, bool down) {
  if (key < 0 || key >= static_cast<int>(KEYS)) return;  // GLFW_KEY_UNKNOWN is -1
  mEvents.push_back({InputEvent::Kind::Key, 0.0f, 0.0f, key, down});
}

void InputQueue::character(unsigned int codePoint) {
  if (codePoint == 0) return;
  mEvents.push_back({InputEvent::Kind::Character, 0.0f, 0.0f, static_cast<int>(codePoint), false});
}

void InputQueue::scroll(float dx, float dy) { mEvents.push_back({InputEvent::Kind::Scroll, dx, dy, 0, false}); }

bool InputQueue::mouseDown(int button) const {
  return button >= 0 && button < static_cast<int>(BUTTONS) && mButtons[static_cast<std::size_t>(button)];
}

bool InputQueue::keyDown(int key) const {
  return key >= 0 && key < static_cast<int>(KEYS) && mKeys[static_cast<std::size_t>(key)];
}

bool InputQueue::actionPending() const {
  return std::any_of(mEvents.begin(), mEvents.end(), [](const InputEvent& e) {
    return e.kind == InputEvent::Kind::MouseButton || e.kind == InputEvent::Kind::Key ||
           e.kind == InputEvent::Kind::Character;
  });
}

void InputQueue::feed(ImGuiIO& io) {
  std::array<bool, BUTTONS> buttonChanged{};
  std::array<bool, KEYS> keyChanged{};
  bool anyButtonChanged = false;
  for (; !mEvents.empty(); mEvents.pop_front()) {
    const InputEvent& e = mEvents.front();
    const auto code = static_cast<std::size_t>(e.code);
    if (e.kind == InputEvent::Kind::MouseMove) {
      if (e.x == mMouseX && e.y == mMouseY) continue;
      if (anyButtonChanged) break;
      mMouseX = e.x;
      mMouseY = e.y;
    } else if (e.kind == InputEvent::Kind::MouseButton) {
      if (mButtons[code] == e.down) continue;
      if (buttonChanged[code]) break;
      mButtons[code] = e.down;
      buttonChanged[code] = true;
      anyButtonChanged = true;
    } else if (e.kind == InputEvent::Kind::Key) {
      if (mKeys[code] == e.down) continue;
      if (keyChanged[code]) break;
      mKeys[code] = e.down;
      keyChanged[code] = true;
    } else if (e.kind == InputEvent::Kind::Character) {
      io.AddInputCharacter(static_cast<unsigned int>(e.code));
    } else {
      io.MouseWheelH += e.x;
      io.MouseWheel += e.y;
    }
  }
  io.MousePos = ImVec2(mMouseX, mMouseY);
  for (std::size_t b = 0; b < BUTTONS; ++b) io.MouseDown[b] = mButtons[b];
  for (std::size_t k = 0; k < KEYS; ++k) io.KeysDown[k] = mKeys[k];
  io.KeyCtrl = mKeys[GLFW_KEY_LEFT_CONTROL] || mKeys[GLFW_KEY_RIGHT_CONTROL];
  io.KeyShift = mKeys[GLFW_KEY_LEFT_SHIFT] || mKeys[GLFW_KEY_RIGHT_SHIFT];
  io.KeyAlt = mKeys[GLFW_KEY_LEFT_ALT] || mKeys[GLFW_KEY_RIGHT_ALT];
  io.KeySuper = mKeys[GLFW_KEY_LEFT_SUPER] || mKeys[GLFW_KEY_RIGHT_SUPER];
}

void InputQueue::attach(GLFWwindow* window) {
  glfwSetWindowUserPointer(window, this);
  glfwSetCursorPosCallback(window, onCursorPos);
  glfwSetMouseButtonCallback(window, onMouseButton);
  glfwSetKeyCallback(window, onKey);
  glfwSetCharCallback(window, onChar);
  glfwSetScrollCallback(window, onScroll);
  glfwSetCursorEnterCallback(window, onCursorEnter);
  glfwSetWindowFocusCallback(window, ImGui_ImplGlfw_WindowFocusCallback);
}

void InputQueue::mapKeys(ImGuiIO& io) {
  io.KeyMap[ImGuiKey_Tab] = GLFW_KEY_TAB;
  io.KeyMap[ImGuiKey_LeftArrow] = GLFW_KEY_LEFT;
  io.KeyMap[ImGuiKey_RightArrow] = GLFW_KEY_RIGHT;
  io.KeyMap[ImGuiKey_UpArrow] = GLFW_KEY_UP;
  io.KeyMap[ImGuiKey_DownArrow] = GLFW_KEY_DOWN;
  io.KeyMap[ImGuiKey_PageUp] = GLFW_KEY_PAGE_UP;
  io.KeyMap[ImGuiKey_PageDown] = GLFW_KEY_PAGE_DOWN;
  io.KeyMap[ImGuiKey_Home] = GLFW_KEY_HOME;
  io.KeyMap[ImGuiKey_End] = GLFW_KEY_END;
  io.KeyMap[ImGuiKey_Insert] = GLFW_KEY_INSERT;
  io.KeyMap[ImGuiKey_Delete] = GLFW_KEY_DELETE;
  io.KeyMap[ImGuiKey_Backspace] = GLFW_KEY_BACKSPACE;
  io.KeyMap[ImGuiKey_Space] = GLFW_KEY_SPACE;
  io.KeyMap[ImGuiKey_Enter] = GLFW_KEY_ENTER;
  io.KeyMap[ImGuiKey_Escape] = GLFW_KEY_ESCAPE;
  io.KeyMap[ImGuiKey_KeyPadEnter] = GLFW_KEY_KP_ENTER;
  io.KeyMap[ImGuiKey_A] = GLFW_KEY_A;
  io.KeyMap[ImGuiKey_C] = GLFW_KEY_C;
  io.KeyMap[ImGuiKey_V] = GLFW_KEY_V;
  io.KeyMap[ImGuiKey_X] = GLFW_KEY_X;
  io.KeyMap[ImGuiKey_Y] = GLFW_KEY_Y;
  io.KeyMap[ImGuiKey_Z] = GLFW_KEY_Z;
}

}  // namespace nsb::ui
