#include "train/Preset.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/Embedded.h"
#include "core/Format.h"
#include "data/Synthetic2D.h"
#include "train/RaceSpec.h"

namespace nsb::train {

using nlohmann::json;

std::vector<std::string> presetNames() {
  std::vector<std::string> names;
  for (const auto& file : core::embeddedPresets()) names.emplace_back(file.name);
  std::sort(names.begin(), names.end());
  return names;
}

core::Result<nn::ModelSpec> Preset::modelFor(const data::Dataset& d) const {
  nn::ModelSpec spec;
  spec.inputs = d.features;
  spec.hidden = hidden;
  spec.outputs = d.outputWidth();
  if (head) {
    spec.head = *head;
  } else if (d.task == data::Task::Regression) {
    spec.head = compute::Head::Linear;
  } else {
    spec.head = spec.outputs == 1 ? compute::Head::Sigmoid : compute::Head::Softmax;
  }
  if (loss) {
    spec.loss = *loss;
  } else {
    spec.loss = spec.head == compute::Head::Softmax   ? compute::LossKind::CrossEntropy
                : spec.head == compute::Head::Sigmoid ? compute::LossKind::BinaryCrossEntropy
                                                      : compute::LossKind::Mse;
  }
  if (d.task == data::Task::Regression && spec.head != compute::Head::Linear) {
    return core::badInput("model: dataset " + d.name + " is a regression: use the linear head");
  }
  NSB_TRY(spec.validate());
  return spec;
}

json Preset::toJson() const {
  json layers = json::array();
  for (const auto& l : hidden)
    layers.push_back({{"width", l.width}, {"activation", compute::activationName(l.activation)}});
  json model = {{"hidden", layers}};
  if (head) model["head"] = compute::headName(*head);
  if (loss) model["loss"] = compute::lossName(*loss);
  json training = hyperparams.toJson();
  training["epochs"] = epochs;
  training["seed"] = seed;
  if (stopAtLoss) training["stop_at_loss"] = *stopAtLoss;
  if (stopAtAccuracy) training["stop_at_accuracy"] = *stopAtAccuracy;
  json out = {{"name", name},
              {"description", description},
              {"dataset", datasetJson(dataset)},
              {"model", model},
              {"training", training}};
  if (race) out["race"] = *race;
  if (surface) {
    json optimizers = json::array();
    for (const auto& h : surface->optimizers) optimizers.push_back(h.toJson());
    json s = {{"name", surface->surface},
              {"condition", surface->condition},
              {"sigma", surface->sigma},
              {"speed", surface->speed},
              {"optimizers", optimizers}};
    if (surface->start) s["start"] = {(*surface->start)[0], (*surface->start)[1]};
    out["kind"] = "surface";
    out["surface"] = s;
  }
  return out;
}

namespace {

core::Result<SurfaceSetup> surfaceFromJson(const json& s, const std::function<core::Error(std::string)>& fail) {
  if (!s.is_object()) return fail("'surface' must be an object with a 'name'");
  SurfaceSetup setup;
  for (const auto& [key, value] : s.items()) {
    if (key == "name") {
      if (!value.is_string()) return fail("'surface.name' must be a string");
      setup.surface = value.get<std::string>();
    } else if (key == "condition" || key == "sigma" || key == "speed") {
      if (!value.is_number()) return fail("'surface." + key + "' must be a number");
      const double v = value.get<double>();
      if (key == "condition" && !(v >= 1.0 && v <= 1e6)) return fail("'surface.condition' must be in [1, 1e6]");
      if (key == "sigma" && !(v >= 0.0 && v <= 100.0)) return fail("'surface.sigma' must be in [0, 100]");
      if (key == "speed" && !(v >= 0.0 && v <= 1e6)) return fail("'surface.speed' must be in [0, 1e6]");
      (key == "condition" ? setup.condition : key == "sigma" ? setup.sigma : setup.speed) = v;
    } else if (key == "start") {
      if (!value.is_array() || value.size() != 2 || !value[0].is_number() || !value[1].is_number())
        return fail("'surface.start' must be [x, y]");
      setup.start = std::array<double, 2>{value[0].get<double>(), value[1].get<double>()};
    } else if (key == "optimizers") {
      if (!value.is_array()) return fail("'surface.optimizers' must be an array");
      for (const auto& o : value) {
        Hyperparams h;
        if (!o.is_object())
          return fail("each of 'surface.optimizers' must be an object like {\"optimizer\": \"adam\"}");
        if (auto updated = h.update(o); !updated) return fail("surface.optimizers: " + updated.message());
        setup.optimizers.push_back(h);
      }
    } else {
      return fail("unknown key 'surface." + key + "'");
    }
  }
  return setup;
}

}  // namespace

json datasetJson(const data::DatasetRequest& request) {
  data::SyntheticKind kind{};
  const bool synthetic = data::parseSyntheticKind(request.name, kind);
  json ds = {{"name", request.name}, {"features", request.features.toString()}};
  if (synthetic) {
    ds["points"] = request.synthetic.points;
    ds["noise"] = core::decimalValue(request.synthetic.noise);
    ds["train_ratio"] = core::decimalValue(request.synthetic.trainRatio);
  } else {
    ds["train_ratio"] = core::decimalValue(request.csv.trainRatio);
    ds["label_column"] = request.csv.labelColumn;
    ds["standardize"] = request.csv.standardize;
    if (request.csv.task) ds["task"] = *request.csv.task == data::Task::Regression ? "regression" : "classification";
  }
  return ds;
}

core::Status readDatasetJson(const json& ds, data::DatasetRequest& request) {
  if (!ds.is_object() || !ds.contains("name") || !ds["name"].is_string())
    return core::badInput("'dataset.name' must be a string");
  request.name = ds["name"].get<std::string>();
  data::parseSyntheticKind(request.name, request.synthetic.kind);
  for (const auto& [key, value] : ds.items()) {
    if (key == "name") continue;
    if (key == "features") {
      if (!value.is_string()) return core::badInput("'dataset.features' must be a string like \"x1,x2\"");
      auto features = data::FeatureSet::parse(value.get<std::string>());
      if (!features) return core::badInput(features.message());
      request.features = features.value();
    } else if (key == "points") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() < 10 || value.get<std::uint64_t>() > 1000000) {
        return core::badInput("'dataset.points' must be an integer between 10 and 1000000");
      }
      request.synthetic.points = value.get<std::size_t>();
    } else if (key == "noise" || key == "train_ratio") {
      if (!value.is_number()) return core::badInput("'dataset." + key + "' must be a number");
      (key == "noise" ? request.synthetic.noise : request.synthetic.trainRatio) = value.get<float>();
      if (key == "train_ratio") request.csv.trainRatio = value.get<float>();
    } else if (key == "label_column") {
      if (!value.is_number_integer()) return core::badInput("'dataset.label_column' must be an integer");
      request.csv.labelColumn = value.get<int>();
    } else if (key == "standardize") {
      if (!value.is_boolean()) return core::badInput("'dataset.standardize' must be true or false");
      request.csv.standardize = value.get<bool>();
    } else if (key == "task") {
      if (value != "classification" && value != "regression")
        return core::badInput("'dataset.task' must be \"classification\" or \"regression\"");
      request.csv.task = value == "regression" ? data::Task::Regression : data::Task::Classification;
    } else {
      return core::badInput("unknown key 'dataset." + key + "'");
    }
  }
  return core::Ok{};
}

