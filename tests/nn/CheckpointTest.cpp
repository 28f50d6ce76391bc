// Tests of safetensors checkpoints: bit-exact round trips, the byte layout as an independent Python
// reader sees it, every kind of malformed file returning an error (never a crash), and the atomic
// write leaving no temp file and no damaged file behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/Rng.h"
#include "nn/Checkpoint.h"

namespace nsb::nn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<float> randomValues(std::size_t n, std::uint64_t seed) {
  core::Rng rng(seed);
  std::vector<float> values(n);
  for (auto& v : values) v = rng.normal(0.0f, 1.0f);
  return values;
}

Checkpoint sampleCheckpoint(bool withState1 = true, bool withState2 = true) {
  Checkpoint c;
  c.spec.inputs = 5;
  c.spec.hidden = {{4, compute::Activation::Tanh}, {3, compute::Activation::Relu}};
  c.spec.outputs = 2;
  c.hyperparams = {{"optimizer", "adamw"}, {"learning_rate", 0.001f}, {"batch_size", 32}};
  c.normalisation.scale = 1.0f / 255.0f;
  c.normalisation.mean = {0.1f, -2.5f, 1e-7f};
  c.normalisation.stddev = {1.5f, 2.5f, 3.0e5f};
  c.step = 12345678901234ull;
  c.seed = UINT64_MAX - 3;  // exercises the full u64 range through JSON
  c.optimizer = compute::OptimizerKind::AdamW;
  const std::size_t n = c.spec.parameterCount();
  c.parameters = randomValues(n, 1);
  c.parameters[0] = -0.0f;  // sign of zero and a denormal must survive too
  c.parameters[1] = 1e-40f;
  if (withState1) c.state1 = randomValues(n, 2);
  if (withState2) c.state2 = randomValues(n, 3);
  c.extra = {{"dataset", "fashion-mnist"}, {"epoch", 3}, {"features", {"x1", "x2"}}};
  return c;
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void expectSame(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.spec, b.spec);
  EXPECT_EQ(a.hyperparams, b.hyperparams);
  EXPECT_TRUE(sameBits({a.normalisation.scale}, {b.normalisation.scale}));
  EXPECT_TRUE(sameBits(a.normalisation.mean, b.normalisation.mean));
  EXPECT_TRUE(sameBits(a.normalisation.stddev, b.normalisation.stddev));
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.optimizer, b.optimizer);
  EXPECT_TRUE(sameBits(a.parameters, b.parameters));
  EXPECT_TRUE(sameBits(a.state1, b.state1));
  EXPECT_TRUE(sameBits(a.state2, b.state2));
  EXPECT_EQ(a.extra, b.extra);
}

std::vector<std::uint8_t> serialized(const Checkpoint& c) {
  auto bytes = serializeCheckpoint(c);
  NSB_CHECK(bytes.ok()) << bytes.message();
  return *bytes;
}

// A file split into its header JSON and data region, and put back together with a correct length.
struct Parts {
  json header;
  std::vector<std::uint8_t> data;
};

Parts split(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  Parts parts;
  parts.header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  parts.data.assign(bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n), bytes.end());
  return parts;
}

std::vector<std::uint8_t> join(const std::string& headerText, const std::vector<std::uint8_t>& data) {
  const std::uint64_t n = headerText.size();
  std::vector<std::uint8_t> out(8 + headerText.size() + data.size());
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, headerText.data(), headerText.size());
  if (!data.empty()) std::memcpy(out.data() + 8 + headerText.size(), data.data(), data.size());
  return out;
}

std::vector<std::uint8_t> join(const Parts& parts) { return join(parts.header.dump(), parts.data); }

void expectBad(const std::vector<std::uint8_t>& bytes, const std::string& needle) {
  const auto result = parseCheckpoint(bytes, "bad.safetensors");
  ASSERT_FALSE(result.ok()) << "expected an error containing '" << needle << "'";
  EXPECT_EQ(result.error().kind, core::ErrorKind::BadInput);
  EXPECT_EQ(result.message().rfind("bad.safetensors: ", 0), 0u) << result.message();
  EXPECT_NE(result.message().find(needle), std::string::npos) << result.message();
  EXPECT_EQ(result.message().find('\n'), std::string::npos) << result.message();
}

class CheckpointFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    mDir = fs::temp_directory_path() / ("nsb-nn-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(mDir);
    fs::create_directories(mDir);
  }
  void TearDown() override { fs::remove_all(mDir); }

  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(mDir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  static std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path mDir;
};

TEST_F(CheckpointFiles, RoundTripIsBitIdentical) {
  const Checkpoint original = sampleCheckpoint();
  const std::string path = (mDir / "model.safetensors").string();
  const core::Status saved = saveCheckpoint(path, original);
  ASSERT_TRUE(saved.ok()) << saved.message();
  auto loaded = loadCheckpoint(path);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  expectSame(original, *loaded);
  EXPECT_EQ(listing(), std::vector<std::string>{"model.safetensors"});  // no temp file left
}

TEST_F(CheckpointFiles, RoundTripWithoutOrWithPartialOptimizerState) {
  for (auto [s1, s2] : {std::pair{false, false}, std::pair{true, false}}) {
    Checkpoint original = sampleCheckpoint(s1, s2);
    original.optimizer = s1 ? compute::OptimizerKind::Momentum : compute::OptimizerKind::Sgd;
    const std::string path = (mDir / "model.safetensors").string();
    ASSERT_TRUE(saveCheckpoint(path, original).ok());
    auto loaded = loadCheckpoint(path);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    expectSame(original, *loaded);
    const Parts parts = split(serialized(original));
    EXPECT_EQ(parts.header.contains("optimizer.layers.0.weight.m"), s1);
    EXPECT_FALSE(parts.header.contains("optimizer.layers.2.bias.v"));
  }
}

TEST(Checkpoint, ByteLayoutFollowsSafetensors) {
  const Checkpoint c = sampleCheckpoint();
  const auto bytes = serialized(c);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes[8], '{');
  EXPECT_EQ(bytes.size(), 8 + n + 3 * c.spec.parameterCount() * sizeof(float));
  const Parts parts = split(bytes);
  const json& w1 = parts.header["layers.1.weight"];
  EXPECT_EQ(w1["dtype"], "F32");
  EXPECT_EQ(w1["shape"], json({3, 4}));
  // layers.0.weight is [4, 5] = 80 bytes before it.
  EXPECT_EQ(w1["data_offsets"], json({80, 128}));
  EXPECT_EQ(parts.header["__metadata__"]["format"], "\"neural-sandbox/1\"");
  EXPECT_EQ(parts.header["__metadata__"]["optimizer"], "\"adamw\"");
  EXPECT_EQ(json::parse(parts.header["__metadata__"]["model"].get<std::string>()), c.spec.toJson());
  // The parameters block is the flat layout: layers.1.weight's first value is parameter 20.
  float first = 0;
  std::memcpy(&first, parts.data.data() + 80, 4);
  EXPECT_EQ(first, c.parameters[20]);
}

