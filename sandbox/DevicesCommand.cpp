// `neural-sandbox devices`: the devices each compiled-in backend can train on.
#include <cstdio>

#include "Commands.h"
#include "compute/Registry.h"

namespace nsb::sandbox {

Action addDevicesCommand(CLI::App& app) {
  app.add_subcommand("devices", "List the devices each backend can train on");
  return []() -> int {
    for (const auto& d : compute::listDevices()) {
      std::printf("%s %d: %s%s\n", d.backend.c_str(), d.index, d.name.c_str(), d.autoPick ? "  [auto]" : "");
      for (const auto& [key, value] : d.properties) std::printf("    %-22s %s\n", key.c_str(), value.c_str());
    }
    if (const auto cuda = compute::cudaAvailability(); !cuda.ok())
      std::printf("cuda: none (%s)\n", cuda.message().c_str());
    return 0;
  };
}

}  // namespace nsb::sandbox
