#pragma once
// Invariant checks. NSB_CHECK(cond) << "what" aborts with file, line and message when a broken
// invariant is found (a bug, not bad input: bad input returns a Result error instead).
#include <sstream>
#include <string>

namespace nsb::core {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    mStream << value;
    return *this;
  }

 private:
  std::ostringstream mStream;
};

}  // namespace nsb::core

#define NSB_CHECK(cond) \
  if (cond) {           \
  } else                \
    ::nsb::core::CheckFailure(__FILE__, __LINE__, #cond)
