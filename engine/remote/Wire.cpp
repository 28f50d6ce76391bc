// Commands as JSON (remote/Wire.h): {"type": NAME, ...fields}, fields in snake_case, floats through their
// shortest decimal (so that 0.9f travels as 0.9 and reads back as 0.9f), hyperparameters as
// train::Hyperparams::toJson writes them and Hyperparams::update reads them. Probe inputs are many
// floats (a 256 x 256 grid): each probe travels as the base64 of its little-endian f32s.
#include "remote/Wire.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/Format.h"

namespace nsb::remote {

using nlohmann::json;

namespace {

// The name each command travels under: the C++ type's.
template <typename T>
constexpr const char* commandName() {
  using namespace train;
  if constexpr (std::is_same_v<T, SetHyperparams>) return "SetHyperparams";
  if constexpr (std::is_same_v<T, Pause>) return "Pause";
  if constexpr (std::is_same_v<T, Resume>) return "Resume";
  if constexpr (std::is_same_v<T, Step>) return "Step";
  if constexpr (std::is_same_v<T, SetSpeed>) return "SetSpeed";
  if constexpr (std::is_same_v<T, Reset>) return "Reset";
  if constexpr (std::is_same_v<T, SetActivation>) return "SetActivation";
  if constexpr (std::is_same_v<T, SwitchBackend>) return "SwitchBackend";
  if constexpr (std::is_same_v<T, SetProbes>) return "SetProbes";
  if constexpr (std::is_same_v<T, SetLayerWidth>) return "SetLayerWidth";
  if constexpr (std::is_same_v<T, RemoveNeuron>) return "RemoveNeuron";
  if constexpr (std::is_same_v<T, AddLayer>) return "AddLayer";
  if constexpr (std::is_same_v<T, RemoveLayer>) return "RemoveLayer";
  if constexpr (std::is_same_v<T, SetFeatures>) return "SetFeatures";
  if constexpr (std::is_same_v<T, RegenerateData>) return "RegenerateData";
  if constexpr (std::is_same_v<T, SetParameter>) return "SetParameter";
  if constexpr (std::is_same_v<T, SaveCheckpoint>) return "SaveCheckpoint";
  if constexpr (std::is_same_v<T, LoadCheckpoint>) return "LoadCheckpoint";
  if constexpr (std::is_same_v<T, WatchParameter>) return "WatchParameter";
  if constexpr (std::is_same_v<T, SetTimeline>) return "SetTimeline";
  if constexpr (std::is_same_v<T, ViewStep>) return "ViewStep";
  if constexpr (std::is_same_v<T, Branch>) return "Branch";
  if constexpr (std::is_same_v<T, AddReplica>) return "AddReplica";
  if constexpr (std::is_same_v<T, RemoveReplica>) return "RemoveReplica";
  if constexpr (std::is_same_v<T, SetReplica>) return "SetReplica";
  if constexpr (std::is_same_v<T, ShowReplica>) return "ShowReplica";
  if constexpr (std::is_same_v<T, SetSessionWork>) return "SetSessionWork";
}

// --- base64 (RFC 4648, with padding) of the probes' floats ---

constexpr char BASE64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64Floats(const std::vector<float>& values) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
  const std::size_t n = values.size() * sizeof(float);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    const std::uint32_t chunk = (std::uint32_t{bytes[i]} << 16) | (i + 1 < n ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                                (i + 2 < n ? std::uint32_t{bytes[i + 2]} : 0);
    out += BASE64[(chunk >> 18) & 63];
    out += BASE64[(chunk >> 12) & 63];
    out += i + 1 < n ? BASE64[(chunk >> 6) & 63] : '=';
    out += i + 2 < n ? BASE64[chunk & 63] : '=';
  }
  return out;
}

// The floats of a base64 text; false when it is not base64 of whole floats.
bool floatsOfBase64(std::string_view text, std::vector<float>& out) {
  if (text.size() % 4 != 0) return false;
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t chunk = 0;
    int padding = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      int v = 0;
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++padding;
      } else if (padding > 0) {
        return false;  // a digit after padding
      } else if (const char* at = std::strchr(BASE64, c); c != '\0' && at != nullptr) {
        v = static_cast<int>(at - BASE64);
      } else {
        return false;
      }
      chunk = (chunk << 6) | static_cast<std::uint32_t>(v);
    }
    bytes += static_cast<char>((chunk >> 16) & 255);
    if (padding < 2) bytes += static_cast<char>((chunk >> 8) & 255);
    if (padding < 1) bytes += static_cast<char>(chunk & 255);
  }
  if (bytes.size() % sizeof(float) != 0) return false;
  out.resize(bytes.size() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return true;
}

