#pragma once
// A small multi-producer queue: other threads push, the owning thread pops (blocking or not).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace nsb::core {

template <typename T>
class ThreadQueue {
 public:
  void push(T value) {
    {
      std::lock_guard lock(mMutex);
      mItems.push_back(std::move(value));
    }
    mReady.notify_one();
  }

  std::optional<T> tryPop() {
    std::lock_guard lock(mMutex);
    if (mItems.empty()) return std::nullopt;
    T value = std::move(mItems.front());
    mItems.pop_front();
    return value;
  }

  // Waits up to `timeout` for an item.
  std::optional<T> popFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mMutex);
    if (!mReady.wait_for(lock, timeout, [&] { return !mItems.empty(); })) return std::nullopt;
    T value = std::move(mItems.front());
    mItems.pop_front();
    return value;
  }

  // Waits up to `timeout` until an item is there, without taking it.
  bool waitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mMutex);
    return mReady.wait_for(lock, timeout, [&] { return !mItems.empty(); });
  }

  bool empty() const {
    std::lock_guard lock(mMutex);
    return mItems.empty();
  }

 private:
  mutable std::mutex mMutex;
  std::condition_variable mReady;
  std::deque<T> mItems;
};

}  // namespace nsb::core
