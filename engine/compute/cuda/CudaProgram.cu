// CudaProgram: binding each op to its launches, the op-by-op, timed and graph-replay submits.
#include <algorithm>

#include "compute/cuda/CudaProgram.cuh"
#include "core/Check.h"

namespace nsb::compute::cuda {

CudaProgram::CudaProgram(CudaContext& context, const Graph& graph, bool timing)
    : mContext(context), mOps(graph.ops), mTiming(timing), mGraphPlan(!timing) {
  const BufferSizes sizes = [&context](BufferId id) -> std::optional<std::size_t> {
    if (!context.contains(id)) return std::nullopt;
    return context.bytes(id);
  };
  for (std::size_t i = 0; i < mOps.size(); ++i) {
    mLabels.push_back(graph.label(i));
    mFlops.push_back(opFlops(mOps[i]));
    const std::string reason = validate(mOps[i], sizes);
    NSB_CHECK(reason.empty()) << where(i) << ": " << reason;
    mSteps.push_back(std::visit([&](const auto& op) { return bind(op); }, mOps[i]));
    // Kernel launches per op: the loss and the spectrum are two (rows then total; FFT then magnitude).
    mDispatches.push_back(std::holds_alternative<LossOp>(mOps[i]) || std::holds_alternative<SpectrumOp>(mOps[i]) ? 2
                                                                                                                 : 1);
  }
  fuse();
  if (mTiming) {
    mMicroseconds.assign(mOps.size(), 0.0);
    mEvents.assign(2 * mOps.size(), nullptr);
    for (cudaEvent_t& event : mEvents) {
      if (!mContext.check(cudaEventCreate(&event), "cudaEventCreate")) break;
    }
  }
}

CudaProgram::~CudaProgram() {
  if (mGraphExec) cudaGraphExecDestroy(mGraphExec);
  for (cudaEvent_t event : mEvents) {
    if (event) cudaEventDestroy(event);
  }
  for (cufftHandle plan : mPlans) cufftDestroy(plan);
  for (void* memory : mScratch) cudaFree(memory);
}

std::string CudaProgram::where(std::size_t i) const {
  return "cuda backend: op " + std::to_string(i) + " (" + mLabels[i] + ")";
}

void* CudaProgram::scratch(std::size_t bytes) {
  void* memory = nullptr;
  if (!mContext.failed() &&
      mContext.check(cudaMalloc(&memory, std::max<std::size_t>(bytes, 1)), "cudaMalloc (scratch)"))
    mScratch.push_back(memory);
  return memory;
}

// ---- binding ---------------------------------------------------------------------------------------

CudaProgram::Step CudaProgram::bind(const GatherOp& op) {
  const void* src = mContext.at<std::byte>(op.src);
  const auto* index = mContext.at<std::int32_t>(op.index);
  const auto* counters = mContext.at<std::int32_t>(op.counters);
  void* dst = mContext.at<std::byte>(op.dst);
  return [this, src, dtype = op.src.dtype, srcRows = op.src.rows(), index, indexCount = op.index.elements(), counters,
          dst, rows = op.dst.rows(), cols = op.dst.cols(), scale = op.scale] {
    launchGather(mContext.stream(), mContext.errorWord(), src, dtype, srcRows, index, indexCount, counters, dst, rows,
                 cols, scale);
    return true;
  };
}

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B first. TF32 stays off
// (the handle's default math mode), so the results match the CPU backend's to FP32 rounding.
CudaProgram::Step CudaProgram::bind(const GemmOp& op) {
  const int m = static_cast<int>(op.transA ? op.a.cols() : op.a.rows());
  const int k = static_cast<int>(op.transA ? op.a.rows() : op.a.cols());
  const int n = static_cast<int>(op.transB ? op.b.rows() : op.b.cols());
  const int lda = static_cast<int>(op.a.cols()), ldb = static_cast<int>(op.b.cols());
  const float* a = mContext.at<float>(op.a);
  const float* b = mContext.at<float>(op.b);
  float* c = mContext.at<float>(op.c);
  return [this, m, n, k, lda, ldb, a, b, c, transA = op.transA, transB = op.transB, alpha = op.alpha, beta = op.beta] {
    return mContext.check(cublasSgemm(mContext.blas(), transB ? CUBLAS_OP_T : CUBLAS_OP_N,
                                      transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, b, ldb, a, lda, &beta, c, n),
                          "cublasSgemm");
  };
}

CudaProgram::Step CudaProgram::bind(const BiasActivationOp& op) {
  float* z = mContext.at<float>(op.z);
  const float* bias = mContext.at<float>(op.bias);
  float* a = mContext.at<float>(op.a);
  return [this, z, bias, a, rows = op.z.rows(), n = op.z.cols(), activation = op.activation] {
    launchBiasActivation(mContext.stream(), z, bias, a, rows, n, activation);
    return true;
  };
}

CudaProgram::Step CudaProgram::bind(const ActivationBackwardOp& op) {
  const float* da = mContext.at<float>(op.da);
  const float* z = mContext.at<float>(op.z);
  const float* a = op.a.valid() ? mContext.at<float>(op.a) : nullptr;
  float* dz = mContext.at<float>(op.dz);
  return [this, da, z, a, dz, count = op.z.elements(), activation = op.activation] {
    launchActivationBackward(mContext.stream(), da, z, a, dz, count, activation);
    return true;
  };
}

CudaProgram::Step CudaProgram::bind(const BiasGradOp& op) {
  const float* dz = mContext.at<float>(op.dz);
  float* db = mContext.at<float>(op.db);
  return [this, dz, db, rows = op.dz.rows(), n = op.dz.cols()] {
    launchBiasGrad(mContext.stream(), dz, db, rows, n);
    return true;
  };
}

CudaProgram::Step CudaProgram::bind(const LossOp& op) {
  LossArgs args;
  args.z = mContext.at<float>(op.z);
  if (op.target.dtype == DType::I32) {
    args.classTarget = mContext.at<std::int32_t>(op.target);
  } else {
    args.valueTarget = mContext.at<float>(op.target);
  }
  args.output = mContext.at<float>(op.output);
  args.loss = mContext.at<float>(op.loss);
  args.dz = mContext.at<float>(op.dz);
  args.rows = op.z.rows();
  args.n = op.z.cols();
  args.head = op.head;
  args.kind = op.loss_kind;
  args.rowLoss = static_cast<double*>(scratch(args.rows * sizeof(double)));
  return [this, args] {
    launchLoss(mContext.stream(), mContext.errorWord(), args);
    return true;
  };
}

CudaProgram::Step CudaProgram::bind(const ArgmaxOp& op) {
  const float* z = mContext.at<float>(op.z);
  auto* predictions = mContext.at<std::int32_t>(op.predictions);
  return [this, z, predictions, rows = op.z.rows(), n = op.z.cols()] {
    launchArgmax(mContext.stream(), z, rows, n, predictions);
    return true;
  };
}

CudaProgram::Step CudaProgram::bind(const OptimizerOp& op) {
  const int states = optimizerStateCount(op.kind);
  OptimizerArgs args;
  args.params = mContext.at<float>(op.params);
  args.grads = mContext.at<float>(op.grads);
  args.state1 = states >= 1 ? mContext.at<float>(op.state1) : nullptr;
  args.state2 = states >= 2 ? mContext.at<float>(op.state2) : nullptr;
  args.count = op.params.elements();
  args.regularized = std::min(op.regularized, args.count);
  args.hyper = mContext.at<float>(op.hyper);
  args.counters = mContext.at<std::int32_t>(op.counters);
  args.kind = op.kind;
  return [this, args] {
    launchOptimizer(mContext.stream(), args);
    return true;
  };
}

CudaProgram::Step CudaProgram::bind(const AdvanceOp& op) {
  auto* counters = mContext.at<std::int32_t>(op.counters);
  return [this, counters] {
    launchAdvance(mContext.stream(), counters);
    return true;
  };
}

CudaProgram::Step CudaProgram::bind(const CopyOp& op) {
  const void* src = mContext.at<std::byte>(op.src);
  void* dst = mContext.at<std::byte>(op.dst);
  return [this, src, dst, bytes = op.src.bytes()] {
    if (src == dst) return true;  // validate allows only the very same range in place
    return mContext.check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, mContext.stream()),
                          "cudaMemcpyAsync");
  };
}

