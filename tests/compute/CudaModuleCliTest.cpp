// The executable with the CUDA module missing or unloadable: it starts, trains on the CPU and lists its
// devices; `--backend cuda` is one line naming what is missing, exit 1. NSB_CUDA_MODULE points the loader
// at a missing file, and LD_LIBRARY_PATH= with no CUDA folder keeps the CUDA libraries out of reach.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "compute/Registry.h"
#include "compute/cuda/CudaModule.h"
#include "sandbox/CliRun.h"

namespace {

using nsb::sandbox::testing::CliRun;
using nsb::sandbox::testing::lineCount;

CliRun run(const std::string& environment, const std::string& args) {
  return nsb::sandbox::testing::run(args, environment);
}

const std::string NO_MODULE = "NSB_CUDA_MODULE=/nonexistent/libnsb_cuda.so LD_LIBRARY_PATH=";

TEST(CudaCli, TrainsOnTheCpuWithoutTheCudaModuleOrLibraries) {
  const CliRun r = run(NO_MODULE, "train --preset xor --backend cpu --threads 1 --epochs 2 --json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"backend\""), std::string::npos) << r.out;
}

TEST(CudaCli, TheExecutableDoesNotLinkTheCudaLibraries) {
  // readelf lists the libraries the loader must find before main(): none of CUDA's may be among them.
  FILE* pipe = ::popen((std::string("readelf -d ") + NSB_CLI + " 2>/dev/null").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string dynamic;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) dynamic += buffer.data();
  ::pclose(pipe);
  if (dynamic.find("NEEDED") == std::string::npos) GTEST_SKIP() << "readelf is not installed";
  for (const char* library : {"libcuda", "libcudart", "libcublas", "libcufft", "libnsb_cuda"})
    EXPECT_EQ(dynamic.find(library), std::string::npos) << "neural-sandbox needs " << library << ":\n" << dynamic;
}

TEST(CudaCli, BackendCudaWithoutTheModuleIsOneLineExitOne) {
  const CliRun r = run(NO_MODULE, "train --preset xor --backend cuda --epochs 1");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/libnsb_cuda.so"), std::string::npos) << r.err;
}

TEST(CudaCli, BackendCudaWithoutTheDriverIsOneLineExitOne) {
  if (!nsb::compute::cuda::moduleBuilt()) GTEST_SKIP() << "this build has no CUDA module";
  if (nsb::compute::cudaAvailability().ok()) GTEST_SKIP() << "this machine has a CUDA device";
  const CliRun r = run("", "train --preset xor --backend cuda --epochs 1");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("libcuda.so.1"), std::string::npos) << r.err;
}

TEST(CudaCli, DevicesListsWithAndWithoutTheModule) {
  for (const std::string& environment : {NO_MODULE, std::string()}) {
    const CliRun r = run(environment, "devices");
    EXPECT_EQ(r.code, 0) << environment << ": " << r.err;
    EXPECT_NE(r.out.find("cpu"), std::string::npos) << r.out;
  }
  const CliRun missing = run(NO_MODULE, "devices");
  EXPECT_NE(missing.out.find("cuda: none (the CUDA module /nonexistent/libnsb_cuda.so is missing)"), std::string::npos)
      << missing.out;
}

}  // namespace
