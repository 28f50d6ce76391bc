// VulkanProgram: each op of Op.h as one or more commands (compute dispatches or buffer copies), the
// descriptor sets for all of them made once, and the recording of the step body `repeats` times into
// one reusable command buffer with timestamps after each op when timing is on.
#include "compute/vulkan/VulkanProgram.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "compute/OptimizerMath.h"
#include "compute/vulkan/VulkanSpectrum.h"
#include "core/Check.h"
#include "gpu/VkCheck.h"

namespace nsb::compute::vulkan {
namespace {

constexpr std::uint32_t GROUP = 256;
constexpr std::uint32_t MAX_GROUPS = 65535;

std::uint32_t u32(std::size_t value) {
  NSB_CHECK(value <= UINT32_MAX) << "vulkan backend: " << value << " does not fit 32 bits";
  return static_cast<std::uint32_t>(value);
}

std::uint32_t groupsFor(std::size_t items, std::uint32_t perGroup = GROUP) {
  const std::size_t groups = (items + perGroup - 1) / perGroup;
  return static_cast<std::uint32_t>(std::clamp<std::size_t>(groups, 1, MAX_GROUPS));
}

bool overlaps(const Tensor& a, const Tensor& b) {
  if (a.buffer != b.buffer) return false;
  const std::size_t aBegin = a.byteOffset(), aEnd = aBegin + a.bytes();
  const std::size_t bBegin = b.byteOffset(), bEnd = bBegin + b.bytes();
  return aBegin < bEnd && bBegin < aEnd;
}

// Appends the push-constant words of a command in the order the shader's block declares them.
class Push {
public:
  explicit Push(Command& command) : mCommand(command) {}
  Push& u(std::size_t value) {
    NSB_CHECK(mCommand.pushWords < mCommand.push.size()) << "too many push constants";
    mCommand.push[mCommand.pushWords++] = u32(value);
    return *this;
  }
  Push& f(float value) {
    NSB_CHECK(mCommand.pushWords < mCommand.push.size()) << "too many push constants";
    mCommand.push[mCommand.pushWords++] = std::bit_cast<std::uint32_t>(value);
    return *this;
  }

private:
  Command& mCommand;
};

class Compiler {
public:
  Compiler(VulkanDevice& device, std::size_t index, const std::string& label, std::vector<BufferId>& owned,
           std::vector<std::shared_ptr<OpResources>>& resources)
      : mDevice(device), mIndex(index), mLabel(label), mOwned(owned), mResources(resources) {}

  void operator()(const GatherOp& op) {
    const std::uint32_t srcType = op.src.dtype == DType::U8 ? 0u : op.src.dtype == DType::F32 ? 1u : 2u;
    // Four elements per invocation where rows and offsets are vec4-aligned (lavapipe's per-lane loops).
    const bool vec4 = op.dst.cols() % 4 == 0 && op.src.offset % 4 == 0 && op.dst.offset % 4 == 0;
    const bool u8x16 = srcType == 0 && op.dst.cols() % 16 == 0 && op.src.offset % 16 == 0 && op.dst.offset % 4 == 0;
    Command& c = dispatch({"compute/gather.comp", 4, 0, {srcType, vec4, u8x16}}, {op.src, op.index, op.counters, op.dst});
    Push(c)
        .u(op.src.offset)
        .u(op.index.offset)
        .u(op.index.elements())
        .u(op.counters.offset)
        .u(op.dst.offset)
        .u(op.dst.rows())
        .u(op.dst.cols())
        .u(op.src.rows())
        .f(op.scale);
    c.groups[0] = groupsFor(u8x16 ? op.dst.elements() / 16 : vec4 ? op.dst.elements() / 4 : op.dst.elements());
    c.writes = {op.dst.buffer};
  }