// --- writing ---

json number(float v) { return core::decimalValue(v); }

json optionalJson(const auto& v) { return v ? json(*v) : json(nullptr); }

void fields(json& j, const train::SetHyperparams& c) { j["hyperparams"] = c.hyperparams.toJson(); }
void fields(json&, const train::Pause&) {}
void fields(json& j, const train::Resume& c) {
  if (c.untilStep) j["until_step"] = *c.untilStep;
}
void fields(json& j, const train::Step& c) { j["steps"] = c.steps; }
void fields(json& j, const train::SetSpeed& c) { j["steps_per_second"] = c.stepsPerSecond; }
void fields(json& j, const train::Reset& c) { j["seed"] = optionalJson(c.seed); }
void fields(json& j, const train::SetActivation& c) {
  j["layer"] = c.layer;
  j["activation"] = compute::activationName(c.activation);
}
void fields(json& j, const train::SwitchBackend& c) { j["backend"] = c.backend; }
void fields(json& j, const train::SetProbes& c) {
  json inputs = json::array();
  for (const auto& probe : c.inputs) inputs.push_back(base64Floats(probe));
  j["inputs"] = std::move(inputs);
  j["every_seconds"] = c.everySeconds;
}
void fields(json& j, const train::SetLayerWidth& c) {
  j["layer"] = c.layer;
  j["width"] = c.width;
}
void fields(json& j, const train::RemoveNeuron& c) {
  j["layer"] = c.layer;
  j["neuron"] = c.neuron;
}
void fields(json& j, const train::AddLayer& c) {
  j["index"] = c.index;
  j["width"] = c.width;
  j["activation"] = compute::activationName(c.activation);
}
void fields(json& j, const train::RemoveLayer& c) { j["layer"] = c.layer; }
void fields(json& j, const train::SetFeatures& c) { j["features"] = c.features.toString(); }
void fields(json& j, const train::RegenerateData& c) {
  j["noise"] = number(c.noise);
  j["seed"] = c.seed;
  j["points"] = optionalJson(c.points);
}
void fields(json& j, const train::SetParameter& c) {
  j["index"] = c.index;
  j["value"] = number(c.value);
}
void fields(json& j, const train::SaveCheckpoint& c) { j["path"] = c.path; }
void fields(json& j, const train::LoadCheckpoint& c) { j["path"] = c.path; }
void fields(json& j, const train::WatchParameter& c) { j["index"] = optionalJson(c.index); }
void fields(json& j, const train::SetTimeline& c) {
  j["every"] = c.every;
  j["bytes"] = c.bytes;
}
void fields(json& j, const train::ViewStep& c) { j["step"] = optionalJson(c.step); }
void fields(json& j, const train::Branch& c) {
  j["step"] = c.step;
  j["hyperparams"] = c.hyperparams ? c.hyperparams->toJson() : json(nullptr);
}
void fields(json& j, const train::AddReplica& c) {
  j["hyperparams"] = c.hyperparams.toJson();
  j["from"] = c.from;
}
void fields(json& j, const train::RemoveReplica& c) { j["replica"] = c.replica; }
void fields(json& j, const train::SetReplica& c) {
  j["replica"] = c.replica;
  j["hyperparams"] = c.hyperparams.toJson();
}
void fields(json& j, const train::ShowReplica& c) {
  j["replica"] = c.replica;
  j["minus"] = optionalJson(c.minus);
}

