#pragma once
// CudaProgram: a Graph compiled for the CUDA backend. Construction checks every op (compute::validate),
// resolves every tensor to its device address and makes what an op needs beforehand (cuFFT plans, scratch),
// so that a submit launches kernels only and can be captured as a CUDA graph (CudaPlan.h's GraphPlan says
// when). It refers to its backend's context, so it must not outlive the backend.
#include <cufft.h>

#include <functional>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "compute/cuda/CudaContext.cuh"
#include "compute/cuda/CudaPlan.h"

namespace nsb::compute::cuda {

class CudaProgram final : public Program {
 public:
  CudaProgram(CudaContext& context, const Graph& graph, bool timing);
  ~CudaProgram() override;

  void submit(std::uint32_t repeats = 1) override;
  std::vector<OpTiming> timings() override;
  std::uint32_t recordings() const override { return mGraphPlan.recordings(); }

 private:
  // One op's launches, its pointers bound at compile time; false when a library call failed.
  using Step = std::function<bool()>;
  Step bind(const GatherOp& op);
  Step bind(const GemmOp& op);
  Step bind(const BiasActivationOp& op);
  Step bind(const ActivationBackwardOp& op);
  Step bind(const BiasGradOp& op);
  Step bind(const LossOp& op);
  Step bind(const ArgmaxOp& op);
  Step bind(const OptimizerOp& op);
  Step bind(const AdvanceOp& op);
  Step bind(const CopyOp& op);
  Step bind(const SumSquaresOp& op);
  Step bind(const SpectrumOp& op);

  void fuse();
  // Runs every op once on the stream; false at the first failure.
  bool runOnce();
  void runTimed(std::uint32_t repeats);
  void* scratch(std::size_t bytes);
  std::string where(std::size_t i) const;

  CudaContext& mContext;
  std::vector<Op> mOps;
  std::vector<std::string> mLabels;
  std::vector<double> mFlops;
  std::vector<std::uint32_t> mDispatches;
  std::vector<Step> mSteps;
  bool mTiming = false;
  std::vector<double> mMicroseconds;
  std::vector<cudaEvent_t> mEvents;  // two per op with timing
  std::vector<void*> mScratch;       // device memory this program owns
  std::vector<cufftHandle> mPlans;
  GraphPlan mGraphPlan;
  cudaGraphExec_t mGraphExec = nullptr;
};

}  // namespace nsb::compute::cuda