TEST(Checkpoint, IndependentPythonReaderSeesWhatWeWrote) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is not installed";
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "numpy is not installed for /usr/bin/python3";
  }
  const Checkpoint c = sampleCheckpoint();
  const fs::path file = fs::temp_directory_path() / ("nsb-nn-py-" + std::to_string(::getpid()) + ".safetensors");
  ASSERT_TRUE(saveCheckpoint(file.string(), c).ok());
  const std::string command =
      std::string("/usr/bin/python3 ") + NSB_SOURCE_DIR + "/tests/nn/read_safetensors.py " + file.string() + " 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (std::size_t got = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, got);
  const int status = ::pclose(pipe);
  fs::remove(file);
  ASSERT_EQ(status, 0) << output;

  struct Expected {
    std::string shape;
    std::uint64_t bitsum = 0;
    double valuesum = 0;
  };
  std::vector<std::pair<std::string, Expected>> expected;  // in file order
  const ModelSpec& spec = c.spec;
  for (const auto& blockAndSuffix :
       {std::pair{&c.parameters, std::string()}, {&c.state1, std::string(".m")}, {&c.state2, std::string(".v")}}) {
    const std::vector<float>* block = blockAndSuffix.first;  // no structured binding: lambdas capture it
    const std::string& suffix = blockAndSuffix.second;
    const std::string prefix = suffix.empty() ? "" : "optimizer.";
    auto add = [&](const std::string& name, const std::string& shape, std::size_t offset, std::size_t count) {
      Expected e{shape};
      for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, &(*block)[offset + i], 4);
        e.bitsum += (i + 1) * static_cast<std::uint64_t>(bits);  // wraps mod 2^64 like numpy's uint64
        e.valuesum += (*block)[offset + i];
      }
      expected.emplace_back(prefix + name + suffix, e);
    };
    for (std::size_t l = 0; l < spec.layerCount(); ++l) {
      add("layers." + std::to_string(l) + ".weight",
          std::to_string(spec.layerOutputs(l)) + "," + std::to_string(spec.layerInputs(l)), spec.weightOffset(l),
          spec.layerOutputs(l) * spec.layerInputs(l));
    }
    for (std::size_t l = 0; l < spec.layerCount(); ++l) {
      add("layers." + std::to_string(l) + ".bias", std::to_string(spec.layerOutputs(l)), spec.biasOffset(l),
          spec.layerOutputs(l));
    }
  }
  std::istringstream lines(output);
  for (const auto& [name, e] : expected) {
    std::string gotName, shape;
    std::uint64_t bitsum = 0;
    double valuesum = 0;
    ASSERT_TRUE(lines >> gotName >> shape >> bitsum >> valuesum) << output;
    EXPECT_EQ(gotName, name);
    EXPECT_EQ(shape, e.shape) << name;
    EXPECT_EQ(bitsum, e.bitsum) << name;  // exact: every bit of every value, in order
    // Both sums are in double over <= 20 values of magnitude < 10, only the order may differ: 1e-12.
    EXPECT_NEAR(valuesum, e.valuesum, 1e-12) << name;
  }
  std::string key, format;
  ASSERT_TRUE(lines >> key >> format) << output;
  EXPECT_EQ(key, "format");
  EXPECT_EQ(format, CHECKPOINT_FORMAT);
}

TEST(Checkpoint, RejectsShortOrTruncatedFiles) {
  expectBad({}, "too short");
  expectBad({1, 2, 3}, "too short");
  const auto good = serialized(sampleCheckpoint());
  std::vector<std::uint8_t> cut(good.begin(), good.begin() + 40);
  expectBad(cut, "larger than");
  cut.assign(good.begin(), good.end() - 4);
  expectBad(cut, "outside the data region");
  // Every prefix of a valid file is an error, never a crash and never a success.
  for (std::size_t length = 0; length < good.size(); ++length) {
    ASSERT_FALSE(parseCheckpoint(std::span(good.data(), length), "cut").ok()) << length;
  }
}

TEST(Checkpoint, RejectsHeaderLengths) {
  auto bytes = serialized(sampleCheckpoint());
  std::memset(bytes.data(), 0xff, 8);
  expectBad(bytes, "larger than");
  // A header over 100 MB is refused before it is parsed, even when the file is that long.
  std::vector<std::uint8_t> big(8 + CHECKPOINT_MAX_HEADER + 1, ' ');
  const std::uint64_t n = CHECKPOINT_MAX_HEADER + 1;
  std::memcpy(big.data(), &n, 8);
  expectBad(big, "100 MB");
}

