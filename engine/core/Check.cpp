#include "core/Check.h"

#include <cstdio>
#include <cstdlib>

namespace nsb::core {

CheckFailure::CheckFailure(const char* file, int line, const char* condition) {
  mStream << file << ":" << line << ": check failed: " << condition << ": ";
}

CheckFailure::~CheckFailure() {
  std::fprintf(stderr, "%s\n", mStream.str().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace nsb::core
