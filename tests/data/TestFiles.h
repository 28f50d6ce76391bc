#pragma once
// Scratch files for the data tests: a fresh directory per test, removed afterwards, and writers for raw,
// gzip and IDX files.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace nsb::data::test {

class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    mPath = std::filesystem::temp_directory_path() /
            ("nsb-data-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(mPath);
    std::filesystem::create_directories(mPath);
  }
  ~ScratchDir() {
    std::error_code error;
    std::filesystem::remove_all(mPath, error);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string file(const std::string& name) const { return (mPath / name).string(); }
  std::string path() const { return mPath.string(); }

 private:
  std::filesystem::path mPath;
};

inline void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  // fwrite with the null data() of an empty vector is undefined behaviour, even for 0 bytes.
  if (!bytes.empty()) {
    EXPECT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), file), bytes.size());
  }
  std::fclose(file);
}

inline void writeText(const std::string& path, std::string_view text) {
  writeBytes(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

inline void writeGzip(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  }
  gzclose(file);
}

// An IDX u8 file's bytes: header with big-endian dims, then the payload as given.
inline std::vector<std::uint8_t> idxBytes(const std::vector<std::uint32_t>& dims,
                                          const std::vector<std::uint8_t>& payload, std::uint8_t type = 0x08) {
  std::vector<std::uint8_t> bytes = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

// n images of rows x cols whose pixel values encode (image, position), and labels i % classes.
inline std::vector<std::uint8_t> imagePayload(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  std::vector<std::uint8_t> payload(std::size_t(n) * rows * cols);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>((i * 7 + i / 13) & 0xFF);
  return payload;
}

inline std::vector<std::uint8_t> labelPayload(std::uint32_t n, std::uint32_t classes) {
  std::vector<std::uint8_t> payload(n);
  for (std::uint32_t i = 0; i < n; ++i) payload[i] = static_cast<std::uint8_t>(i % classes);
  return payload;
}

}  // namespace nsb::data::test