CudaProgram::Step CudaProgram::bind(const SumSquaresOp& op) {
  std::vector<unsigned long long> ranges;
  for (const auto& [begin, end] : op.segments) {
    ranges.push_back(begin);
    ranges.push_back(end);
  }
  auto* segments = static_cast<unsigned long long*>(scratch(ranges.size() * sizeof(unsigned long long)));
  if (segments && !ranges.empty())
    mContext.check(
        cudaMemcpy(segments, ranges.data(), ranges.size() * sizeof(unsigned long long), cudaMemcpyHostToDevice),
        "cudaMemcpy (segments)");
  const float* x = mContext.at<float>(op.x);
  const float* y = op.y.valid() ? mContext.at<float>(op.y) : nullptr;
  float* out = mContext.at<float>(op.out);
  return [this, x, y, segments, count = op.segments.size(), out] {
    launchSumSquares(mContext.stream(), x, y, segments, count, out);
    return true;
  };
}

// cuFFT's batched real-to-complex transform into scratch, then the magnitude of each value. cuFFT takes no
// dimension of 1, so one row high is a 1D transform along the row, one column wide a 1D transform down the
// column (mirrored to the full height) and 1 x 1 needs no transform.
CudaProgram::Step CudaProgram::bind(const SpectrumOp& op) {
  const std::size_t height = op.height, width = op.width, half = width / 2 + 1;
  const std::size_t count = op.images.elements() / (height * width);
  const SpectrumLayout layout = width > 1    ? SpectrumLayout::Direct
                                : height > 1 ? SpectrumLayout::Column
                                             : SpectrumLayout::Single;
  auto* images = mContext.at<float>(op.images);
  float* magnitude = mContext.at<float>(op.magnitude);
  cufftComplex* spectrum = nullptr;
  cufftHandle plan = 0;
  bool planned = false;
  if (layout != SpectrumLayout::Single) {
    std::vector<int> dims;
    if (height > 1) dims.push_back(static_cast<int>(height));
    if (width > 1) dims.push_back(static_cast<int>(width));
    const std::size_t outPerImage = layout == SpectrumLayout::Column ? height / 2 + 1 : height * half;
    spectrum = static_cast<cufftComplex*>(scratch(count * outPerImage * sizeof(cufftComplex)));
    if (!mContext.failed() && mContext.check(cufftPlanMany(&plan, static_cast<int>(dims.size()), dims.data(), nullptr,
                                                           1, 0, nullptr, 1, 0, CUFFT_R2C, static_cast<int>(count)),
                                             "cufftPlanMany")) {
      mPlans.push_back(plan);
      planned = mContext.check(cufftSetStream(plan, mContext.stream()), "cufftSetStream");
    }
  }
  return [this, layout, plan, planned, images, spectrum, magnitude, count, height, half] {
    if (layout != SpectrumLayout::Single) {
      if (!planned) return false;
      if (!mContext.check(cufftExecR2C(plan, images, spectrum), "cufftExecR2C")) return false;
    }
    launchMagnitude(mContext.stream(), layout, reinterpret_cast<const float*>(spectrum), images, magnitude, count,
                    height, half);
    return true;
  };
}

