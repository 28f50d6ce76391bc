#pragma once
// Helpers shared by the compute suites: host-side tensors (values kept in double whatever the dtype),
// guarded device tensors (sentinel bytes before and after the range, checked after a run) and NMSE.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "compute/Registry.h"
#include "core/Rng.h"

namespace nsb::compute::test {

struct HostTensor {
  DType dtype = DType::F32;
  std::vector<std::size_t> shape;
  std::vector<double> values;

  std::size_t elements() const {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    return n;
  }
};

inline HostTensor zeros(std::vector<std::size_t> shape, DType dtype = DType::F32) {
  HostTensor t{dtype, std::move(shape), {}};
  t.values.assign(t.elements(), 0.0);
  return t;
}

// Uniform in [lo, hi), rounded to float so that host references see exactly what the backend sees.
inline HostTensor uniform(core::Rng& rng, std::vector<std::size_t> shape, float lo, float hi) {
  HostTensor t = zeros(std::move(shape));
  for (double& v : t.values) v = static_cast<double>(rng.uniform(lo, hi));
  return t;
}

inline HostTensor integers(core::Rng& rng, std::vector<std::size_t> shape, std::uint32_t below, DType dtype) {
  HostTensor t = zeros(std::move(shape), dtype);
  for (double& v : t.values) v = static_cast<double>(rng.below(below));
  return t;
}

inline std::vector<std::byte> encode(const HostTensor& t) {
  std::vector<std::byte> bytes(t.elements() * dtypeSize(t.dtype));
  for (std::size_t i = 0; i < t.values.size(); ++i) {
    if (t.dtype == DType::F32) {
      const auto v = static_cast<float>(t.values[i]);
      std::memcpy(bytes.data() + 4 * i, &v, 4);
    } else if (t.dtype == DType::I32) {
      const auto v = static_cast<std::int32_t>(t.values[i]);
      std::memcpy(bytes.data() + 4 * i, &v, 4);
    } else {
      bytes[i] = static_cast<std::byte>(static_cast<std::uint8_t>(t.values[i]));
    }
  }
  return bytes;
}

inline std::vector<double> decode(DType dtype, const std::vector<std::byte>& bytes) {
  const std::size_t n = bytes.size() / dtypeSize(dtype);
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (dtype == DType::F32) {
      float v;
      std::memcpy(&v, bytes.data() + 4 * i, 4);
      values[i] = static_cast<double>(v);
    } else if (dtype == DType::I32) {
      std::int32_t v;
      std::memcpy(&v, bytes.data() + 4 * i, 4);
      values[i] = static_cast<double>(v);
    } else {
      values[i] = static_cast<double>(static_cast<std::uint8_t>(bytes[i]));
    }
  }
  return values;
}

// A tensor in its own buffer with GUARD elements of sentinel bytes on each side.
class GuardedTensor {
 public:
  static constexpr std::size_t GUARD = 16;
  static constexpr std::byte SENTINEL{0xA5};

  GuardedTensor(Backend& backend, const HostTensor& host) : mBackend(&backend), mHost(host) {
    const std::size_t size = dtypeSize(host.dtype);
    mBuffer = backend.allocate((2 * GUARD + host.elements()) * size);
    mTensor = mBuffer.tensor(host.shape, host.dtype, GUARD);
    std::vector<std::byte> all(mBuffer.bytes(), SENTINEL);
    const auto payload = encode(host);
    std::memcpy(all.data() + GUARD * size, payload.data(), payload.size());
    backend.upload(mBuffer.id(), 0, all);
  }

  const Tensor& tensor() const { return mTensor; }
  // The tensor's bytes as the backend holds them now.
  std::vector<std::byte> bytes() const {
    std::vector<std::byte> out(mTensor.bytes());
    mBackend->download(mBuffer.id(), mTensor.byteOffset(), out);
    return out;
  }
  std::vector<double> values() const { return decode(mHost.dtype, bytes()); }
  // Whether every sentinel byte before and after the tensor is untouched.
  bool guardsIntact() const {
    std::vector<std::byte> all(mBuffer.bytes());
    mBackend->download(mBuffer.id(), 0, all);
    const std::size_t guardBytes = GUARD * dtypeSize(mHost.dtype);
    for (std::size_t i = 0; i < guardBytes; ++i) {
      if (all[i] != SENTINEL || all[all.size() - 1 - i] != SENTINEL) return false;
    }
    return true;
  }

 private:
  Backend* mBackend;
  HostTensor mHost;
  Buffer mBuffer;
  Tensor mTensor;
};

// Normalised mean squared error sum (a - b)^2 / sum b^2 (0 when both are all zero).
inline double nmse(const std::vector<double>& actual, const std::vector<double>& expected) {
  double error = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double d = actual[i] - expected[i];
    error += d * d;
    norm += expected[i] * expected[i];
  }
  if (norm == 0.0) return error;
  return error / norm;
}

inline double maxAbsDiff(const std::vector<double>& actual, const std::vector<double>& expected) {
  double worst = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) worst = std::max(worst, std::fabs(actual[i] - expected[i]));
  return worst;
}

inline bool allFinite(const std::vector<double>& values) {
  for (double v : values) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

// The backends the parameterised suites run on: every available one, and "cuda" always, so that the CUDA
// cases are registered on every machine and skip with the reason where it cannot run (skipUnusable).
inline std::vector<std::string> testedBackends() {
  std::vector<std::string> names = availableBackends();
  if (std::find(names.begin(), names.end(), "cuda") == names.end()) names.push_back("cuda");
  return names;
}

// Skips the test, with the reason, when `name` is "cuda" and no CUDA backend can be made here.
#define NSB_SKIP_UNLESS_USABLE(name)                                                  \
  if ((name) == "cuda") {                                                             \
    if (const auto cudaStatus = ::nsb::compute::cudaAvailability(); !cudaStatus.ok()) \
      GTEST_SKIP() << "no CUDA backend here: " << cudaStatus.message();               \
  }

inline std::unique_ptr<Backend> makeBackend(const std::string& name, BackendOptions options = {}) {
  auto backend = createBackend(name, options);
  if (!backend.ok()) {
    ADD_FAILURE() << name << ": " << backend.message();
    return nullptr;
  }
  return std::move(backend).value();
}

}  // namespace nsb::compute::test
