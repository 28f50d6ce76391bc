#include "remote/JobSpec.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "compute/Op.h"
#include "data/DatasetCatalog.h"
#include "nn/ModelSpec.h"
#include "remote/Uploads.h"
#include "train/Hyperparams.h"
#include "train/Preset.h"

namespace nsb::remote {

using nlohmann::json;

namespace {

// A client's field name printed as \xNN where it holds a control byte, so that the error stays one line
// (the request fuzzer's long run found "\n" in a key).
core::Error fieldError(const std::string& field, const std::string& what) {
  std::string printable;
  for (const unsigned char c : field) {
    if (c < 0x20 || c == 0x7f) {
      constexpr char HEX[] = "0123456789abcdef";
      printable += {'\\', 'x', HEX[c >> 4], HEX[c & 15]};
    } else {
      printable += static_cast<char>(c);
    }
  }
  return core::badInput(printable + ": " + what);
}

core::Status readString(const json& v, const std::string& field, std::optional<std::string>& out) {
  if (!v.is_string()) return fieldError(field, "must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > 256) return fieldError(field, "must be 1 to 256 characters");
  out = s;
  return core::Ok{};
}

template <typename T>
core::Status readNumber(const json& v, const std::string& field, double lo, double hi, std::optional<T>& out) {
  if (!v.is_number()) return fieldError(field, "must be a number");
  // Checked as stored (a float may round past a bound), so that a spec written back reads the same.
  const double x = v.get<double>();
  const double stored = std::isfinite(x) && std::abs(x) < 1e30 ? static_cast<double>(static_cast<T>(x)) : x;
  if (!std::isfinite(stored) || stored < lo || stored > hi) {
    return fieldError(field, "must be between " + json(lo).dump() + " and " + json(hi).dump());
  }
  out = static_cast<T>(x);
  return core::Ok{};
}

template <typename T>
core::Status readInteger(const json& v, const std::string& field, std::uint64_t lo, std::uint64_t hi,
                         std::optional<T>& out) {
  if (!v.is_number_integer()) return fieldError(field, "must be an integer");
  if (v.is_number_unsigned() ? (v.get<std::uint64_t>() < lo || v.get<std::uint64_t>() > hi)
                             : (v.get<std::int64_t>() < 0 || static_cast<std::uint64_t>(v.get<std::int64_t>()) < lo ||
                                static_cast<std::uint64_t>(v.get<std::int64_t>()) > hi)) {
    return fieldError(field, "must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  out = static_cast<T>(v.get<std::uint64_t>());
  return core::Ok{};
}

// A name from a fixed set, checked with one of the engine's own parsers.
template <typename Kind>
core::Status readName(const json& v, const std::string& field, bool (*parse)(std::string_view, Kind&),
                      std::optional<std::string>& out) {
  NSB_TRY(readString(v, field, out));
  Kind kind{};
  if (!parse(*out, kind)) return fieldError(field, "unknown value '" + *out + "'");
  return core::Ok{};
}

core::Status readOneOf(const json& v, const std::string& field, const std::vector<std::string>& known,
                       std::optional<std::string>& out) {
  NSB_TRY(readString(v, field, out));
  if (std::find(known.begin(), known.end(), *out) == known.end()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    return fieldError(field, "unknown value '" + *out + "' (one of " + list + ")");
  }
  return core::Ok{};
}

std::vector<std::string> datasetNames() {
  std::vector<std::string> names;
  for (const auto& info : data::listDatasets()) names.push_back(info.name);
  return names;
}

using FieldReader = std::function<core::Status(const json&, JobSpec&)>;

// Every field of a job request, in the order toJson() writes them.
const std::vector<std::pair<std::string, FieldReader>>& fields() {
  static const std::vector<std::pair<std::string, FieldReader>> table = {
      {"preset", [](const json& v, JobSpec& s) { return readOneOf(v, "preset", train::presetNames(), s.preset); }},
      {"dataset",
       [](const json& v, JobSpec& s) {
         // A name of the server's catalog, or the id of an upload (the server checks that it exists).
         if (v.is_string() && isDatasetId(v.get_ref<const std::string&>())) return readString(v, "dataset", s.dataset);
         return readOneOf(v, "dataset", datasetNames(), s.dataset);
       }},
      {"backend",
       [](const json& v, JobSpec& s) {
         return readOneOf(v, "backend", {"auto", "cpu", "vulkan", "cuda"}, s.backend);
       }},
      {"hidden",
       [](const json& v, JobSpec& s) -> core::Status {
         if (!v.is_array()) return fieldError("hidden", "must be an array of layer widths");
         if (v.size() > MAX_HIDDEN_LAYERS) {
           return fieldError("hidden", "at most " + std::to_string(MAX_HIDDEN_LAYERS) + " layers");
         }
         std::vector<std::size_t> widths;
         for (const auto& w : v) {
           std::optional<std::size_t> width;
           NSB_TRY(readInteger(w, "hidden", 1, MAX_LAYER_WIDTH, width));
           widths.push_back(*width);
         }
         s.hidden = std::move(widths);
         return core::Ok{};
       }},
      {"activation",
       [](const json& v, JobSpec& s) { return readName(v, "activation", compute::parseActivation, s.activation); }},
      {"loss", [](const json& v, JobSpec& s) { return readName(v, "loss", compute::parseLoss, s.loss); }},
      {"optimizer",
       [](const json& v, JobSpec& s) { return readName(v, "optimizer", compute::parseOptimizer, s.optimizer); }},
      {"schedule", [](const json& v, JobSpec& s) { return readName(v, "schedule", train::parseSchedule, s.schedule); }},
      {"init", [](const json& v, JobSpec& s) { return readName(v, "init", nn::parseInit, s.init); }},
      {"features", [](const json& v, JobSpec& s) { return readString(v, "features", s.features); }},
      {"lr", [](const json& v, JobSpec& s) { return readNumber(v, "lr", 1e-9, 10.0, s.lr); }},
      {"l1", [](const json& v, JobSpec& s) { return readNumber(v, "l1", 0.0, 1.0, s.l1); }},
      {"l2", [](const json& v, JobSpec& s) { return readNumber(v, "l2", 0.0, 1.0, s.l2); }},
      {"momentum", [](const json& v, JobSpec& s) { return readNumber(v, "momentum", 0.0, 0.9999, s.momentum); }},
      {"beta1", [](const json& v, JobSpec& s) { return readNumber(v, "beta1", 0.0, 0.9999, s.beta1); }},
      {"beta2", [](const json& v, JobSpec& s) { return readNumber(v, "beta2", 0.0, 0.999999, s.beta2); }},
      {"rho", [](const json& v, JobSpec& s) { return readNumber(v, "rho", 0.0, 0.9999, s.rho); }},
      {"eps", [](const json& v, JobSpec& s) { return readNumber(v, "eps", 1e-12, 1.0, s.eps); }},
      {"weight-decay",
       [](const json& v, JobSpec& s) { return readNumber(v, "weight-decay", 0.0, 1.0, s.weightDecay); }},
      {"noise", [](const json& v, JobSpec& s) { return readNumber(v, "noise", 0.0, 0.5, s.noise); }},
      {"train-ratio", [](const json& v, JobSpec& s) { return readNumber(v, "train-ratio", 0.1, 0.9, s.trainRatio); }},
      {"seed", [](const json& v, JobSpec& s) { return readInteger(v, "seed", 0, UINT32_MAX, s.seed); }},
      {"epochs", [](const json& v, JobSpec& s) { return readInteger(v, "epochs", 1, 1000000, s.epochs); }},
      {"batch", [](const json& v, JobSpec& s) { return readInteger(v, "batch", 1, 1u << 20, s.batch); }},
      {"points", [](const json& v, JobSpec& s) { return readInteger(v, "points", 10, 1000000, s.points); }},
      {"stop-at-loss", [](const json& v, JobSpec& s) { return readNumber(v, "stop-at-loss", 0.0, 1e9, s.stopAtLoss); }},
      {"stop-at-accuracy",
       [](const json& v, JobSpec& s) { return readNumber(v, "stop-at-accuracy", 0.0, 1.0, s.stopAtAccuracy); }},
      {"steps-per-submit",
       [](const json& v, JobSpec& s) { return readInteger(v, "steps-per-submit", 1, 4096, s.stepsPerSubmit); }},
      {"metrics-every",
       [](const json& v, JobSpec& s) { return readInteger(v, "metrics-every", 0, 1u << 30, s.metricsEvery); }},
  };
  return table;
}

}  // namespace

json JobSpec::toJson() const {
  json j = json::object();
  auto put = [&](const char* key, const auto& value) {
    if (value) j[key] = *value;
  };
  put("preset", preset);
  put("dataset", dataset);
  put("backend", backend);
  put("hidden", hidden);
  put("activation", activation);
  put("loss", loss);
  put("optimizer", optimizer);
  put("schedule", schedule);
  put("init", init);
  put("features", features);
  put("lr", lr);
  put("l1", l1);
  put("l2", l2);
  put("momentum", momentum);
  put("beta1", beta1);
  put("beta2", beta2);
  put("rho", rho);
  put("eps", eps);
  put("weight-decay", weightDecay);
  put("noise", noise);
  put("train-ratio", trainRatio);
  put("seed", seed);
  put("epochs", epochs);
  put("batch", batch);
  put("points", points);
  put("stop-at-loss", stopAtLoss);
  put("stop-at-accuracy", stopAtAccuracy);
  put("steps-per-submit", stepsPerSubmit);
  put("metrics-every", metricsEvery);
  return j;
}

core::Result<json> parseRequestJson(std::string_view body, std::size_t maxBytes) {
  if (body.size() > maxBytes) {
    return core::badInput("request: the body has " + std::to_string(body.size()) + " bytes, at most " +
                          std::to_string(maxBytes));
  }
  // The depth is checked while parsing, so that a deep body is refused before it is built.
  bool tooDeep = false;
  const json::parser_callback_t depthLimit = [&](int depth, json::parse_event_t, json&) {
    if (depth > MAX_JSON_DEPTH) tooDeep = true;
    return !tooDeep;
  };
  json parsed;
  try {
    parsed = json::parse(body.begin(), body.end(), depthLimit, true, false);
  } catch (const json::exception& e) {  // a syntax error, or a number out of range (found by the fuzzer)
    if (tooDeep) return core::badInput("request: nested deeper than " + std::to_string(MAX_JSON_DEPTH) + " levels");
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ...": the last part.
    if (const auto id = what.find("] "); id != std::string::npos) what = what.substr(id + 2);
    if (const auto colon = what.rfind(": "); colon != std::string::npos) what = what.substr(colon + 2);
    return core::badInput("request: not JSON (" + what + ")");
  }
  if (tooDeep) return core::badInput("request: nested deeper than " + std::to_string(MAX_JSON_DEPTH) + " levels");
  return parsed;
}

core::Result<JobSpec> parseJobSpec(const json& request) {
  if (!request.is_object()) return core::badInput("request: expected a JSON object");
  JobSpec spec;
  for (const auto& item : request.items()) {
    const auto& table = fields();
    const auto field = std::find_if(table.begin(), table.end(), [&](const auto& f) { return f.first == item.key(); });
    if (field == table.end()) return fieldError(item.key().substr(0, 64), "unknown field");
    NSB_TRY(field->second(item.value(), spec));
  }
  return spec;
}

core::Result<json> parseHyperparamEdit(const json& request) {
  if (!request.is_object() || request.empty()) return core::badInput("request: expected a non-empty JSON object");
  const json known = train::Hyperparams{}.toJson();
  for (const auto& item : request.items()) {
    if (!known.contains(item.key())) return fieldError(item.key().substr(0, 64), "unknown field");
  }
  // Hyperparams::update checks types and ranges; its messages name the key or the flag ("--lr: ...").
  train::Hyperparams checked;
  if (auto status = checked.update(request); !status) {
    std::string message = status.message();
    if (message.rfind("training: ", 0) == 0) message = message.substr(10);
    if (message.rfind("--", 0) == 0) message = message.substr(2);
    return core::badInput(message);
  }
  return request;
}

bool isJobId(std::string_view id) {
  return id.size() == JOB_ID_LENGTH &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace nsb::remote
