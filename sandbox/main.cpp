// neural-sandbox: the command line. Without a subcommand it opens the editor on the default preset
// (spiral); with no display that prints one line pointing to `gui --headless` and exits 1.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "Commands.h"
#include "core/Log.h"

extern "C" char* openblas_get_corename(void);

namespace {

// OpenBLAS 0.3.21 (Debian 12) does not recognise some recent CPUs and falls back to its generic
// Prescott kernels, three times slower than its AVX-512 ones. It reads OPENBLAS_CORETYPE only when it
// loads, before main, so when it fell back on a CPU with AVX-512 or AVX2 we name the kernel family and
// start again. A value the user set is left alone.
void chooseOpenBlasKernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  if (std::strcmp(openblas_get_corename(), "Prescott") != 0) return;
  const char* core = nullptr;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq")) {
    core = "SkylakeX";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    core = "Haswell";
  }
  if (core == nullptr) return;
  ::setenv("OPENBLAS_CORETYPE", core, 1);
  ::execv("/proc/self/exe", argv);  // returns only on failure: then go on with the generic kernels
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
namespace {
// Sanitizer builds: lavapipe stays loaded for the whole process (as tests/KeepVulkanDriverLoaded.cpp does
// for the test programs): unloaded with its last Vulkan instance, LeakSanitizer reported the blocks its
// globals held (2 x 128 bytes on AMD EPYC, `bench` through the CLI tests) from "<unknown module>".
[[maybe_unused]] void* const lavapipe = dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
}  // namespace
#endif

int main(int argc, char** argv) {
  chooseOpenBlasKernels(argv);
  CLI::App app{"Neural Sandbox: watch a neural network train, compare backends, explore gradient descent."};
  app.set_version_flag("--version", "neural-sandbox 0.1.0");
  app.require_subcommand(0, 1);
  auto train = nsb::sandbox::addTrainCommand(app);
  auto eval = nsb::sandbox::addEvalCommand(app);
  auto bench = nsb::sandbox::addBenchCommand(app);
  auto datasets = nsb::sandbox::addDatasetsCommand(app);
  auto devices = nsb::sandbox::addDevicesCommand(app);
  auto descend = nsb::sandbox::addDescendCommand(app);
  auto landscape = nsb::sandbox::addLandscapeCommand(app);
  auto lessons = nsb::sandbox::addLessonsCommand(app);
  auto serve = nsb::sandbox::addServeCommand(app);
  auto remote = nsb::sandbox::addRemoteCommand(app);
  auto gui = nsb::sandbox::addGuiCommand(app, true);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "neural-sandbox: %s\n", e.what());
    return 2;
  }
  try {
    if (app.got_subcommand("eval")) return eval();
    if (app.got_subcommand("bench")) return bench();
    if (app.got_subcommand("datasets")) return datasets();
    if (app.got_subcommand("devices")) return devices();
    if (app.got_subcommand("descend")) return descend();
    if (app.got_subcommand("landscape")) return landscape();
    if (app.got_subcommand("lessons")) return lessons();
    if (app.got_subcommand("train")) return train();
    if (app.got_subcommand("serve")) return serve();
    if (app.got_subcommand("remote")) return remote();
    return gui();  // `gui`, or no subcommand: the editor on the default preset
  } catch (const std::exception& e) {
    std::fprintf(stderr, "neural-sandbox: %s\n", e.what());
    return 1;
  }
}
