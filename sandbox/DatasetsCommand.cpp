// `neural-sandbox datasets`: every named dataset with its size and source, and how to get a missing one.
#include <cstdio>

#include "Commands.h"
#include "data/DatasetCatalog.h"

namespace nsb::sandbox {

Action addDatasetsCommand(CLI::App& app) {
  app.add_subcommand("datasets", "List the named datasets, their size and source");
  return []() -> int {
    std::printf("%-14s %-16s %-28s %s\n", "NAME", "KIND", "SIZE", "SOURCE");
    for (const auto& d : data::listDatasets()) {
      std::printf("%-14s %-16s %-28s %s\n", d.name.c_str(), d.kind.c_str(), d.size.c_str(), d.source.c_str());
      if (!d.available) std::printf("%-14s missing: %s\n", "", d.howToGet.c_str());
    }
    std::printf("Any IDX images file (labels beside it) or CSV file can be given as a path to --dataset.\n");
    return 0;
  };
}

}  // namespace nsb::sandbox