// --- reading: every field is checked and named ---

class Fields {
 public:
  explicit Fields(const json& j) : mJson(j) {}

  // The field, or null when it is absent or null (an optional's "none").
  const json& at(const char* key) {
    mRead.push_back(key);
    static const json NONE;
    const auto it = mJson.find(key);
    return it == mJson.end() ? NONE : *it;
  }
  static core::Error bad(std::string_view key, const std::string& what) {
    return core::badInput("command." + std::string(key) + ": " + what);
  }

  template <typename T>
  requires std::is_unsigned_v<T> core::Status unsignedInteger(const char* key, T& out) {
    const json& v = at(key);
    if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<std::int64_t>() < 0)) {
      return bad(key, v.is_null() ? "missing" : "not a non-negative integer");
    }
    const auto raw = v.get<std::uint64_t>();
    if (raw > std::numeric_limits<T>::max()) return bad(key, "out of range");
    out = static_cast<T>(raw);
    return core::Ok{};
  }
  template <typename T>
  core::Status optionalInteger(const char* key, std::optional<T>& out) {
    if (at(key).is_null()) {
      out.reset();
      return core::Ok{};
    }
    T v = 0;
    NSB_TRY(unsignedInteger(key, v));
    out = v;
    return core::Ok{};
  }
  template <typename T>
  requires std::is_floating_point_v<T> core::Status finite(const char* key, T& out) {
    const json& v = at(key);
    if (!v.is_number()) return bad(key, v.is_null() ? "missing" : "not a number");
    const double d = v.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > std::numeric_limits<T>::max()) return bad(key, "out of range");
    out = static_cast<T>(d);
    return core::Ok{};
  }
  core::Status text(const char* key, std::string& out) {
    const json& v = at(key);
    if (!v.is_string()) return bad(key, v.is_null() ? "missing" : "not a string");
    out = v.get<std::string>();
    return core::Ok{};
  }
  core::Status activation(const char* key, compute::Activation& out) {
    std::string name;
    NSB_TRY(text(key, name));
    if (!compute::parseActivation(name, out)) return bad(key, "unknown activation '" + name.substr(0, 32) + "'");
    return core::Ok{};
  }
  // A whole train::Hyperparams: every key of Hyperparams::toJson, each read as Hyperparams::update reads it.
  core::Status hyperparams(const char* key, train::Hyperparams& out) {
    const json& v = at(key);
    if (!v.is_object()) return bad(key, v.is_null() ? "missing" : "not an object");
    const json known = train::Hyperparams{}.toJson();
    train::Hyperparams h;
    for (const auto& [name, value] : v.items()) {
      const std::string field = std::string(key) + "." + name.substr(0, 32);
      const auto expected = known.find(name);
      if (expected == known.end()) return bad(field, "unknown field");
      if (expected->is_string() && !value.is_string()) return bad(field, "not a string");
      if (expected->is_number() && !value.is_number()) return bad(field, "not a number");
      if (auto updated = h.update(json{{name, value}}); !updated) {
        // "training: 'lr' must be ..." or "--lr: must be ...": what follows the first ": ".
        const std::string& message = updated.message();
        const auto colon = message.find(": ");
        return bad(field, colon == std::string::npos ? message : message.substr(colon + 2));
      }
    }
    for (const auto& [name, value] : known.items()) {
      if (!v.contains(name)) return bad(std::string(key) + "." + name, "missing");
    }
    out = h;
    return core::Ok{};
  }
  core::Status optionalHyperparams(const char* key, std::optional<train::Hyperparams>& out) {
    if (at(key).is_null()) {
      out.reset();
      return core::Ok{};
    }
    train::Hyperparams h;
    NSB_TRY(hyperparams(key, h));
    out = h;
    return core::Ok{};
  }
  core::Status probes(const char* key, std::vector<std::vector<float>>& out) {
    const json& v = at(key);
    if (!v.is_array()) return bad(key, v.is_null() ? "missing" : "not an array");
    if (v.size() > MAX_PROBES)
      return bad(key, std::to_string(v.size()) + " probes, at most " + std::to_string(MAX_PROBES));
    std::size_t floats = 0;
    for (const auto& probe : v) {
      if (!probe.is_string()) return bad(key, "a probe is not a base64 string");
      floats += probe.get_ref<const std::string&>().size() / 4 * 3 / sizeof(float);
    }
    if (floats > MAX_PROBE_FLOATS) {
      return bad(key, "about " + std::to_string(floats) + " floats, at most " + std::to_string(MAX_PROBE_FLOATS));
    }
    out.clear();
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::vector<float> values;
      if (!floatsOfBase64(v[i].get_ref<const std::string&>(), values)) {
        return bad(std::string(key) + "[" + std::to_string(i) + "]", "not base64 of little-endian f32 values");
      }
      out.push_back(std::move(values));
    }
    return core::Ok{};
  }
  // After the command's fields: a field it does not have is a mistake, not something to ignore.
  core::Status noOthers() const {
    for (const auto& [name, value] : mJson.items()) {
      if (name != "type" && std::find(mRead.begin(), mRead.end(), name) == mRead.end()) {
        return bad(name.substr(0, 32), "unknown field");
      }
    }
    return core::Ok{};
  }

 private:
  const json& mJson;
  std::vector<std::string> mRead;
};

