// VulkanOps: one function object per op kind turns an op into commands; the shaders' push-constant
// blocks fix the order of the words each writes.
#include "compute/vulkan/VulkanOps.h"

#include <algorithm>
#include <bit>

#include "compute/OptimizerMath.h"
#include "compute/vulkan/VulkanFusion.h"
#include "compute/vulkan/VulkanSpectrum.h"
#include "core/Check.h"

namespace nsb::compute::vulkan {

std::uint32_t u32(std::size_t value) {
  NSB_CHECK(value <= UINT32_MAX) << "vulkan backend: " << value << " does not fit 32 bits";
  return static_cast<std::uint32_t>(value);
}

std::uint32_t groupsFor(std::size_t items, std::uint32_t perGroup) {
  const std::size_t groups = (items + perGroup - 1) / perGroup;
  return static_cast<std::uint32_t>(std::clamp<std::size_t>(groups, 1, MAX_GROUPS));
}

namespace {

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
    Command& c =
        dispatch({"compute/gather.comp", 4, 0, {srcType, vec4, u8x16}}, {op.src, op.index, op.counters, op.dst});
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
    const Epilogue epilogue = mDevice.fusion() ? fuseIntoGemm(op, mNext) : Epilogue{};
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
      const bool storeVec4 =
          n % 4 == 0 && c.offset % 4 == 0 &&
          (kind == EPILOGUE_NONE || (e0.offset % 4 == 0 && e1.offset % 4 == 0 && (!actGrad || e2.offset % 4 == 0)));
      Command& cmd = dispatch({"compute/gemm_texel.comp",
                               4,
                               2,
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
      cmd.groups = {u32((colBlocks + colLanes - 1) / colLanes), u32(((m + ROWS - 1) / ROWS + rowLanes - 1) / rowLanes),
                    1};
    } else {
      constexpr std::uint32_t TX = 16, TY = 16, TM = 4, TN = 4, BK = 16;
      Command& cmd =
          dispatch({"compute/gemm_tiled.comp", 6, 0, {TX, TY, TM, TN, BK, op.transA, op.transB, kind, biasGrad}},
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
    // Both variants' push blocks: offsets of A, B, C at words 3-5 and of E0-E2 at 11-13.
    std::vector<Tensor> written = {c};
    if (epilogue.output.valid()) written.push_back(epilogue.output);
    batchable(cmd, {3, 4, 5, 11, 12, 13}, {op.a, op.b, c, e0, e1, e2}, std::move(written));
    // A batch of a million rows gets here: the device says no, the process goes on.
    if (cmd.groups[0] > MAX_GROUPS || cmd.groups[1] > MAX_GROUPS) {
      mDevice.fail(where() + ": a " + std::to_string(m) + "x" + std::to_string(n) +
                   " product needs more workgroups than one dispatch has");
    }
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
    batchable(c, {0, 1, 2}, {op.z, op.bias, op.a}, {op.z, op.a});
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
    batchable(c, {0, 1, 2, 3, 4}, {op.z, op.target, op.output, op.loss, op.dz}, {op.z, op.output, op.loss, op.dz});
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
    if (c.groups[0] > MAX_GROUPS) mDevice.fail(where() + ": too many segments for one dispatch");
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
  // A GEMM operand the texel variant can read: its buffer has a texel view of the format it needs.
  bool viewable(const Tensor& t) const { return mDevice.texelView(t.buffer, !vectorRows(t)) != VK_NULL_HANDLE; }
  // Rows of 4-float multiples at a 4-float-aligned offset: read through the RGBA32F view.
  static bool vectorRows(const Tensor& t) { return t.cols() % 4 == 0 && t.offset % 4 == 0; }

  std::string where() const { return "vulkan backend: op " + std::to_string(mIndex) + " (" + mLabel + ")"; }

  // Marks `c` as one that VulkanBatch may run with others like it: `offsetWords` are its push words that
  // are offsets, and a stride word (0 here) follows the pushed words for each, in the same order.
  static void batchable(Command& c, std::initializer_list<std::uint8_t> offsetWords, std::vector<Tensor> reads,
                        std::vector<Tensor> writes) {
    c.offsetWords = offsetWords;
    c.strideWord = c.pushWords;
    for (std::size_t i = 0; i < c.offsetWords.size(); ++i) Push(c).u(0);
    c.readRanges = std::move(reads);
    c.writeRanges = std::move(writes);
  }

  Command& dispatch(const gpu::PipelineDesc& desc, std::initializer_list<Tensor> storage) {
    Command c;
    c.pipeline = mDevice.pipeline(desc);  // null when the device failed: the program records nothing
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

}  // namespace

bool compileOp(VulkanDevice& device, std::size_t index, const std::string& label, const Op& op, const Op* next,
               CompiledOp& out, std::vector<BufferId>& owned, std::vector<std::shared_ptr<OpResources>>& resources) {
  Compiler compiler(device, index, label, owned, resources);
  compiler.compile(op, next, out);
  return compiler.fusedNext();
}

}  // namespace nsb::compute::vulkan
