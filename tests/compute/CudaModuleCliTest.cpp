// The executable with the CUDA module missing or unloadable: it starts, trains on the CPU and lists its
// devices; `--backend cuda` is one line naming what is missing, exit 1. NSB_CUDA_MODULE points the loader
// at a missing file, and LD_LIBRARY_PATH= with no CUDA folder keeps the CUDA libraries out of reach.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "compute/Registry.h"
#include "compute/cuda/CudaModule.h"

namespace {

struct CliResult {
  int code = -1;
  std::string out, err;
};

CliResult run(const std::string& environment, const std::string& args) {
  const auto errPath = std::filesystem::temp_directory_path() / ("nsb-cuda-cli-err-" + std::to_string(::getpid()));
  const std::string command = "env " + environment + " " + NSB_CLI + " " + args + " 2>" + errPath.string();
  CliResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) r.out += buffer.data();
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(errPath);
  std::stringstream s;
  s << in.rdbuf();
  r.err = s.str();
  std::filesystem::remove(errPath);
  return r;
}

int lines(const std::string& text) {
  int count = 0;
  for (char c : text) count += c == '\n';
  return count;
}

const std::string NO_MODULE = "NSB_CUDA_MODULE=/nonexistent/libnsb_cuda.so LD_LIBRARY_PATH=";

TEST(CudaCli, TrainsOnTheCpuWithoutTheCudaModuleOrLibraries) {
  const CliResult r = run(NO_MODULE, "train --preset xor --backend cpu --threads 1 --epochs 2 --json");
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
  const CliResult r = run(NO_MODULE, "train --preset xor --backend cuda --epochs 1");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/libnsb_cuda.so"), std::string::npos) << r.err;
}

TEST(CudaCli, BackendCudaWithoutTheDriverIsOneLineExitOne) {
  if (!nsb::compute::cuda::moduleBuilt()) GTEST_SKIP() << "this build has no CUDA module";
  if (nsb::compute::cudaAvailability().ok()) GTEST_SKIP() << "this machine has a CUDA device";
  const CliResult r = run("", "train --preset xor --backend cuda --epochs 1");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("libcuda.so.1"), std::string::npos) << r.err;
}

TEST(CudaCli, DevicesListsWithAndWithoutTheModule) {
  for (const std::string& environment : {NO_MODULE, std::string()}) {
    const CliResult r = run(environment, "devices");
    EXPECT_EQ(r.code, 0) << environment << ": " << r.err;
    EXPECT_NE(r.out.find("cpu"), std::string::npos) << r.out;
  }
  const CliResult missing = run(NO_MODULE, "devices");
  EXPECT_NE(missing.out.find("cuda: none (the CUDA module /nonexistent/libnsb_cuda.so is missing)"), std::string::npos)
      << missing.out;
}

}  // namespace