void recordDataset(json& extra, const data::DatasetRequest& request, std::uint64_t runSeed) {
  extra["data"] = datasetJson(request);
  data::SyntheticKind kind{};
  const std::uint64_t seed = data::parseSyntheticKind(request.name, kind) ? request.synthetic.seed : request.csv.seed;
  if (seed != runSeed) extra["data_seed"] = seed;
}

core::Result<bool> readDatasetRecord(const json& extra, const std::string& name, std::uint64_t runSeed,
                                     data::DatasetRequest& request) {
  if (!extra.contains("data") || !extra["data"].is_object() || extra["data"].value("name", "") != name) return false;
  NSB_TRY(readDatasetJson(extra["data"], request));
  const json seed = extra.value("data_seed", json(runSeed));
  if (!seed.is_number_unsigned()) return core::badInput("'data_seed' must be an unsigned integer");
  request.synthetic.seed = seed.get<std::uint64_t>();
  request.csv.seed = request.synthetic.seed;
  return true;
}

core::Result<Preset> Preset::fromJson(const json& j, const std::string& where) {
  auto fail = [&](const std::string& what) { return core::badInput(where + ": " + what); };
  if (!j.is_object()) return fail("expected a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "name" && key != "description" && key != "dataset" && key != "model" && key != "training" &&
        key != "kind" && key != "surface" && key != "race") {
      return fail("unknown key '" + key + "'");
    }
  }
  Preset p;
  if (j.contains("name")) {
    if (!j["name"].is_string()) return fail("'name' must be a string");
    p.name = j["name"].get<std::string>();
  }
  if (j.contains("description") && j["description"].is_string()) p.description = j["description"].get<std::string>();
  const std::string kind = j.contains("kind") && j["kind"].is_string() ? j["kind"].get<std::string>() : "network";
  if (j.contains("kind") && kind != "network" && kind != "surface")
    return fail("'kind' must be \"network\" or \"surface\"");
  if (kind == "surface") {
    if (!j.contains("surface")) return fail("a preset of kind \"surface\" needs a 'surface' object");
    auto setup = surfaceFromJson(j["surface"], fail);
    if (!setup) return setup.error();
    p.surface = setup.value();
  } else if (j.contains("surface")) {
    return fail("'surface' needs \"kind\": \"surface\"");
  }

  if (!j.contains("dataset") || !j["dataset"].is_object()) return fail("'dataset' must be an object with a 'name'");
  if (auto read = readDatasetJson(j["dataset"], p.dataset); !read) return fail(read.message());

  if (j.contains("model")) {
    const json& m = j["model"];
    if (!m.is_object()) return fail("'model' must be an object");
    json probe = m;
    probe["inputs"] = 1;
    probe["outputs"] = 2;
    if (m.contains("hidden")) {
      if (!m["hidden"].is_array()) return fail("'model.hidden' must be an array");
      for (const auto& layer : m["hidden"]) {
        nn::LayerSpec ls;
        if (!layer.is_object() || !layer.contains("width") || !layer["width"].is_number_unsigned() ||
            layer["width"].get<std::uint64_t>() == 0 || layer["width"].get<std::uint64_t>() > 65536) {
          return fail("each hidden layer needs a 'width' between 1 and 65536");
        }
        ls.width = layer["width"].get<std::size_t>();
        if (layer.contains("activation") &&
            (!layer["activation"].is_string() ||
             !compute::parseActivation(layer["activation"].get<std::string>(), ls.activation))) {
          return fail("unknown activation " + layer["activation"].dump());
        }
        p.hidden.push_back(ls);
      }
    }
    if (m.contains("head")) {
      compute::Head h;
      if (!m["head"].is_string() || !compute::parseHead(m["head"].get<std::string>(), h))
        return fail("unknown head " + m["head"].dump());
      p.head = h;
    }
    if (m.contains("loss")) {
      compute::LossKind l;
      if (!m["loss"].is_string() || !compute::parseLoss(m["loss"].get<std::string>(), l))
        return fail("unknown loss " + m["loss"].dump());
      p.loss = l;
    }
  }

  if (j.contains("training")) {
    const json& t = j["training"];
    if (!t.is_object()) return fail("'training' must be an object");
    auto updated = p.hyperparams.update(t);
    if (!updated) return fail(updated.message());
    if (t.contains("epochs")) {
      if (!t["epochs"].is_number_unsigned() || t["epochs"].get<std::uint64_t>() == 0 ||
          t["epochs"].get<std::uint64_t>() > 1000000) {
        return fail("'training.epochs' must be an integer between 1 and 1000000");
      }
      p.epochs = t["epochs"].get<std::uint64_t>();
    }
    if (t.contains("seed")) {
      if (!t["seed"].is_number_unsigned()) return fail("'training.seed' must be a non-negative integer");
      p.seed = t["seed"].get<std::uint64_t>();
    }
    for (const char* key : {"stop_at_loss", "stop_at_accuracy"}) {
      if (!t.contains(key)) continue;
      if (!t[key].is_number() || t[key].get<double>() < 0.0 ||
          (std::string(key) == "stop_at_accuracy" && t[key].get<double>() > 1.0)) {
        return fail(std::string("'training.") + key + "' is out of range");
      }
      (std::string(key) == "stop_at_loss" ? p.stopAtLoss : p.stopAtAccuracy) = t[key].get<double>();
    }
  }
  if (j.contains("race")) {
    if (!j["race"].is_string()) return fail("'race' must be a string like \"sgd:0.1,adam:0.01\"");
    p.race = j["race"].get<std::string>();
    auto replicas = parseRace(*p.race, p.hyperparams, where + ": race");
    if (!replicas) return replicas.error();
  }
  p.dataset.synthetic.seed = p.seed;
  p.dataset.csv.seed = p.seed;
  return p;
}

core::Result<Preset> Preset::load(const std::string& nameOrPath) {
  std::string text;
  std::string where = nameOrPath;
  const std::filesystem::path path = nameOrPath;
  const bool looksLikePath = nameOrPath.find('/') != std::string::npos || path.extension() == ".json";
  if (looksLikePath) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::badInput("--preset " + nameOrPath + ": cannot open the file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  } else {
    const auto& presets = core::embeddedPresets();
    const auto found =
        std::find_if(presets.begin(), presets.end(), [&](const auto& f) { return f.name == nameOrPath; });
    if (found == presets.end()) {
      std::string known;
      for (const auto& n : presetNames()) known += (known.empty() ? "" : ", ") + n;
      return core::badInput("--preset: unknown preset '" + nameOrPath + "' (known: " + known + ")");
    }
    text = found->text;
    where = "preset " + nameOrPath;
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return core::badInput(where + ": not valid JSON");
  auto preset = fromJson(j, where);
  if (preset && preset->name.empty()) preset->name = path.stem().string();
  return preset;
}

}  // namespace nsb::train