core::Status read(Fields& f, train::SetHyperparams& c) { return f.hyperparams("hyperparams", c.hyperparams); }
core::Status read(Fields&, train::Pause&) { return core::Ok{}; }
core::Status read(Fields& f, train::Resume& c) { return f.optionalInteger("until_step", c.untilStep); }
core::Status read(Fields& f, train::Step& c) { return f.unsignedInteger("steps", c.steps); }
core::Status read(Fields& f, train::SetSpeed& c) {
  NSB_TRY(f.finite("steps_per_second", c.stepsPerSecond));
  if (c.stepsPerSecond < 0) return Fields::bad("steps_per_second", "negative");
  return core::Ok{};
}
core::Status read(Fields& f, train::Reset& c) { return f.optionalInteger("seed", c.seed); }
core::Status read(Fields& f, train::SetActivation& c) {
  NSB_TRY(f.unsignedInteger("layer", c.layer));
  return f.activation("activation", c.activation);
}
core::Status read(Fields& f, train::SwitchBackend& c) { return f.text("backend", c.backend); }
core::Status read(Fields& f, train::SetProbes& c) {
  NSB_TRY(f.probes("inputs", c.inputs));
  NSB_TRY(f.finite("every_seconds", c.everySeconds));
  if (c.everySeconds < 0) return Fields::bad("every_seconds", "negative");
  return core::Ok{};
}
core::Status read(Fields& f, train::SetLayerWidth& c) {
  NSB_TRY(f.unsignedInteger("layer", c.layer));
  return f.unsignedInteger("width", c.width);
}
core::Status read(Fields& f, train::RemoveNeuron& c) {
  NSB_TRY(f.unsignedInteger("layer", c.layer));
  return f.unsignedInteger("neuron", c.neuron);
}
core::Status read(Fields& f, train::AddLayer& c) {
  NSB_TRY(f.unsignedInteger("index", c.index));
  NSB_TRY(f.unsignedInteger("width", c.width));
  return f.activation("activation", c.activation);
}
core::Status read(Fields& f, train::RemoveLayer& c) { return f.unsignedInteger("layer", c.layer); }
core::Status read(Fields& f, train::SetFeatures& c) {
  std::string names;
  NSB_TRY(f.text("features", names));
  auto features = data::FeatureSet::parse(names);
  if (!features) {
    const std::string& message = features.message();  // "--features: the feature list is empty"
    return Fields::bad("features",
                       message.substr(message.find(": ") == std::string::npos ? 0 : message.find(": ") + 2));
  }
  c.features = features.value();
  return core::Ok{};
}
core::Status read(Fields& f, train::RegenerateData& c) {
  NSB_TRY(f.finite("noise", c.noise));
  NSB_TRY(f.unsignedInteger("seed", c.seed));
  return f.optionalInteger("points", c.points);
}
core::Status read(Fields& f, train::SetParameter& c) {
  NSB_TRY(f.unsignedInteger("index", c.index));
  return f.finite("value", c.value);
}
core::Status read(Fields& f, train::SaveCheckpoint& c) { return f.text("path", c.path); }
core::Status read(Fields& f, train::LoadCheckpoint& c) { return f.text("path", c.path); }
core::Status read(Fields& f, train::WatchParameter& c) { return f.optionalInteger("index", c.index); }
core::Status read(Fields& f, train::SetTimeline& c) {
  NSB_TRY(f.unsignedInteger("every", c.every));
  return f.unsignedInteger("bytes", c.bytes);
}
core::Status read(Fields& f, train::ViewStep& c) { return f.optionalInteger("step", c.step); }
core::Status read(Fields& f, train::Branch& c) {
  NSB_TRY(f.unsignedInteger("step", c.step));
  return f.optionalHyperparams("hyperparams", c.hyperparams);
}
core::Status read(Fields& f, train::AddReplica& c) {
  NSB_TRY(f.hyperparams("hyperparams", c.hyperparams));
  return f.unsignedInteger("from", c.from);
}
core::Status read(Fields& f, train::RemoveReplica& c) { return f.unsignedInteger("replica", c.replica); }
core::Status read(Fields& f, train::SetReplica& c) {
  NSB_TRY(f.unsignedInteger("replica", c.replica));
  return f.hyperparams("hyperparams", c.hyperparams);
}
core::Status read(Fields& f, train::ShowReplica& c) {
  NSB_TRY(f.unsignedInteger("replica", c.replica));
  return f.optionalInteger("minus", c.minus);
}

