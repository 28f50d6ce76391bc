#pragma once
// Bytes: the little-endian writer and the checked reader under remote/Wire.h's binary formats. The
// reader never reads past its end and never allocates more elements than the bytes left could hold;
// its first failure is kept as one line naming the field ("snapshot.history[3].test.loss: truncated").
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nsb::remote {

static_assert(std::endian::native == std::endian::little, "the wire formats are written as the host's bytes");

class ByteWriter {
 public:
  template <typename T>
  requires std::is_arithmetic_v<T>
  void value(T v) {
    if constexpr (std::is_same_v<T, bool>) {
      mBytes.push_back(v ? 1 : 0);
    } else {
      char raw[sizeof(T)];
      std::memcpy(raw, &v, sizeof(T));
      mBytes.append(raw, sizeof(T));
    }
  }
  void count(std::size_t n) { value<std::uint64_t>(n); }
  void string(std::string_view s) {
    count(s.size());
    mBytes.append(s);
  }
  template <typename T>
  requires std::is_arithmetic_v<T> &&(!std::is_same_v<T, bool>)void array(const std::vector<T>& v) {
    count(v.size());
    if (!v.empty()) mBytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  template <typename T>
  void optional(const std::optional<T>& v) {
    value(v.has_value());
    if (v) value(*v);
  }
  std::string take() { return std::move(mBytes); }

 private:
  std::string mBytes;
};

// A field's name for an error: its path ("snapshot.history") and, apart so that a decoder builds no
// string unless it fails, its own name ("step").
struct Field {
  std::string_view path, name;
  Field(const char* p) : path(p) {}
  Field(std::string_view p, std::string_view n = {}) : path(p), name(n) {}
  std::string str() const { return name.empty() ? std::string(path) : std::string(path) + "." + std::string(name); }
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : mBytes(bytes) {}

  bool ok() const { return mError.empty(); }
  const std::string& error() const { return mError; }
  std::size_t left() const { return mBytes.size() - mAt; }
  // Keeps the first failure only: what follows a bad field reads nothing.
  bool fail(Field field, const std::string& what) {
    if (mError.empty()) mError = field.str() + ": " + what;
    mAt = mBytes.size();
    return false;
  }

  template <typename T>
  requires std::is_arithmetic_v<T>
  bool value(T& out, Field field) {
    if (!ok()) return false;
    if (left() < sizeof(T)) return fail(field, "truncated");
    if constexpr (std::is_same_v<T, bool>) {
      const auto byte = static_cast<unsigned char>(mBytes[mAt]);
      if (byte > 1) return fail(field, "not a boolean (" + std::to_string(byte) + ")");
      out = byte == 1;
    } else {
      std::memcpy(&out, mBytes.data() + mAt, sizeof(T));
    }
    mAt += sizeof(T);
    return true;
  }
  // An enum stored as its underlying integer: at most `last`.
  template <typename E>
  requires std::is_enum_v<E>
  bool enumeration(E& out, E last, Field field) {
    std::uint8_t raw = 0;
    if (!value(raw, field)) return false;
    if (raw > static_cast<std::uint8_t>(last)) return fail(field, "unknown value " + std::to_string(raw));
    out = static_cast<E>(raw);
    return true;
  }
  // A count of elements that take at least `minBytes` each: never more than the bytes left could hold.
  bool count(std::size_t& out, std::size_t minBytes, Field field) {
    std::uint64_t n = 0;
    if (!value(n, field)) return false;
    if (minBytes > 0 && n > left() / minBytes) {
      return fail(field, std::to_string(n) + " elements, more than the " + std::to_string(left()) + " bytes left hold");
    }
    out = static_cast<std::size_t>(n);
    return true;
  }
  bool string(std::string& out, Field field) {
    std::size_t n = 0;
    if (!count(n, 1, field)) return false;
    out.assign(mBytes.substr(mAt, n));
    mAt += n;
    return true;
  }
  template <typename T>
  requires std::is_arithmetic_v<T> &&(!std::is_same_v<T, bool>)bool array(std::vector<T>& out, Field field) {
    std::size_t n = 0;
    if (!count(n, sizeof(T), field)) return false;
    out.resize(n);
    if (n > 0) std::memcpy(out.data(), mBytes.data() + mAt, n * sizeof(T));
    mAt += n * sizeof(T);
    return true;
  }
  template <typename T>
  bool optional(std::optional<T>& out, Field field) {
    bool present = false;
    if (!value(present, field)) return false;
    out.reset();
    if (!present) return true;
    T v{};
    if (!value(v, field)) return false;
    out = v;
    return true;
  }
  // Whether a value follows (an optional or a shared_ptr that is set).
  bool present(Field field) {
    bool set = false;
    return value(set, field) && set;
  }
  bool end(Field what) {
    if (ok() && left() != 0) return fail(what, std::to_string(left()) + " bytes after the end");
    return ok();
  }

 private:
  std::string_view mBytes;
  std::size_t mAt = 0;
  std::string mError;
};

}  // namespace nsb::remote
