#pragma once
// CpuProgram: a Graph compiled for the CPU backend. Construction checks every op once (compute::validate);
// submit() only resolves buffer pointers and runs the kernels.
// It refers to its backend's buffer table and workers, so it must not outlive the backend.
#include <cstdint>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "compute/cpu/CpuBufferTable.h"
#include "compute/cpu/CpuKernels.h"
#include "compute/cpu/CpuWorkers.h"

namespace nsb::compute::cpu {

class CpuProgram final : public Program {
 public:
  CpuProgram(const CpuBufferTable& buffers, CpuWorkers& workers, const Graph& graph, bool timing);

  // Runs synchronously: on the calling thread, and the lanes of a block (Graph::lanes) on the workers
  // too.
  void submit(std::uint32_t repeats = 1) override;
  std::vector<OpTiming> timings() override;

 private:
  void execute(const GatherOp& op, std::size_t i);
  void execute(const GemmOp& op, std::size_t i);
  void execute(const BiasActivationOp& op, std::size_t i);
  void execute(const ActivationBackwardOp& op, std::size_t i);
  void execute(const BiasGradOp& op, std::size_t i);
  void execute(const LossOp& op, std::size_t i);
  void execute(const ArgmaxOp& op, std::size_t i);
  void execute(const OptimizerOp& op, std::size_t i);
  void execute(const AdvanceOp& op, std::size_t i);
  void execute(const CopyOp& op, std::size_t i);
  void execute(const SumSquaresOp& op, std::size_t i);
  void execute(const SpectrumOp& op, std::size_t i);

  std::string where(std::size_t i) const;
  void execute(std::size_t i);

  // The ops in runs: one op of lane 0, or a block of ops with lanes > 0, its lanes' op indices in order.
  struct Run {
    std::size_t begin = 0, end = 0;
    std::vector<std::vector<std::size_t>> lanes;
  };
  std::vector<Run> mRuns;

  const CpuBufferTable& mBuffers;
  CpuWorkers& mWorkers;
  std::vector<Op> mOps;
  std::vector<std::string> mLabels;
  std::vector<double> mFlops;
  bool mTiming = false;
  std::vector<double> mMicroseconds;           // per op, averaged over the last submit's repeats
  std::vector<SpectrumScratch> mSpectra;       // one per spectrum op, made at compile time
  std::vector<std::vector<double>> mLossRows;  // per op (loss ops only): its per-row losses
  std::vector<std::size_t> mSpectrumIndex;     // op index -> mSpectra index
};

}  // namespace nsb::compute::cpu
