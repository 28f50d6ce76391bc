// The CPU backend: host buffers, synchronous programs, OpenBLAS for GEMM. Its thread count is set
// explicitly at creation (a default of every core fights the training and render threads) and its own
// workers (CpuWorkers) run every parallel part, OpenBLAS included: OpenBLAS itself is single-threaded.
#include "compute/cpu/CpuBackend.h"

#include <cblas.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "compute/cpu/CpuBufferTable.h"
#include "compute/cpu/CpuProgram.h"
#include "compute/cpu/CpuWorkers.h"
#include "core/Check.h"

namespace nsb::compute {
namespace {

std::string cpuModel() {
  std::ifstream file("/proc/cpuinfo");
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("model name", 0) == 0) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::size_t start = line.find_first_not_of(" \t", colon + 1);
        if (start != std::string::npos) return line.substr(start);
      }
    }
  }
  return "unknown CPU";
}

// Logical CPUs per physical core (2 with SMT), from /proc/cpuinfo's "siblings" over "cpu cores".
unsigned threadsPerCore() {
  std::ifstream file("/proc/cpuinfo");
  std::string line;
  unsigned siblings = 0, cores = 0;
  auto value = [&line] {
    const std::size_t colon = line.find(':');
    return colon == std::string::npos ? 0u : static_cast<unsigned>(std::strtoul(line.c_str() + colon + 1, nullptr, 10));
  };
  while (std::getline(file, line) && (siblings == 0 || cores == 0)) {
    if (line.rfind("siblings", 0) == 0) siblings = value();
    if (line.rfind("cpu cores", 0) == 0) cores = value();
  }
  return siblings > 0 && cores > 0 && siblings >= cores ? siblings / cores : 1;
}

// The default: one thread per physical core this process may run on (the training thread takes bands
// too), at most MAX_DEFAULT_THREADS. Both cores help on the idle 2-core Intel and AMD machines (batch 256:
// 543,000 samples/s with 2 threads against 330,000 with 1 on AMD; bench's better of 1 and 2 was 2 on
// Intel), while a second thread on one core only competes for its FMA units. An op has at most 16 bands
// (CpuProgram), mnist-mlp's 2, so more threads than 8 would mostly wait; nothing past 2 cores was measured.
constexpr int MAX_DEFAULT_THREADS = 8;

int chooseThreads(int requested) {
  if (requested > 0) return requested;
  cpu_set_t set;
  CPU_ZERO(&set);
  unsigned cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? static_cast<unsigned>(CPU_COUNT(&set)) : 0;
  if (cpus == 0) cpus = std::max(1u, std::thread::hardware_concurrency());
  const unsigned cores = std::max(1u, cpus / threadsPerCore());
  return static_cast<int>(std::min<unsigned>(cores, MAX_DEFAULT_THREADS));
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const BackendOptions& options)
      : mThreads(chooseThreads(options.threads)), mTiming(options.timing), mWorkers(mThreads) {
    openblas_set_num_threads(1);
    const char* config = openblas_get_config();
    mDeviceName = cpuModel() + ", OpenBLAS " + (config ? config : "?");
  }

  std::string name() const override { return "cpu"; }
  std::string deviceName() const override { return mDeviceName; }
  bool supports(OpKind kind) const override { return kind < OP_KIND_COUNT; }
  int threads() const override { return mThreads; }

  void upload(BufferId buffer, std::size_t byteOffset, std::span<const std::byte> data) override {
    NSB_CHECK(byteOffset + data.size() <= mBuffers.bytes(buffer))
        << "cpu backend: upload of " << data.size() << " bytes at " << byteOffset << " overruns buffer " << buffer.value
        << " of " << mBuffers.bytes(buffer) << " bytes";
    if (!data.empty()) std::memcpy(mBuffers.data(buffer) + byteOffset, data.data(), data.size());
    mBytesTransferred += data.size();
  }

  void download(BufferId buffer, std::size_t byteOffset, std::span<std::byte> data) override {
    NSB_CHECK(byteOffset + data.size() <= mBuffers.bytes(buffer))
        << "cpu backend: download of " << data.size() << " bytes at " << byteOffset << " overruns buffer "
        << buffer.value << " of " << mBuffers.bytes(buffer) << " bytes";
    if (!data.empty()) std::memcpy(data.data(), mBuffers.data(buffer) + byteOffset, data.size());
    mBytesTransferred += data.size();
  }

  std::unique_ptr<Program> compile(const Graph& graph) override {
    return std::make_unique<cpu::CpuProgram>(mBuffers, mWorkers, graph, mTiming);
  }

  // Programs run synchronously in submit(), so there is never outstanding work.
  void synchronize() override {}

 protected:
  BufferId allocateId(std::size_t bytes) override { return mBuffers.allocate(bytes); }
  void release(BufferId buffer) override { mBuffers.release(buffer); }
  // Buffers are host memory: the host's budget, no limit per buffer.
  MemoryBudget deviceBudget() const override { return hostMemoryBudget(); }

 private:
  int mThreads = 1;
  bool mTiming = false;
  cpu::CpuWorkers mWorkers;  // mThreads threads, the caller's included
  std::string mDeviceName;
  cpu::CpuBufferTable mBuffers;
};

}  // namespace

std::unique_ptr<Backend> createCpuBackend(const BackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace nsb::compute
