#pragma once
// CpuBufferTable: the CPU backend's buffers, 64-byte aligned zero-filled host memory addressed by
// BufferId (1, 2, ...; ids are never reused, so a stale id is caught rather than aliased).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compute/Tensor.h"

namespace nsb::compute::cpu {

class CpuBufferTable {
 public:
  static constexpr std::size_t ALIGNMENT = 64;
  static constexpr std::size_t HUGE_PAGE = std::size_t{2} << 20;

  CpuBufferTable() = default;
  CpuBufferTable(const CpuBufferTable&) = delete;
  CpuBufferTable& operator=(const CpuBufferTable&) = delete;
  ~CpuBufferTable();

  BufferId allocate(std::size_t bytes);
  void release(BufferId id);

  bool contains(BufferId id) const;
  std::size_t bytes(BufferId id) const;
  std::byte* data(BufferId id) const;

  // The first element of a tensor, after checking that the buffer exists and holds the whole tensor.
  std::byte* checkedData(const Tensor& tensor) const;
  template <typename T>
  T* at(const Tensor& tensor) const {
    return reinterpret_cast<T*>(checkedData(tensor));
  }

 private:
  struct Slot {
    std::byte* data = nullptr;
    std::size_t bytes = 0;
    std::size_t alignment = ALIGNMENT;
  };
  std::vector<Slot> mSlots;  // mSlots[id - 1]
};

}  // namespace nsb::compute::cpu