// The fused narrow-MLP chains (CudaPlan.h): the chain's first op launches the fused kernel, its other ops
// launch nothing (their timings say 0 dispatches: fused into an earlier op).
void CudaProgram::fuse() {
  for (const FusedChain& chain : planFusedMlp(mOps)) {
    FusedMlpArgs args;
    const auto& first = std::get<GemmOp>(mOps[chain.front().gemm]);
    args.input = mContext.at<float>(first.a);
    args.rows = first.a.rows();
    args.layers = static_cast<unsigned>(chain.size());
    for (std::size_t l = 0; l < chain.size(); ++l) {
      const auto& gemm = std::get<GemmOp>(mOps[chain[l].gemm]);
      const auto& bias = std::get<BiasActivationOp>(mOps[chain[l].bias]);
      args.layer[l] = {mContext.at<float>(gemm.b),
                       mContext.at<float>(bias.bias),
                       mContext.at<float>(bias.z),
                       mContext.at<float>(bias.a),
                       static_cast<unsigned>(chain[l].in),
                       static_cast<unsigned>(chain[l].out),
                       bias.activation};
      for (std::size_t op : {chain[l].gemm, chain[l].bias}) {
        mSteps[op] = [] { return true; };
        mDispatches[op] = 0;
      }
    }
    mSteps[chain.front().gemm] = [this, args] {
      launchFusedMlp(mContext.stream(), args);
      return true;
    };
    mDispatches[chain.front().gemm] = 1;
  }
}