TEST(Checkpoint, RejectsHeadersThatAreNotJsonObjects) {
  const Parts parts = split(serialized(sampleCheckpoint()));
  expectBad(join("this is not json", parts.data), "not valid JSON");
  expectBad(join("[1, 2, 3]", parts.data), "not a JSON object");
  expectBad(join(std::string(200000, '[') + std::string(200000, ']'), parts.data), "not valid JSON");
  Parts noMeta = parts;
  noMeta.header.erase("__metadata__");
  expectBad(join(noMeta), "__metadata__");
}

TEST(Checkpoint, RejectsTensorsThatLie) {
  const Parts good = split(serialized(sampleCheckpoint()));

  Parts size = good;  // the shape claims more bytes than the offsets span
  size.header["layers.0.weight"]["shape"] = {4, 6};
  expectBad(join(size), "but its shape needs");

  Parts shape = good;  // same size, wrong shape for the model
  shape.header["layers.0.weight"]["shape"] = {5, 4};
  expectBad(join(shape), "does not have the shape [4, 5]");

  Parts overlap = good;  // starts inside the tensor before it
  overlap.header["layers.1.weight"]["data_offsets"] = {76, 124};
  expectBad(join(overlap), "overlaps");

  Parts outside = good;
  outside.header["layers.0.weight"]["data_offsets"] = {0, 1000000};
  expectBad(join(outside), "outside the data region");

  Parts backwards = good;
  backwards.header["layers.0.weight"]["data_offsets"] = {80, 0};
  expectBad(join(backwards), "outside the data region");

  Parts huge = good;  // product(shape) * 4 overflows u64
  huge.header["layers.0.weight"]["shape"] = {1ull << 62, 1ull << 62};
  expectBad(join(huge), "too large");
  huge.header["layers.0.weight"]["shape"] = {1ull << 62};
  expectBad(join(huge), "too large");

  Parts dtype = good;
  dtype.header["layers.0.bias"]["dtype"] = "F16";
  expectBad(join(dtype), "dtype 'F16'");

  Parts negative = good;
  negative.header["layers.0.bias"]["shape"] = {-4};
  expectBad(join(negative), "shape");

  Parts gap = good;  // a tensor dropped from the header leaves its bytes unclaimed
  gap.header.erase("layers.1.weight");
  expectBad(join(gap), "gap");
}

TEST(Checkpoint, RejectsMissingAndUnexpectedTensors) {
  // Without optimizer state the last tensor in the data is layers.2.bias ([2] = 8 bytes).
  const Parts good = split(serialized(sampleCheckpoint(false, false)));
  Parts missing = good;
  missing.header.erase("layers.2.bias");
  missing.data.resize(missing.data.size() - 8);
  expectBad(join(missing), "missing tensor layers.2.bias");

  Parts extra = good;
  const std::uint64_t end = extra.data.size();
  extra.header["evil\n\x01name"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {end, end + 4}}};
  extra.data.resize(extra.data.size() + 4);
  expectBad(join(extra), "unexpected tensor 'evil??name'");

  // Only part of the optimizer state.
  Parts partial = split(serialized(sampleCheckpoint(true, false)));
  const std::uint64_t lastBegin = partial.header["optimizer.layers.2.bias.m"]["data_offsets"][0];
  partial.header.erase("optimizer.layers.2.bias.m");
  partial.data.resize(lastBegin);
  expectBad(join(partial), "missing tensor optimizer.layers.2.bias.m");
}