  void operator()(const GemmOp& op) {
    const std::size_t m = op.transA ? op.a.cols() : op.a.rows();
    const std::size_t k = op.transA ? op.a.rows() : op.a.cols();
    const std::size_t n = op.transB ? op.b.rows() : op.b.cols();

    // The op that follows, fused into this GEMM's store when it only touches C element by element
    // (or sums op(A)'s rows) and writes nothing the GEMM reads.
    const Epilogue epilogue = fusable(op);
    mFusedNext = epilogue.output.valid();

    const Tensor& c = op.c;
    const bool texel = mDevice.gemmVariant() == GemmVariant::Texel && viewable(op.a) && viewable(op.b);
    const std::uint32_t kind = epilogue.kind;
    const bool biasGrad = epilogue.biasGrad;
    const Tensor& e0 = epilogue.e0.valid() ? epilogue.e0 : c;
    const Tensor& e1 = epilogue.e1.valid() ? epilogue.e1 : c;
    const Tensor& e2 = epilogue.e2.valid() ? epilogue.e2 : c;
    if (texel) {
      // Workgroups of 8 invocations (lavapipe's SIMD width; 4x4 and 8x8 measured slower), each a
      // ROWS x 4*CT block of C.
      constexpr std::uint32_t LOCAL_X = 8, ROWS = 8, CT = 2;  // ROWS and CT as in the shader
      const bool vecA = vectorRows(op.a), vecB = vectorRows(op.b);
      // Narrow C: fewer lanes along N, the rest on further row blocks (see COL_LANES in the shader).
      const std::size_t colBlocks = (n + 4 * CT - 1) / (4 * CT);
      std::uint32_t colLanes = LOCAL_X;
      while (colLanes > 1 && colLanes / 2 >= colBlocks) colLanes /= 2;
      const std::uint32_t rowLanes = LOCAL_X / colLanes;
      // Four at a time where every row and offset the store touches is vec4-aligned.
      const bool actGrad = kind == EPILOGUE_ACT_GRAD;
      const bool storeVec4 = n % 4 == 0 && c.offset % 4 == 0 &&
                             (kind == EPILOGUE_NONE ||
                              (e0.offset % 4 == 0 && e1.offset % 4 == 0 && (!actGrad || e2.offset % 4 == 0)));
      Command& cmd = dispatch({"compute/gemm_texel.comp", 4, 2,
                               {LOCAL_X, op.transA, op.transB, vecA, kind, biasGrad, vecB, storeVec4, colLanes}},
                              {c, e0, e1, e2});
      cmd.bindings.push_back({op.a.buffer, true, !vecA});
      cmd.bindings.push_back({op.b.buffer, true, !vecB});
      Push(cmd)
          .u(m)
          .u(n)
          .u(k)
          .u(vecA ? op.a.offset / 4 : op.a.offset)
          .u(vecB ? op.b.offset / 4 : op.b.offset)
          .u(c.offset)
          .f(op.alpha)
          .f(op.beta)
          .u(vecA ? op.a.cols() / 4 : op.a.cols())
          .u(vecB ? op.b.cols() / 4 : op.b.cols())
          .u(epilogue.activation)
          .u(e0.offset)
          .u(e1.offset)
          .u(e2.offset)
          .u(epilogue.haveA);
      cmd.groups = {u32((colBlocks + colLanes - 1) / colLanes), u32(((m + ROWS - 1) / ROWS + rowLanes - 1) / rowLanes), 1};
    } else {
      constexpr std::uint32_t TX = 16, TY = 16, TM = 4, TN = 4, BK = 16;
      Command& cmd = dispatch(
          {"compute/gemm_tiled.comp", 6, 0, {TX, TY, TM, TN, BK, op.transA, op.transB, kind, biasGrad}},
          {op.a, op.b, c, e0, e1, e2});
      Push(cmd)
          .u(m)
          .u(n)
          .u(k)
          .u(op.a.offset)
          .u(op.b.offset)
          .u(c.offset)
          .f(op.alpha)
          .f(op.beta)
          .u(op.a.cols())
          .u(op.b.cols())
          .u(epilogue.activation)
          .u(e0.offset)
          .u(e1.offset)
          .u(e2.offset)
          .u(epilogue.haveA);
      cmd.groups = {u32((n + TX * TN - 1) / (TX * TN)), u32((m + TY * TM - 1) / (TY * TM)), 1};
    }
    Command& cmd = mOut->commands.back();
    cmd.reads = {op.a.buffer, op.b.buffer, c.buffer, e0.buffer, e1.buffer, e2.buffer};
    cmd.writes = {c.buffer};
    if (epilogue.output.valid()) cmd.writes.push_back(epilogue.output.buffer);
    NSB_CHECK(cmd.groups[0] <= MAX_GROUPS && cmd.groups[1] <= MAX_GROUPS) << where() << ": matrix too large";
  }