// ---- submit ------------------------------------------------------------------------------------------

bool CudaProgram::runOnce() {
  for (std::size_t i = 0; i < mSteps.size(); ++i) {
    if (!mSteps[i]() || !mContext.check(cudaGetLastError(), "a kernel launch")) return false;
  }
  return true;
}

void CudaProgram::runTimed(std::uint32_t repeats) {
  std::fill(mMicroseconds.begin(), mMicroseconds.end(), 0.0);
  for (std::uint32_t r = 0; r < repeats && !mContext.failed(); ++r) {
    for (std::size_t i = 0; i < mSteps.size(); ++i) {
      cudaEventRecord(mEvents[2 * i], mContext.stream());
      if (!mSteps[i]() || !mContext.check(cudaGetLastError(), "a kernel launch")) return;
      cudaEventRecord(mEvents[2 * i + 1], mContext.stream());
    }
    if (!mContext.check(cudaStreamSynchronize(mContext.stream()), "cudaStreamSynchronize")) return;
    for (std::size_t i = 0; i < mSteps.size(); ++i) {
      float ms = 0.0f;
      if (!mContext.check(cudaEventElapsedTime(&ms, mEvents[2 * i], mEvents[2 * i + 1]), "cudaEventElapsedTime"))
        return;
      mMicroseconds[i] += 1000.0 * ms;
    }
  }
  if (repeats > 0) {
    for (double& us : mMicroseconds) us /= static_cast<double>(repeats);
  }
}

void CudaProgram::submit(std::uint32_t repeats) {
  if (mContext.failed() || repeats == 0) return;
  mContext.makeCurrent();
  const SubmitPath path = mGraphPlan.next();  // a timed program's plan is disabled: always Direct
  if (mTiming) {
    runTimed(repeats);
    return;
  }
  if (path == SubmitPath::CaptureThenReplay) {
    // One step captured; the counters and hyperparameters live on the device, so replays advance.
    cudaGraph_t graph = nullptr;
    bool captured = mContext.check(cudaStreamBeginCapture(mContext.stream(), cudaStreamCaptureModeThreadLocal),
                                   "cudaStreamBeginCapture");
    if (captured) {
      const bool ran = runOnce();
      captured = mContext.check(cudaStreamEndCapture(mContext.stream(), &graph), "cudaStreamEndCapture") && ran;
    }
    if (captured) captured = mContext.check(cudaGraphInstantiate(&mGraphExec, graph, 0), "cudaGraphInstantiate");
    if (graph) cudaGraphDestroy(graph);
    if (!captured) {
      // Something refused capture: forget it and stay on the op-by-op path.
      if (mGraphExec) cudaGraphExecDestroy(mGraphExec);
      mGraphExec = nullptr;
      mGraphPlan.captureFailed();
      cudaGetLastError();
      if (!mContext.lost()) mContext.forgive();
    }
  }
  if (mGraphExec) {
    for (std::uint32_t r = 0; r < repeats; ++r) {
      if (!mContext.check(cudaGraphLaunch(mGraphExec, mContext.stream()), "cudaGraphLaunch")) return;
    }
    return;
  }
  for (std::uint32_t r = 0; r < repeats; ++r) {
    if (!runOnce()) return;
  }
}

std::vector<OpTiming> CudaProgram::timings() {
  std::vector<OpTiming> result;
  if (!mTiming) return result;
  for (std::size_t i = 0; i < mOps.size(); ++i)
    result.push_back({mLabels[i], mMicroseconds[i], mFlops[i], mDispatches[i], mOps[i].index()});
  return result;
}

}  // namespace nsb::compute::cuda
