#pragma once
// SpectrumOp on the Vulkan backend through VkFFT: a pack kernel pads each image row to VkFFT's in-place
// R2C layout, one batched 2D R2C FFT over all images, then a magnitude kernel. The plan and its scratch
// buffer are made once per shape and backend (holding the queue lock). Only VulkanSpectrum.cpp includes
// vkFFT.h (it takes ~18 s to compile).
#include <memory>
#include <vector>

#include "compute/vulkan/VulkanProgram.h"

namespace nsb::compute::vulkan {

// Whether this build has the VkFFT path.
bool spectrumAvailable();

// Appends the commands of `op` (already validated: `count` images of height x width) to `out`.
void compileSpectrum(VulkanDevice& device, const SpectrumOp& op, std::size_t count, CompiledOp& out,
                     std::vector<BufferId>& owned, std::vector<std::shared_ptr<OpResources>>& resources);

}  // namespace nsb::compute::vulkan
