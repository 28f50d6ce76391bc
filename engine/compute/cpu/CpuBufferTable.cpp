// CpuBufferTable: aligned host allocations behind BufferIds. A released slot keeps its index with a
// null pointer, so using a released buffer fails a check instead of touching freed memory.
#include "compute/cpu/CpuBufferTable.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

#include "core/Check.h"

namespace nsb::compute::cpu {

CpuBufferTable::~CpuBufferTable() {
  for (Slot& slot : mSlots) {
    if (slot.data) ::operator delete (slot.data, std::align_val_t{slot.alignment});
  }
}

BufferId CpuBufferTable::allocate(std::size_t bytes) {
  NSB_CHECK(mSlots.size() < 0xFFFFFFFFu) << "cpu backend: out of buffer ids";
  // Round up so that vector loops may read whole cache lines, and so that 0 bytes is still a real block.
  const std::size_t rounded = (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT + (bytes == 0 ? ALIGNMENT : 0);
  const std::size_t alignment = rounded >= HUGE_PAGE ? HUGE_PAGE : ALIGNMENT;
  auto* data = static_cast<std::byte*>(::operator new (rounded, std::align_val_t{alignment}));
  if (alignment == HUGE_PAGE) ::madvise(data, rounded / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);
  std::memset(data, 0, rounded);
  mSlots.push_back({data, bytes, alignment});
  return BufferId{static_cast<std::uint32_t>(mSlots.size())};
}

void CpuBufferTable::release(BufferId id) {
  NSB_CHECK(contains(id)) << "cpu backend: release of unknown buffer " << id.value;
  Slot& slot = mSlots[id.value - 1];
  ::operator delete (slot.data, std::align_val_t{slot.alignment});
  slot = {};
}

bool CpuBufferTable::contains(BufferId id) const {
  return id.value >= 1 && id.value <= mSlots.size() && mSlots[id.value - 1].data != nullptr;
}

std::size_t CpuBufferTable::bytes(BufferId id) const {
  NSB_CHECK(contains(id)) << "cpu backend: unknown buffer " << id.value;
  return mSlots[id.value - 1].bytes;
}

std::byte* CpuBufferTable::data(BufferId id) const {
  NSB_CHECK(contains(id)) << "cpu backend: unknown buffer " << id.value;
  return mSlots[id.value - 1].data;
}

std::byte* CpuBufferTable::checkedData(const Tensor& tensor) const {
  NSB_CHECK(contains(tensor.buffer)) << "cpu backend: tensor " << tensor.describe() << " names buffer "
                                     << tensor.buffer.value << ", which does not exist";
  const Slot& slot = mSlots[tensor.buffer.value - 1];
  NSB_CHECK(tensor.byteOffset() + tensor.bytes() <= slot.bytes)
      << "cpu backend: tensor " << tensor.describe() << " at element " << tensor.offset << " overruns buffer "
      << tensor.buffer.value << " of " << slot.bytes << " bytes";
  return slot.data + tensor.byteOffset();
}

}  // namespace nsb::compute::cpu