  void operator()(const BiasActivationOp& op) {
    Command& c = dispatch({"compute/bias_activation.comp", 3, 0, {}}, {op.z, op.bias, op.a});
    Push(c)
        .u(op.z.offset)
        .u(op.bias.offset)
        .u(op.a.offset)
        .u(op.z.rows())
        .u(op.z.cols())
        .u(static_cast<std::uint32_t>(op.activation));
    c.groups[0] = groupsFor(op.z.elements());
    c.writes = {op.z.buffer, op.a.buffer};
  }

  void operator()(const ActivationBackwardOp& op) {
    const Tensor& a = op.a.valid() ? op.a : op.z;
    Command& c = dispatch({"compute/activation_backward.comp", 4, 0, {}}, {op.da, op.z, a, op.dz});
    Push(c)
        .u(op.da.offset)
        .u(op.z.offset)
        .u(a.offset)
        .u(op.dz.offset)
        .u(op.z.elements())
        .u(static_cast<std::uint32_t>(op.activation))
        .u(op.a.valid() ? 1 : 0);
    c.groups[0] = groupsFor(op.z.elements());
    c.writes = {op.dz.buffer};
  }

  void operator()(const BiasGradOp& op) {
    Command& c = dispatch({"compute/bias_grad.comp", 2, 0, {}}, {op.dz, op.db});
    Push(c).u(op.dz.offset).u(op.db.offset).u(op.dz.rows()).u(op.dz.cols());
    c.groups[0] = groupsFor(op.dz.cols(), 64);
    c.writes = {op.db.buffer};
  }

  void operator()(const LossOp& op) {
    const bool classTarget = op.target.dtype == DType::I32;
    const std::size_t rows = op.z.rows(), n = op.z.cols();
    const char* shader = mDevice.context().float64() ? "compute/loss_fp64.comp" : "compute/loss.comp";
    Command& c = dispatch({shader, 5, 0, {}}, {op.z, op.target, op.output, op.loss, op.dz});
    const std::uint32_t head = op.head == Head::Linear ? 0u : op.head == Head::Sigmoid ? 1u : 2u;
    const std::uint32_t kind = op.loss_kind == LossKind::Mse                  ? 0u
                               : op.loss_kind == LossKind::BinaryCrossEntropy ? 1u
                                                                              : 2u;
    Push(c)
        .u(op.z.offset)
        .u(op.target.offset)
        .u(op.output.offset)
        .u(op.loss.offset)
        .u(op.dz.offset)
        .u(rows)
        .u(n)
        .u(head)
        .u(kind)
        .u(classTarget ? 1 : 0);
    c.groups[0] = 1;
    c.writes = {op.z.buffer, op.output.buffer, op.loss.buffer, op.dz.buffer};
  }

  void operator()(const ArgmaxOp& op) {
    Command& c = dispatch({"compute/argmax.comp", 2, 0, {}}, {op.z, op.predictions});
    Push(c).u(op.z.offset).u(op.predictions.offset).u(op.z.rows()).u(op.z.cols());
    c.groups[0] = groupsFor(op.z.rows(), 64);
    c.writes = {op.predictions.buffer};
  }

