#pragma once
// Result<T>: a value or an error message a user can act on (a bad file, a missing device).
// Errors carry a kind so that the command line can map bad input to exit 2 and runtime failures to 1.
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "core/Check.h"

namespace nsb::core {

enum class ErrorKind { BadInput, Runtime };

struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::BadInput;
};

inline Error badInput(std::string message) { return {std::move(message), ErrorKind::BadInput}; }
inline Error runtimeError(std::string message) { return {std::move(message), ErrorKind::Runtime}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : mData(std::move(value)) {}
  Result(Error error) : mData(std::move(error)) {}

  bool ok() const { return mData.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    NSB_CHECK(ok()) << "value() of a failed Result: " << std::get<1>(mData).message;
    return std::get<0>(mData);
  }
  const T& value() const& {
    NSB_CHECK(ok()) << "value() of a failed Result: " << std::get<1>(mData).message;
    return std::get<0>(mData);
  }
  T&& value() && {
    NSB_CHECK(ok()) << "value() of a failed Result: " << std::get<1>(mData).message;
    return std::get<0>(std::move(mData));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    NSB_CHECK(!ok()) << "error() of a successful Result";
    return std::get<1>(mData);
  }
  const std::string& message() const { return error().message; }

 private:
  std::variant<T, Error> mData;
};

// Result<void>
struct Ok {};
using Status = Result<Ok>;

}  // namespace nsb::core

// Returns the error of `expr` (a Result) from the enclosing function, which returns a Result too.
#define NSB_TRY(expr)                                      \
  do {                                                     \
    auto&& nsbTryResult_ = (expr);                         \
    if (!nsbTryResult_.ok()) return nsbTryResult_.error(); \
  } while (false)
