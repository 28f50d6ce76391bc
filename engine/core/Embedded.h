#pragma once
// Text files compiled into the binary at build time (nsb_embed_text in third_party/cmake): the presets,
// the lessons, the watch page and the PyTorch reference script, so that the executable does not depend on the source
// tree.
#include <string_view>
#include <vector>

namespace nsb::core {

struct EmbeddedFile {
  std::string_view name;  // file name without extension
  std::string_view text;
};

const std::vector<EmbeddedFile>& embeddedPresets();
const std::vector<EmbeddedFile>& embeddedBenchScripts();
const std::vector<EmbeddedFile>& embeddedLessons();
const std::vector<EmbeddedFile>& embeddedWebPages();  // assets/web: the watch page

}  // namespace nsb::core
