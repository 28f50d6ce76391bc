// Safetensors checkpoints: the header is built from the ModelSpec's flat layout (parameters, then m,
// then v, each one contiguous block), so the data region is written straight from the vectors.
// Loading validates the whole header against the model in the metadata before copying any data.
#include "nn/Checkpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <system_error>

#include "core/Format.h"

namespace nsb::nn {

using nlohmann::json;

// The data region is raw little-endian F32 copied with memcpy; a big-endian host would need swaps.
static_assert(std::endian::native == std::endian::little, "checkpoints assume a little-endian host");

namespace {

constexpr int MAX_JSON_DEPTH = 64;  // deeper JSON is hostile: nlohmann's dump and compare recurse

enum class Block { Parameters, State1, State2 };

struct TensorSlot {
  std::string name;
  std::vector<std::size_t> shape;
  Block block = Block::Parameters;
  std::size_t offset = 0;  // in elements, within its block's flat layout
  std::size_t count = 0;
};

// Every tensor of a model in file order: each block in the flat layout order of ModelSpec.
std::vector<TensorSlot> tensorSlots(const ModelSpec& spec, bool hasState1, bool hasState2) {
  std::vector<TensorSlot> slots;
  auto addBlock = [&](Block block, const std::string& prefix, const std::string& suffix) {
    for (std::size_t l = 0; l < spec.layerCount(); ++l) {
      const std::size_t out = spec.layerOutputs(l), in = spec.layerInputs(l);
      slots.push_back({prefix + "layers." + std::to_string(l) + ".weight" + suffix,
                       {out, in},
                       block,
                       spec.weightOffset(l),
                       out * in});
    }
    for (std::size_t l = 0; l < spec.layerCount(); ++l) {
      const std::size_t out = spec.layerOutputs(l);
      slots.push_back(
          {prefix + "layers." + std::to_string(l) + ".bias" + suffix, {out}, block, spec.biasOffset(l), out});
    }
  };
  addBlock(Block::Parameters, "", "");
  if (hasState1) addBlock(Block::State1, "optimizer.", ".m");
  if (hasState2) addBlock(Block::State2, "optimizer.", ".v");
  return slots;
}

std::string errnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// A name from a hostile file, made safe for a one-line message.
std::string printable(std::string_view text) {
  constexpr std::size_t MAX_SHOWN = 80;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < MAX_SHOWN; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (text.size() > MAX_SHOWN) out += "...";
  return out + "'";
}

bool nestingWithin(std::string_view text, int maxDepth) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (const char c : text) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (++depth > maxDepth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

// Parses without exceptions; false on invalid or too deeply nested JSON.
bool parseJson(std::string_view text, json& out) {
  if (!nestingWithin(text, MAX_JSON_DEPTH)) return false;
  out = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  return !out.is_discarded();
}

std::string dumpSafe(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// a * b without wrapping; false on overflow.
bool multiplyChecked(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > UINT64_MAX / a) return false;
  out = a * b;
  return true;
}

// Floats through their shortest decimal (0.1, not 0.10000000149011612); they read back to the same floats.
json floatsToJson(const std::vector<float>& values) {
  json out = json::array();
  for (float v : values) out.push_back(core::decimalValue(v));
  return out;
}

json normalisationToJson(const data::Normalisation& n) {
  return {{"scale", core::decimalValue(n.scale)}, {"mean", floatsToJson(n.mean)}, {"stddev", floatsToJson(n.stddev)}};
}

core::Status checkSizes(const std::string& name, const Checkpoint& c) {
  NSB_TRY(c.spec.validate());
  const std::size_t count = c.spec.parameterCount();
  auto check = [&](const std::vector<float>& values, const char* what, bool mayBeEmpty) -> core::Status {
    if ((mayBeEmpty && values.empty()) || values.size() == count) return core::Ok{};
    return core::badInput(name + ": " + what + " has " + std::to_string(values.size()) + " values but the model has " +
                          std::to_string(count) + " parameters");
  };
  NSB_TRY(check(c.parameters, "parameters", false));
  NSB_TRY(check(c.state1, "optimizer state m", true));
  NSB_TRY(check(c.state2, "optimizer state v", true));
  if (!c.hyperparams.is_object() && !c.hyperparams.is_null()) {
    return core::badInput(name + ": hyperparams must be a JSON object");
  }
  if (!c.extra.is_object()) return core::badInput(name + ": extra must be a JSON object");
  return core::Ok{};
}

// The JSON header padded with spaces to a multiple of 8, so that the data starts 8-byte aligned.
std::string buildHeader(const Checkpoint& c) {
  json header = json::object();
  std::uint64_t byteOffset = 0;
  for (const auto& slot : tensorSlots(c.spec, !c.state1.empty(), !c.state2.empty())) {
    const std::uint64_t bytes = slot.count * sizeof(float);
    header[slot.name] = {{"dtype", "F32"}, {"shape", slot.shape}, {"data_offsets", {byteOffset, byteOffset + bytes}}};
    byteOffset += bytes;
  }
  const json hyper = c.hyperparams.is_null() ? json::object() : c.hyperparams;
  header["__metadata__"] = {
      {"format", dumpSafe(json(CHECKPOINT_FORMAT))},
      {"model", dumpSafe(c.spec.toJson())},
      {"hyperparams", dumpSafe(hyper)},
      {"normalisation", dumpSafe(normalisationToJson(c.normalisation))},
      {"step", dumpSafe(json(c.step))},
      {"seed", dumpSafe(json(c.seed))},
      {"optimizer", dumpSafe(json(std::string(compute::optimizerName(c.optimizer))))},
      {"extra", dumpSafe(c.extra)},
  };
  std::string text = dumpSafe(header);
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

void appendU64(std::vector<std::uint8_t>& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

struct FileCloser {
  void operator()(std::FILE* file) const {
    if (file) std::fclose(file);
  }
};

core::Status writeAll(std::FILE* file, const void* data, std::size_t bytes) {
  if (bytes == 0 || std::fwrite(data, 1, bytes, file) == bytes) return core::Ok{};
  return core::runtimeError(errnoText(errno));
}

// Test hook, NSB_TEST_CHECKPOINT_KILL_AFTER=N (read once): the process SIGKILLs itself once N bytes of a
// checkpoint are in its temporary file (N = the file's size: written whole, not yet renamed), so that a
// test can show that a write killed at any byte leaves the previous file whole.
std::optional<std::uint64_t> killAfterBytes() {
  static const std::optional<std::uint64_t> bytes = []() -> std::optional<std::uint64_t> {
    const char* value = std::getenv("NSB_TEST_CHECKPOINT_KILL_AFTER");
    if (value == nullptr || *value == '\0') return std::nullopt;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(value, &end, 10);
    if (*end != '\0') return std::nullopt;
    return static_cast<std::uint64_t>(n);
  }();
  return bytes;
}

// Writes `bytes` at offset `written` of the file; with the kill hook set, dies at its byte.
core::Status writeChecked(std::FILE* file, const void* data, std::size_t bytes, std::uint64_t& written) {
  const auto killAt = killAfterBytes();
  if (killAt && *killAt >= written && *killAt - written <= bytes) {
    const std::size_t part = static_cast<std::size_t>(*killAt - written);
    if (part > 0 && std::fwrite(data, 1, part, file) != part) return core::runtimeError(errnoText(errno));
    std::fflush(file);
    ::raise(SIGKILL);
  }
  NSB_TRY(writeAll(file, data, bytes));
  written += bytes;
  return core::Ok{};
}

// Removes PATH.tmp-<pid> files of processes that no longer run (killed during a write); another
// process's write in progress is left alone.
void removeStaleTemporaries(const std::string& path) {
  const std::filesystem::path target(path);
  const std::filesystem::path folder = target.parent_path().empty() ? "." : target.parent_path();
  const std::string prefix = target.filename().string() + ".tmp-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t owner = static_cast<pid_t>(std::stol(pid));
    if (owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove(entry.path(), ec);
  }
}

// Syncs the folder so that the rename itself survives a crash. Some filesystems cannot sync a
// folder (EINVAL); the rename is still atomic there.
core::Status syncFolder(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return core::runtimeError(path + ": cannot open its folder to sync it: " + errnoText(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != ENOTSUP) {
    return core::runtimeError(path + ": cannot sync its folder: " + errnoText(err));
  }
  return core::Ok{};
}

// --- loading ---

struct TensorEntry {
  std::string name;
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0, end = 0;
};

core::Result<json> metadataValue(const std::string& file, const json& metadata, const char* key, bool required) {
  if (!metadata.contains(key)) {
    if (required) return core::badInput(file + ": metadata has no '" + key + "'");
    return json();
  }
  const json& raw = metadata[key];
  if (!raw.is_string()) return core::badInput(file + ": metadata '" + key + "' is not a string");
  json value;
  if (!parseJson(raw.get_ref<const std::string&>(), value)) {
    return core::badInput(file + ": metadata '" + key + "' is not valid JSON");
  }
  return value;
}

core::Status parseFloats(const std::string& file, const json& array, const char* key, std::vector<float>& out) {
  if (!array.is_array()) return core::badInput(file + ": normalisation '" + key + "' must be an array of numbers");
  out.clear();
  out.reserve(array.size());
  for (const auto& v : array) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      return core::badInput(file + ": normalisation '" + key + "' must hold finite numbers");
    }
    out.push_back(static_cast<float>(v.get<double>()));
  }
  return core::Ok{};
}

core::Status parseNormalisation(const std::string& file, const json& j, data::Normalisation& out) {
  if (!j.is_object()) return core::badInput(file + ": normalisation must be an object");
  if (!j.contains("scale") || !j["scale"].is_number() || !std::isfinite(j["scale"].get<double>())) {
    return core::badInput(file + ": normalisation needs a finite number 'scale'");
  }
  out.scale = static_cast<float>(j["scale"].get<double>());
  if (j.contains("mean")) NSB_TRY(parseFloats(file, j["mean"], "mean", out.mean));
  if (j.contains("stddev")) NSB_TRY(parseFloats(file, j["stddev"], "stddev", out.stddev));
  if (out.mean.size() != out.stddev.size()) {
    return core::badInput(file + ": normalisation has " + std::to_string(out.mean.size()) + " means but " +
                          std::to_string(out.stddev.size()) + " standard deviations");
  }
  return core::Ok{};
}

core::Status parseMetadata(const std::string& file, const json& metadata, Checkpoint& out) {
  if (!metadata.is_object()) return core::badInput(file + ": '__metadata__' must be an object");
  core::Result<json> format = metadataValue(file, metadata, "format", true);
  NSB_TRY(format);
  if (!format->is_string() || format->get_ref<const std::string&>() != CHECKPOINT_FORMAT) {
    return core::badInput(file + ": not a neural-sandbox checkpoint (format is not \"" + CHECKPOINT_FORMAT + "\")");
  }
  core::Result<json> model = metadataValue(file, metadata, "model", true);
  NSB_TRY(model);
  core::Result<ModelSpec> spec = ModelSpec::fromJson(*model);
  if (!spec) return core::badInput(file + ": " + spec.message());
  out.spec = *spec;

  core::Result<json> hyper = metadataValue(file, metadata, "hyperparams", true);
  NSB_TRY(hyper);
  if (!hyper->is_object()) return core::badInput(file + ": metadata 'hyperparams' must be a JSON object");
  out.hyperparams = *hyper;

  core::Result<json> normalisation = metadataValue(file, metadata, "normalisation", true);
  NSB_TRY(normalisation);
  NSB_TRY(parseNormalisation(file, *normalisation, out.normalisation));

  for (const char* key : {"step", "seed"}) {
    core::Result<json> value = metadataValue(file, metadata, key, true);
    NSB_TRY(value);
    if (!value->is_number_unsigned())
      return core::badInput(file + ": metadata '" + key + "' must be a non-negative integer");
    (std::strcmp(key, "step") == 0 ? out.step : out.seed) = value->get<std::uint64_t>();
  }

  core::Result<json> optimizer = metadataValue(file, metadata, "optimizer", true);
  NSB_TRY(optimizer);
  if (!optimizer->is_string() || !compute::parseOptimizer(optimizer->get_ref<const std::string&>(), out.optimizer)) {
    return core::badInput(file + ": metadata 'optimizer' is not a known optimizer name");
  }

  core::Result<json> extra = metadataValue(file, metadata, "extra", false);
  NSB_TRY(extra);
  if (extra->is_null()) {
    out.extra = json::object();
  } else if (extra->is_object()) {
    out.extra = *extra;
  } else {
    return core::badInput(file + ": metadata 'extra' must be a JSON object");
  }
  return core::Ok{};
}

core::Result<TensorEntry> parseTensorEntry(const std::string& file, const std::string& name, const json& j,
                                           std::uint64_t dataBytes) {
  const std::string what = file + ": tensor " + printable(name);
  if (!j.is_object()) return core::badInput(what + " is not an object");
  if (!j.contains("dtype") || !j["dtype"].is_string()) return core::badInput(what + " has no dtype");
  if (j["dtype"].get_ref<const std::string&>() != "F32") {
    return core::badInput(what + " has dtype " + printable(j["dtype"].get_ref<const std::string&>()) +
                          ", expected F32");
  }
  TensorEntry entry{name, {}, 0, 0};
  if (!j.contains("shape") || !j["shape"].is_array()) return core::badInput(what + " has no shape array");
  std::uint64_t elements = 1;
  for (const auto& d : j["shape"]) {
    if (!d.is_number_unsigned()) return core::badInput(what + " has a shape that is not non-negative integers");
    entry.shape.push_back(d.get<std::uint64_t>());
    if (!multiplyChecked(elements, entry.shape.back(), elements))
      return core::badInput(what + " has a shape too large");
  }
  std::uint64_t bytes = 0;
  if (!multiplyChecked(elements, sizeof(float), bytes)) return core::badInput(what + " has a shape too large");
  const json* offsets = j.contains("data_offsets") ? &j["data_offsets"] : nullptr;
  if (!offsets || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned()) {
    return core::badInput(what + " needs data_offsets [begin, end] as non-negative integers");
  }
  entry.begin = (*offsets)[0].get<std::uint64_t>();
  entry.end = (*offsets)[1].get<std::uint64_t>();
  if (entry.begin > entry.end || entry.end > dataBytes) {
    return core::badInput(what + " has data_offsets [" + std::to_string(entry.begin) + ", " +
                          std::to_string(entry.end) + "] outside the data region of " + std::to_string(dataBytes) +
                          " bytes");
  }
  if (entry.end - entry.begin != bytes) {
    return core::badInput(what + " spans " + std::to_string(entry.end - entry.begin) + " bytes but its shape needs " +
                          std::to_string(bytes));
  }
  return entry;
}

core::Result<Checkpoint> parseUnchecked(std::span<const std::uint8_t> bytes, const std::string& file) {
  if (bytes.size() < 8) {
    return core::badInput(file + ": " + std::to_string(bytes.size()) + " bytes is too short for a safetensors file");
  }
  std::uint64_t headerBytes = 0;
  for (int i = 7; i >= 0; --i) headerBytes = (headerBytes << 8) | bytes[static_cast<std::size_t>(i)];
  const std::uint64_t afterLength = bytes.size() - 8;
  if (headerBytes > afterLength) {
    return core::badInput(file + ": header length " + std::to_string(headerBytes) + " is larger than the " +
                          std::to_string(afterLength) + " bytes that follow it (truncated file?)");
  }
  if (headerBytes > CHECKPOINT_MAX_HEADER) {
    return core::badInput(file + ": header length " + std::to_string(headerBytes) + " exceeds the 100 MB limit");
  }
  const auto* headerStart = reinterpret_cast<const char*>(bytes.data() + 8);
  json header;
  if (!parseJson(std::string_view(headerStart, static_cast<std::size_t>(headerBytes)), header)) {
    return core::badInput(file + ": the header is not valid JSON");
  }
  if (!header.is_object()) return core::badInput(file + ": the header is not a JSON object");
  if (!header.contains("__metadata__")) return core::badInput(file + ": the header has no __metadata__");

  const std::uint64_t dataBytes = afterLength - headerBytes;
  const std::uint8_t* data = bytes.data() + 8 + headerBytes;
  std::map<std::string, TensorEntry> entries;
  std::vector<const TensorEntry*> byOffset;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") continue;
    core::Result<TensorEntry> entry = parseTensorEntry(file, name, value, dataBytes);
    NSB_TRY(entry);
    entries.emplace(name, std::move(*entry));
  }
  for (const auto& [name, entry] : entries) byOffset.push_back(&entry);
  std::sort(byOffset.begin(), byOffset.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  // Like the reference reader: tensors tile the data region in order, no overlap, no hole.
  std::uint64_t cursor = 0;
  for (const TensorEntry* entry : byOffset) {
    if (entry->begin < cursor) {
      return core::badInput(file + ": tensor " + printable(entry->name) + " overlaps the tensor before it");
    }
    if (entry->begin > cursor) {
      return core::badInput(file + ": a gap in the data before tensor " + printable(entry->name));
    }
    cursor = entry->end;
  }
  if (cursor != dataBytes) {
    return core::badInput(file + ": " + std::to_string(dataBytes - cursor) + " bytes after the last tensor");
  }

  Checkpoint checkpoint;
  NSB_TRY(parseMetadata(file, header["__metadata__"], checkpoint));

  const bool hasState1 = entries.contains("optimizer.layers.0.weight.m");
  const bool hasState2 = entries.contains("optimizer.layers.0.weight.v");
  const std::vector<TensorSlot> slots = tensorSlots(checkpoint.spec, hasState1, hasState2);
  for (const auto& slot : slots) {
    const auto found = entries.find(slot.name);
    if (found == entries.end()) return core::badInput(file + ": missing tensor " + slot.name);
    const std::vector<std::uint64_t> expected(slot.shape.begin(), slot.shape.end());
    if (found->second.shape != expected) {
      std::string shape;
      for (std::size_t d : slot.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
      return core::badInput(file + ": tensor " + slot.name + " does not have the shape [" + shape +
                            "] of the model in the metadata");
    }
  }
  if (entries.size() != slots.size()) {
    std::set<std::string> expectedNames;
    for (const auto& slot : slots) expectedNames.insert(slot.name);
    for (const auto& entry : entries) {
      if (!expectedNames.contains(entry.first))
        return core::badInput(file + ": unexpected tensor " + printable(entry.first));
    }
  }

  // Every size is now checked against the file, so these allocations are bounded by its length.
  const std::size_t count = checkpoint.spec.parameterCount();
  checkpoint.parameters.resize(count);
  if (hasState1) checkpoint.state1.resize(count);
  if (hasState2) checkpoint.state2.resize(count);
  for (const auto& slot : slots) {
    std::vector<float>& block = slot.block == Block::Parameters ? checkpoint.parameters
                                : slot.block == Block::State1   ? checkpoint.state1
                                                                : checkpoint.state2;
    const TensorEntry& entry = entries.at(slot.name);
    std::memcpy(block.data() + slot.offset, data + entry.begin, slot.count * sizeof(float));
  }
  return checkpoint;
}

}  // namespace

core::Result<std::vector<std::uint8_t>> serializeCheckpoint(const Checkpoint& checkpoint) {
  NSB_TRY(checkSizes("checkpoint", checkpoint));
  const std::string header = buildHeader(checkpoint);
  std::vector<std::uint8_t> out;
  appendU64(out, header.size());
  out.insert(out.end(), header.begin(), header.end());
  for (const auto* block : {&checkpoint.parameters, &checkpoint.state1, &checkpoint.state2}) {
    const auto* raw = reinterpret_cast<const std::uint8_t*>(block->data());
    out.insert(out.end(), raw, raw + block->size() * sizeof(float));
  }
  return out;
}

core::Status saveCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  NSB_TRY(checkSizes(path, checkpoint));
  const std::string header = buildHeader(checkpoint);
  std::vector<std::uint8_t> length;
  appendU64(length, header.size());

  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(temp.c_str(), "wb"));
  if (!file) return core::runtimeError(path + ": cannot create " + temp + ": " + errnoText(errno));
  auto fail = [&](const std::string& what) -> core::Status {
    file.reset();
    std::remove(temp.c_str());
    return core::runtimeError(path + ": " + what);
  };
  std::uint64_t written = 0;
  for (const auto& [data, bytes] : {std::pair<const void*, std::size_t>{length.data(), length.size()},
                                    {header.data(), header.size()},
                                    {checkpoint.parameters.data(), checkpoint.parameters.size() * sizeof(float)},
                                    {checkpoint.state1.data(), checkpoint.state1.size() * sizeof(float)},
                                    {checkpoint.state2.data(), checkpoint.state2.size() * sizeof(float)}}) {
    core::Status wrote = writeChecked(file.get(), data, bytes, written);
    if (!wrote) return fail("write failed: " + wrote.message());
  }
  if (std::fflush(file.get()) != 0) return fail("write failed: " + errnoText(errno));
  if (::fsync(::fileno(file.get())) != 0) return fail("sync failed: " + errnoText(errno));
  const int closed = std::fclose(file.release());
  if (closed != 0) return fail("close failed: " + errnoText(errno));
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    return fail("cannot rename " + temp + " over it: " + errnoText(errno));
  removeStaleTemporaries(path);
  return syncFolder(path);
}

core::Result<Checkpoint> loadCheckpoint(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return core::badInput(path + ": cannot open: " + errnoText(errno));
  std::vector<std::uint8_t> bytes;
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(chunk, 1, sizeof(chunk), file.get());
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (got < sizeof(chunk)) break;
  }
  if (std::ferror(file.get())) return core::badInput(path + ": cannot read: " + errnoText(errno));
  return parseCheckpoint(bytes, path);
}

core::Result<Checkpoint> parseCheckpoint(std::span<const std::uint8_t> bytes, const std::string& nameForErrors) {
  // Every check above returns an error; this only guards against an allocation failing or a
  // library exception that a hostile file might still reach.
  try {
    return parseUnchecked(bytes, nameForErrors);
  } catch (const std::exception& e) {
    return core::badInput(nameForErrors + ": cannot be read (" + e.what() + ")");
  }
}

}  // namespace nsb::nn