TEST(Checkpoint, RejectsBadMetadata) {
  const Parts good = split(serialized(sampleCheckpoint()));
  auto withMeta = [&](const std::string& key, const json& value) {
    Parts p = good;
    if (value.is_null()) {
      p.header["__metadata__"].erase(key);
    } else {
      p.header["__metadata__"][key] = value;
    }
    return join(p);
  };
  expectBad(withMeta("format", "\"safetensors-something\""), "not a neural-sandbox checkpoint");
  expectBad(withMeta("format", nullptr), "no 'format'");
  expectBad(withMeta("model", "{not json"), "'model' is not valid JSON");
  expectBad(
      withMeta("model", R"({"inputs":5,"hidden":[{"width":4},{"width":3}],"outputs":2,"head":"linear","loss":"ce"})"),
      "does not go with");
  expectBad(withMeta("model", R"({"inputs":5,"hidden":[{"width":4},{"width":3}],"outputs":3})"),
            "does not have the shape");
  expectBad(withMeta("step", 5), "'step' is not a string");
  expectBad(withMeta("step", "-1"), "non-negative integer");
  expectBad(withMeta("optimizer", "\"lbfgs\""), "not a known optimizer");
  expectBad(withMeta("normalisation", R"({"scale": 1, "mean": [1, 2], "stddev": [1]})"), "standard deviations");
  expectBad(withMeta("normalisation", R"({"mean": []})"), "'scale'");
  expectBad(withMeta("hyperparams", "[]"), "'hyperparams' must be a JSON object");
  expectBad(withMeta("extra", "3"), "'extra' must be a JSON object");
  // A missing "extra" is allowed: it reads as an empty object.
  auto noExtra = parseCheckpoint(withMeta("extra", nullptr), "x");
  ASSERT_TRUE(noExtra.ok()) << noExtra.message();
  EXPECT_EQ(noExtra->extra, json::object());
}

TEST(Checkpoint, RandomByteFlipsNeverCrash) {
  const auto good = serialized(sampleCheckpoint());
  core::Rng rng(2024);
  std::size_t rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    auto bytes = good;
    for (int k = 0; k < 3; ++k) {
      bytes[rng.below(static_cast<std::uint32_t>(bytes.size()))] = static_cast<std::uint8_t>(rng.nextU32());
    }
    rejected += !parseCheckpoint(bytes, "flip").ok();
  }
  EXPECT_GT(rejected, 0u);  // flips in the header must be caught; flips in the data are legal floats
}

TEST_F(CheckpointFiles, FailedWritesLeaveNothingBehind) {
  const Checkpoint c = sampleCheckpoint();
  // Into a folder that does not exist.
  const std::string missing = (mDir / "no-such-folder" / "model.safetensors").string();
  const core::Status status = saveCheckpoint(missing, c);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().rfind(missing + ": ", 0), 0u) << status.message();
  EXPECT_TRUE(listing().empty());

  // Over an existing folder: the temp file is written, the rename fails, the temp file goes.
  fs::create_directory(mDir / "taken.safetensors");
  std::ofstream(mDir / "taken.safetensors" / "keep") << "keep";
  ASSERT_FALSE(saveCheckpoint((mDir / "taken.safetensors").string(), c).ok());
  EXPECT_EQ(listing(), std::vector<std::string>{"taken.safetensors"});
  EXPECT_EQ(readText(mDir / "taken.safetensors" / "keep"), "keep");

  // An invalid checkpoint leaves an existing file as it was.
  const fs::path existing = mDir / "old.safetensors";
  std::ofstream(existing) << "old contents";
  Checkpoint wrong = c;
  wrong.parameters.pop_back();
  const core::Status rejected = saveCheckpoint(existing.string(), wrong);
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.message().find("parameters"), std::string::npos) << rejected.message();
  EXPECT_EQ(readText(existing), "old contents");
  EXPECT_EQ(listing(), (std::vector<std::string>{"old.safetensors", "taken.safetensors"}));

  // A successful save replaces it whole.
  ASSERT_TRUE(saveCheckpoint(existing.string(), c).ok());
  EXPECT_TRUE(loadCheckpoint(existing.string()).ok());
  EXPECT_EQ(listing(), (std::vector<std::string>{"old.safetensors", "taken.safetensors"}));
}

TEST_F(CheckpointFiles, LoadErrorsNameTheFile) {
  const std::string missing = (mDir / "absent.safetensors").string();
  auto result = loadCheckpoint(missing);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.message().rfind(missing + ": ", 0), 0u) << result.message();
  auto folder = loadCheckpoint(mDir.string());
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.message().rfind(mDir.string() + ": ", 0), 0u) << folder.message();
}

}  // namespace
}  // namespace nsb::nn