  void operator()(const OptimizerOp& op) {
    const std::size_t count = op.params.elements();
    const int states = optimizerStateCount(op.kind);
    const Tensor& s1 = states >= 1 ? op.state1 : op.params;
    const Tensor& s2 = states >= 2 ? op.state2 : op.params;
    // Four parameters per invocation where every range starts vec4-aligned (lavapipe's per-lane
    // loops); the shader does the last count % 4 one by one.
    const bool vec4 = op.params.offset % 4 == 0 && op.grads.offset % 4 == 0 && s1.offset % 4 == 0 && s2.offset % 4 == 0;
    Command& c = dispatch({"compute/optimizer.comp", 6, 0, {static_cast<std::uint32_t>(op.kind), vec4}},
                          {op.params, op.grads, s1, s2, op.hyper, op.counters});
    Push(c)
        .u(op.params.offset)
        .u(op.grads.offset)
        .u(s1.offset)
        .u(s2.offset)
        .u(op.hyper.offset)
        .u(op.counters.offset)
        .u(count)
        .u(op.regularized);
    c.groups[0] = groupsFor(vec4 ? std::max<std::size_t>(count / 4, 1) : count);
    c.writes = {op.params.buffer, s1.buffer, s2.buffer};
  }

  void operator()(const AdvanceOp& op) {
    Command& c = dispatch({"compute/advance.comp", 1, 0, {}}, {op.counters});
    Push(c).u(op.counters.offset);
    c.writes = {op.counters.buffer};
  }

  void operator()(const CopyOp& op) {
    if (op.src.bytes() == 0 || (op.src.buffer == op.dst.buffer && op.src.byteOffset() == op.dst.byteOffset())) return;
    Command c;
    c.copySrc = op.src.buffer;
    c.copyDst = op.dst.buffer;
    c.copy = VkBufferCopy{op.src.byteOffset(), op.dst.byteOffset(), op.src.bytes()};
    c.reads = {op.src.buffer};
    c.writes = {op.dst.buffer};
    mOut->commands.push_back(std::move(c));
  }

  void operator()(const SumSquaresOp& op) {
    if (op.segments.empty()) return;
    std::vector<std::uint32_t> table;
    for (const auto& [begin, end] : op.segments) {
      table.push_back(u32(begin));
      table.push_back(u32(end));
    }
    const BufferId segments = mDevice.create(table.size() * sizeof(std::uint32_t));
    mOwned.push_back(segments);
    mDevice.upload(segments, 0, reinterpret_cast<const std::byte*>(table.data()), table.size() * sizeof(std::uint32_t));
    const Tensor& y = op.y.valid() ? op.y : op.x;
    Command& c = dispatch({"compute/sum_squares.comp", 4, 0, {}}, {op.x, y, op.out});
    c.bindings.push_back({segments, false});
    Push(c).u(op.x.offset).u(y.offset).u(op.out.offset).u(op.y.valid() ? 1 : 0);
    c.groups[0] = u32(op.segments.size());
    NSB_CHECK(c.groups[0] <= MAX_GROUPS) << where() << ": too many segments";
    c.writes = {op.out.buffer};
  }

  void operator()(const SpectrumOp& op) {
    const std::size_t points = op.height * op.width;
    const std::size_t count = op.images.elements() / points;
    compileSpectrum(mDevice, op, count, *mOut, mOwned, mResources);
  }

  // Compiles `op`; `next` (the op after it, or null) may be fused into it: fusedNext() says so.
  void compile(const Op& op, const Op* next, CompiledOp& out) {
    mOut = &out;
    mNext = next;
    mFusedNext = false;
    std::visit(*this, op);
  }
  bool fusedNext() const { return mFusedNext; }

private:
  static constexpr std::uint32_t EPILOGUE_NONE = 0, EPILOGUE_BIAS_ACT = 1, EPILOGUE_ACT_GRAD = 2;