template <std::size_t I = 0>
core::Result<train::Command> commandOfType(const std::string& type, const json& j) {
  if constexpr (I == std::variant_size_v<train::Command>) {
    return core::badInput("command.type: unknown command '" + type.substr(0, 32) + "'");
  } else {
    using T = std::variant_alternative_t<I, train::Command>;
    if (type != commandName<T>()) return commandOfType<I + 1>(type, j);
    if constexpr (std::is_same_v<T, train::SetSessionWork>) {
      return core::badInput("command.type: SetSessionWork is this process's own; it never travels");
    } else {
      T command{};
      Fields f(j);
      NSB_TRY(read(f, command));
      NSB_TRY(f.noOthers());
      return train::Command(std::move(command));
    }
  }
}

}  // namespace

core::Result<json> commandToJson(const train::Command& command) {
  return std::visit(
      [](const auto& c) -> core::Result<json> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, train::SetSessionWork>) {
          return core::badInput("command: SetSessionWork is this process's own; it never travels");
        } else {
          if constexpr (std::is_same_v<T, train::SwitchBackend>) {
            if (c.context) return core::badInput("command: SwitchBackend with a Vulkan context never travels");
          }
          json j = {{"type", commandName<T>()}};
          fields(j, c);
          return j;
        }
      },
      command);
}

core::Result<train::Command> commandFromJson(const json& j) {
  if (!j.is_object()) return core::badInput("command: not an object");
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return core::badInput("command.type: missing or not a string");
  return commandOfType(type->get<std::string>(), j);
}

}  // namespace nsb::remote
