// `neural-sandbox lessons`: the shipped lessons (engine/lesson) with their titles and page counts, and how
// to open one.
#include <cstdio>

#include "Commands.h"
#include "lesson/Lesson.h"

namespace nsb::sandbox {

Action addLessonsCommand(CLI::App& app) {
  app.add_subcommand("lessons", "List the shipped lessons: name, title and pages");
  return []() -> int {
    std::printf("%-16s %-44s %s\n", "NAME", "TITLE", "PAGES");
    for (const auto& name : lesson::lessonNames()) {
      auto loaded = lesson::Lesson::load(name);
      if (!loaded) return fail(loaded.error());
      std::printf("%-16s %-44s %zu\n", name.c_str(), loaded->title.c_str(), loaded->pages.size());
    }
    std::printf("Open one with `neural-sandbox gui --lesson NAME` (or a lesson file's path); F11: presenter mode.\n");
    return 0;
  };
}

}  // namespace nsb::sandbox