  // What of the next op a GEMM does in its store (see shaders/common/nsb_gemm_epilogue.glsl).
  struct Epilogue {
    std::uint32_t kind = EPILOGUE_NONE;
    bool biasGrad = false;  // e2[m] = sum_k op(A)[m, k]
    Tensor e0, e1, e2;
    std::uint32_t activation = 0, haveA = 0;
    Tensor output;  // what the fused op writes; invalid when nothing is fused
  };

  static bool same(const Tensor& a, const Tensor& b) {
    return a.buffer == b.buffer && a.offset == b.offset && a.elements() == b.elements() && a.dtype == b.dtype;
  }

  bool valid(const Tensor& tensor, DType dtype) const {
    return tensor.valid() && tensor.dtype == dtype && mDevice.contains(tensor.buffer) &&
           tensor.byteOffset() + tensor.bytes() <= mDevice.bytes(tensor.buffer);
  }

  // The fusions that the model's graphs use: matmul + bias_activation (forward), input_grad +
  // activation_backward, and weight_grad (op(A) = dz^T) + bias_grad. Anything else stays apart.
  Epilogue fusable(const GemmOp& gemm) const {
    Epilogue e;
    if (!mNext || std::getenv("NSB_VULKAN_NO_FUSION")) return e;
    auto apart = [&](const Tensor& t) { return !overlaps(t, gemm.a) && !overlaps(t, gemm.b) && !overlaps(t, gemm.c); };
    if (const auto* forward = std::get_if<BiasActivationOp>(mNext)) {
      const BiasActivationOp* next = forward;
      if (same(next->z, gemm.c) && valid(next->bias, DType::F32) && valid(next->a, DType::F32) &&
          next->bias.elements() == gemm.c.cols() && next->a.elements() == gemm.c.elements() &&
          !overlaps(next->bias, gemm.c) && (same(next->a, gemm.c) || apart(next->a)) && !overlaps(next->a, gemm.a) &&
          !overlaps(next->a, gemm.b)) {
        e.kind = EPILOGUE_BIAS_ACT;
        e.e0 = next->bias;
        e.e1 = next->a;
        e.activation = static_cast<std::uint32_t>(next->activation);
        e.output = next->a;
      }
    } else if (const auto* backward = std::get_if<ActivationBackwardOp>(mNext)) {
      const ActivationBackwardOp* next = backward;
      const bool haveA = next->a.valid();
      if (same(next->da, gemm.c) && valid(next->z, DType::F32) && valid(next->dz, DType::F32) &&
          (!haveA || valid(next->a, DType::F32)) && next->z.elements() == gemm.c.elements() &&
          next->dz.elements() == gemm.c.elements() && (!haveA || next->a.elements() == gemm.c.elements()) &&
          apart(next->dz) && apart(next->z) && (!haveA || apart(next->a)) && !overlaps(next->dz, next->z) &&
          (!haveA || !overlaps(next->dz, next->a))) {
        e.kind = EPILOGUE_ACT_GRAD;
        e.e0 = next->z;
        e.e1 = haveA ? next->a : next->z;
        e.e2 = next->dz;
        e.activation = static_cast<std::uint32_t>(next->activation);
        e.haveA = haveA ? 1 : 0;
        e.output = next->dz;
      }
    } else if (const auto* bias = std::get_if<BiasGradOp>(mNext)) {
      const BiasGradOp* next = bias;
      const std::size_t m = gemm.transA ? gemm.a.cols() : gemm.a.rows();
      if (gemm.transA && same(next->dz, gemm.a) && valid(next->db, DType::F32) && next->db.elements() == m &&
          apart(next->db)) {
        e.biasGrad = true;
        e.e2 = next->db;
        e.output = next->db;
      }
    }
    return e;
  }

  // A GEMM operand the texel variant can read: its buffer has a texel view of the format it needs.
  bool viewable(const Tensor& t) const { return mDevice.texelView(t.buffer, !vectorRows(t)) != VK_NULL_HANDLE; }
  // Rows of 4-float multiples at a 4-float-aligned offset: read through the RGBA32F view.
  static bool vectorRows(const Tensor& t) { return t.cols() % 4 == 0 && t.offset % 4 == 0; }

