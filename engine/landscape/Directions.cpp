// Directions: filter-normalised random directions (Li et al. 2018) and their safetensors file.
#include "landscape/Directions.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/Rng.h"

namespace nsb::landscape {

using nlohmann::json;

static_assert(std::endian::native == std::endian::little, "direction files assume a little-endian host");

namespace {

double squaredNorm(std::span<const float> values) {
  double sum = 0.0;
  for (const float v : values) sum += static_cast<double>(v) * v;
  return sum;
}

// Scales `direction` to the norm of `reference` (zero when either is zero).
void scaleTo(std::span<float> direction, std::span<const float> reference) {
  const double d = std::sqrt(squaredNorm(direction)), w = std::sqrt(squaredNorm(reference));
  const double factor = d > 0.0 ? w / d : 0.0;
  for (float& v : direction) v = static_cast<float>(v * factor);
}

struct Slot {
  std::string name;  // without the "alpha." / "beta." prefix
  std::vector<std::size_t> shape;
  std::size_t offset = 0, count = 0;
};

// Every tensor in the flat layout's order, named as in a checkpoint.
std::vector<Slot> slots(const nn::ModelSpec& spec) {
  std::vector<Slot> out;
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const std::size_t rows = spec.layerOutputs(l), cols = spec.layerInputs(l);
    out.push_back({"layers." + std::to_string(l) + ".weight", {rows, cols}, spec.weightOffset(l), rows * cols});
  }
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const std::size_t rows = spec.layerOutputs(l);
    out.push_back({"layers." + std::to_string(l) + ".bias", {rows}, spec.biasOffset(l), rows});
  }
  return out;
}

constexpr const char* PREFIXES[2] = {"alpha.", "beta."};

}  // namespace

void filterNormalise(const nn::ModelSpec& spec, std::span<const float> params, std::span<float> direction,
                     bool keepBiases) {
  NSB_CHECK(params.size() == spec.parameterCount() && direction.size() == params.size())
      << "filterNormalise: " << direction.size() << " and " << params.size() << " values for a network of "
      << spec.parameterCount();
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const std::size_t rows = spec.layerOutputs(l), cols = spec.layerInputs(l);
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t at = spec.weightOffset(l) + r * cols;
      scaleTo(direction.subspan(at, cols), params.subspan(at, cols));
    }
    auto bias = direction.subspan(spec.biasOffset(l), rows);
    if (keepBiases) {
      scaleTo(bias, params.subspan(spec.biasOffset(l), rows));
    } else {
      std::fill(bias.begin(), bias.end(), 0.0f);
    }
  }
}

Directions randomDirections(const nn::ModelSpec& spec, std::span<const float> params, std::uint64_t seed,
                            bool keepBiases) {
  core::Rng rng(seed);
  Directions d;
  for (auto* direction : {&d.first, &d.second}) {
    direction->resize(spec.parameterCount());
    for (float& v : *direction) v = rng.normal();
    filterNormalise(spec, params, *direction, keepBiases);
  }
  return d;
}

Directions parameterAxes(const nn::ModelSpec& spec) {
  NSB_CHECK(spec.parameterCount() == 2) << "parameterAxes: a network of " << spec.parameterCount() << " parameters";
  return {{1.0f, 0.0f}, {0.0f, 1.0f}};
}

core::Result<std::vector<std::uint8_t>> serializeDirections(const nn::ModelSpec& spec, const Directions& directions) {
  const std::size_t count = spec.parameterCount();
  if (directions.first.size() != count || directions.second.size() != count) {
    return core::badInput("directions: " + std::to_string(directions.first.size()) + " and " +
                          std::to_string(directions.second.size()) + " values for a network of " +
                          std::to_string(count) + " parameters");
  }
  json header = json::object();
  std::uint64_t offset = 0;
  for (int d = 0; d < 2; ++d) {
    for (const Slot& slot : slots(spec)) {
      const std::uint64_t bytes = slot.count * sizeof(float);
      header[PREFIXES[d] + slot.name] = {
          {"dtype", "F32"}, {"shape", slot.shape}, {"data_offsets", {offset, offset + bytes}}};
      offset += bytes;
    }
  }
  header["__metadata__"] = {{"format", DIRECTIONS_FORMAT}, {"model", spec.toJson().dump()}};
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::uint8_t> out;
  out.reserve(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(text.size()) >> (8 * i)));
  out.insert(out.end(), text.begin(), text.end());
  for (const auto* direction : {&directions.first, &directions.second}) {
    for (const Slot& slot : slots(spec)) {
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(direction->data() + slot.offset);
      out.insert(out.end(), bytes, bytes + slot.count * sizeof(float));
    }
  }
  return out;
}

core::Result<DirectionsFile> parseDirections(std::span<const std::uint8_t> bytes, const std::string& nameForErrors) {
  auto bad = [&](const std::string& what) { return core::badInput(nameForErrors + ": " + what); };
  if (bytes.size() < 8) return bad("shorter than a safetensors header");
  std::uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i) headerSize |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  if (headerSize > bytes.size() - 8) return bad("the header runs past the end of the file");
  const json header =
      json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(headerSize), nullptr, false);
  if (!header.is_object() || !header.contains("__metadata__") || !header["__metadata__"].is_object())
    return bad("no JSON header with __metadata__");
  const json& meta = header["__metadata__"];
  if (meta.value("format", std::string()) != DIRECTIONS_FORMAT)
    return bad(std::string("not a directions file (format is not ") + DIRECTIONS_FORMAT + ")");
  const json model = json::parse(meta.value("model", std::string()), nullptr, false);
  if (model.is_discarded()) return bad("metadata 'model' is not JSON");
  auto spec = nn::ModelSpec::fromJson(model);
  if (!spec) return bad(spec.message());
  DirectionsFile file{spec.value(), {}};
  const std::span<const std::uint8_t> data = bytes.subspan(8 + headerSize);
  const auto layout = slots(file.spec);
  if (header.size() != 2 * layout.size() + 1) return bad("expected " + std::to_string(2 * layout.size()) + " tensors");
  for (int d = 0; d < 2; ++d) {
    std::vector<float>& direction = d == 0 ? file.directions.first : file.directions.second;
    direction.assign(file.spec.parameterCount(), 0.0f);
    for (const Slot& slot : layout) {
      const std::string name = PREFIXES[d] + slot.name;
      if (!header.contains(name)) return bad("no tensor " + name);
      const json& t = header[name];
      if (!t.is_object() || t.value("dtype", std::string()) != "F32") return bad(name + ": not an F32 tensor");
      if (!t.contains("shape") || t["shape"] != json(slot.shape)) return bad(name + ": shape does not match the model");
      const json& offsets = t.value("data_offsets", json());
      if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
          !offsets[1].is_number_unsigned())
        return bad(name + ": bad data_offsets");
      const auto begin = offsets[0].get<std::uint64_t>(), end = offsets[1].get<std::uint64_t>();
      if (end < begin || end - begin != slot.count * sizeof(float) || end > data.size())
        return bad(name + ": data_offsets outside the data or of the wrong size");
      std::memcpy(direction.data() + slot.offset, data.data() + begin, end - begin);
    }
  }
  return file;
}

}  // namespace nsb::landscape