  std::string where() const { return "vulkan backend: op " + std::to_string(mIndex) + " (" + mLabel + ")"; }

  Command& dispatch(const gpu::PipelineDesc& desc, std::initializer_list<Tensor> storage) {
    Command c;
    c.pipeline = &mDevice.shaders().pipeline(desc);
    for (const Tensor& tensor : storage) {
      c.bindings.push_back({tensor.buffer, false});
      c.reads.push_back(tensor.buffer);
    }
    mOut->commands.push_back(std::move(c));
    return mOut->commands.back();
  }

  VulkanDevice& mDevice;
  std::size_t mIndex;
  const std::string& mLabel;
  std::vector<BufferId>& mOwned;
  std::vector<std::shared_ptr<OpResources>>& mResources;
  CompiledOp* mOut = nullptr;
  const Op* mNext = nullptr;
  bool mFusedNext = false;
};

bool intersects(const std::vector<BufferId>& a, const std::vector<std::uint32_t>& b) {
  for (const BufferId id : a) {
    if (std::find(b.begin(), b.end(), id.value) != b.end()) return true;
  }
  return false;
}

void barrier(VkCommandBuffer commands) {
  VkMemoryBarrier memory{};
  memory.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  memory.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  memory.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                         VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_UNIFORM_READ_BIT;
  const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(commands, stages, stages, 0, 1, &memory, 0, nullptr, 0, nullptr);
}

}  // namespace

VulkanProgram::VulkanProgram(VulkanDevice& device, const Graph& graph) : mDevice(device), mTiming(device.timing()) {
  mOps.resize(graph.ops.size());
  const BufferSizes sizes = [&device](BufferId id) -> std::optional<std::size_t> {
    if (!device.contains(id)) return std::nullopt;
    return device.bytes(id);
  };
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    mOps[i].label = graph.label(i);
    mOps[i].flops = opFlops(graph.ops[i]);
    mOps[i].kind = graph.ops[i].index();
    const std::string reason = validate(graph.ops[i], sizes);
    NSB_CHECK(reason.empty()) << "vulkan backend: op " << i << " (" << mOps[i].label << "): " << reason;
  }
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    if (mOps[i].fused) continue;  // checked above; the GEMM before it does its work
    const Op* next = i + 1 < graph.ops.size() ? &graph.ops[i + 1] : nullptr;
    Compiler compiler(mDevice, i, mOps[i].label, mOwnedBuffers, mResources);
    compiler.compile(graph.ops[i], next, mOps[i]);
    if (compiler.fusedNext()) mOps[i + 1].fused = true;
  }
  createDescriptorSets();
  VkCommandBufferAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  info.commandPool = mDevice.commandPool();
  info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  info.commandBufferCount = 1;
  NSB_VK_CHECK(vkAllocateCommandBuffers(mDevice.device(), &info, &mCommands));
}

VulkanProgram::~VulkanProgram() {
  mDevice.wait();
  vkFreeCommandBuffers(mDevice.device(), mDevice.commandPool(), 1, &mCommands);
  mResources.clear();
  for (const BufferId id : mOwnedBuffers) mDevice.destroy(id);
}

void VulkanProgram::createDescriptorSets() {
  std::uint32_t storage = 0, texel = 0, sets = 0;
  for (const auto& op : mOps) {
    for (const auto& command : op.commands) {
      if (!command.pipeline) continue;
      ++sets;
      storage += command.pipeline->storageBuffers;
      texel += command.pipeline->texelBuffers;
    }
  }
  if (sets == 0) return;
  std::vector<VkDescriptorPoolSize> sizes;
  if (storage) sizes.push_back({VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, storage});
  if (texel) sizes.push_back({VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, texel});
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.maxSets = sets;
  poolInfo.poolSizeCount = static_cast<std::uint32_t>(sizes.size());
  poolInfo.pPoolSizes = sizes.data();
  VkDescriptorPool pool = VK_NULL_HANDLE;
  NSB_VK_CHECK(vkCreateDescriptorPool(mDevice.device(), &poolInfo, nullptr, &pool));
  mDescriptorPool = gpu::Handle<VkDescriptorPool>(mDevice.device(), pool, vkDestroyDescriptorPool);

  const VkDeviceSize maxRange = mDevice.context().properties().limits.maxStorageBufferRange;
  for (auto& op : mOps) {
    for (auto& command : op.commands) {
      if (!command.pipeline) continue;
      VkDescriptorSetLayout layout = command.pipeline->setLayout.get();
      VkDescriptorSetAllocateInfo allocateInfo{};
      allocateInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
      allocateInfo.descriptorPool = pool;
      allocateInfo.descriptorSetCount = 1;
      allocateInfo.pSetLayouts = &layout;
      NSB_VK_CHECK(vkAllocateDescriptorSets(mDevice.device(), &allocateInfo, &command.set));
      NSB_CHECK(command.bindings.size() == command.pipeline->storageBuffers + command.pipeline->texelBuffers)
          << "vulkan backend: " << op.label << ": " << command.bindings.size() << " bindings for a pipeline of "
          << command.pipeline->storageBuffers + command.pipeline->texelBuffers;
      std::vector<VkDescriptorBufferInfo> buffers(command.bindings.size());
      std::vector<VkBufferView> views(command.bindings.size());
      std::vector<VkWriteDescriptorSet> writes;
      for (std::uint32_t b = 0; b < command.bindings.size(); ++b) {
        const Binding& binding = command.bindings[b];
        VkWriteDescriptorSet write{};
        write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        write.dstSet = command.set;
        write.dstBinding = b;
        write.descriptorCount = 1;
        if (binding.texel) {
          views[b] = mDevice.texelView(binding.buffer, binding.scalar);
          write.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
          write.pTexelBufferView = &views[b];
        } else {
          const VkDeviceSize bytes = (mDevice.bytes(binding.buffer) + 15) / 16 * 16;
          NSB_CHECK(bytes <= maxRange) << "vulkan backend: " << op.label << ": a buffer of " << bytes
                                       << " bytes exceeds the device's storage-buffer range of " << maxRange;
          buffers[b] = VkDescriptorBufferInfo{mDevice.buffer(binding.buffer), 0, bytes};
          write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
          write.pBufferInfo = &buffers[b];
        }
        writes.push_back(write);
      }
      vkUpdateDescriptorSets(mDevice.device(), static_cast<std::uint32_t>(writes.size()), writes.data(), 0, nullptr);
    }
  }
}

void VulkanProgram::recordCommand(VkCommandBuffer commands, const Command& command) {
  if (command.custom) {
    command.custom(commands);
  } else if (command.pipeline) {
    vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, command.pipeline->pipeline.get());
    vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, command.pipeline->layout.get(), 0, 1,
                            &command.set, 0, nullptr);
    if (command.pushWords) {
      vkCmdPushConstants(commands, command.pipeline->layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                         command.pushWords * 4, command.push.data());
    }
    vkCmdDispatch(commands, command.groups[0], command.groups[1], command.groups[2]);
  } else {
    vkCmdCopyBuffer(commands, mDevice.buffer(command.copySrc), mDevice.buffer(command.copyDst), 1, &command.copy);
  }
}

void VulkanProgram::record(std::uint32_t repeats) {
  const std::uint32_t perRepeat = static_cast<std::uint32_t>(mOps.size()) + 1;
  if (mTiming && mDevice.context().info().timestamps && perRepeat * repeats > mQueryCount) {
    VkQueryPoolCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    info.queryCount = perRepeat * repeats;
    VkQueryPool pool = VK_NULL_HANDLE;
    NSB_VK_CHECK(vkCreateQueryPool(mDevice.device(), &info, nullptr, &pool));
    mQueries = gpu::Handle<VkQueryPool>(mDevice.device(), pool, vkDestroyQueryPool);
    mQueryCount = info.queryCount;
  }
  const bool timestamps = mTiming && mQueries;

  NSB_VK_CHECK(vkResetCommandBuffer(mCommands, 0));
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  NSB_VK_CHECK(vkBeginCommandBuffer(mCommands, &begin));
  if (timestamps) vkCmdResetQueryPool(mCommands, mQueries.get(), 0, perRepeat * repeats);
  // Uploads and earlier submits wrote through transfers and kernels: make them visible first.
  barrier(mCommands);
  std::vector<std::uint32_t> written, read;  // buffers touched since the last barrier
  for (std::uint32_t r = 0; r < repeats; ++r) {
    if (timestamps) {
      vkCmdWriteTimestamp(mCommands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, mQueries.get(), r * perRepeat);
    }
    for (std::size_t i = 0; i < mOps.size(); ++i) {
      for (const Command& command : mOps[i].commands) {
        if (intersects(command.reads, written) || intersects(command.writes, written) ||
            intersects(command.writes, read)) {
          barrier(mCommands);
          written.clear();
          read.clear();
        }
        recordCommand(mCommands, command);
        for (const BufferId id : command.reads) read.push_back(id.value);
        for (const BufferId id : command.writes) written.push_back(id.value);
      }
      if (timestamps) {
        // Ops are fenced apart when timing so that each timestamp pair brackets one op alone.
        barrier(mCommands);
        written.clear();
        read.clear();
        vkCmdWriteTimestamp(mCommands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, mQueries.get(),
                            r * perRepeat + static_cast<std::uint32_t>(i) + 1);
      }
    }
  }
  NSB_VK_CHECK(vkEndCommandBuffer(mCommands));
  mRecordedRepeats = repeats;
  ++mRecordings;
}

void VulkanProgram::submit(std::uint32_t repeats) {
  if (repeats == 0) return;
  if (repeats != mRecordedRepeats) {
    mDevice.wait();  // the command buffer may still be executing
    record(repeats);
  }
  mDevice.submit(mCommands);
  mLastRepeats = repeats;
}

std::vector<OpTiming> VulkanProgram::timings() {
  std::vector<OpTiming> result;
  if (!mTiming) return result;
  for (const auto& op : mOps) {
    const auto dispatches = std::count_if(op.commands.begin(), op.commands.end(),
                                          [](const Command& c) { return c.pipeline || c.custom; });
    result.push_back({op.label, 0.0, op.flops, static_cast<std::uint32_t>(dispatches), op.kind});
  }
  if (!mQueries || mLastRepeats == 0) return result;
  mDevice.wait();
  const std::uint32_t perRepeat = static_cast<std::uint32_t>(mOps.size()) + 1;
  std::vector<std::uint64_t> ticks(perRepeat * mLastRepeats);
  NSB_VK_CHECK(vkGetQueryPoolResults(mDevice.device(), mQueries.get(), 0, static_cast<std::uint32_t>(ticks.size()),
                                     ticks.size() * sizeof(std::uint64_t), ticks.data(), sizeof(std::uint64_t),
                                     VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  const double nanosecondsPerTick = static_cast<double>(mDevice.context().properties().limits.timestampPeriod);
  for (std::uint32_t r = 0; r < mLastRepeats; ++r) {
    for (std::size_t i = 0; i < mOps.size(); ++i) {
      const std::uint64_t start = ticks[r * perRepeat + i], end = ticks[r * perRepeat + i + 1];
      const double elapsed = end > start ? static_cast<double>(end - start) : 0.0;
      result[i].microseconds += elapsed * nanosecondsPerTick * 1e-3 / static_cast<double>(mLastRepeats);
    }
  }
  return result;
}

}  // namespace nsb::compute::vulkan
