#include "train/RaceSpec.h"

#include <cmath>
#include <cstdlib>

#include "core/Format.h"

namespace nsb::train {
namespace {

struct Key {
  const char* name;
  float Hyperparams::*field;
};
// The optimizer flags of `train` without their dashes (weight_decay as presets spell it), and L1/L2.
constexpr Key KEYS[] = {{"momentum", &Hyperparams::momentum},
                        {"beta1", &Hyperparams::beta1},
                        {"beta2", &Hyperparams::beta2},
                        {"rho", &Hyperparams::rho},
                        {"eps", &Hyperparams::epsilon},
                        {"weight-decay", &Hyperparams::weightDecay},
                        {"weight_decay", &Hyperparams::weightDecay},
                        {"l1", &Hyperparams::l1},
                        {"l2", &Hyperparams::l2}};
constexpr const char* KEY_LIST = "momentum, beta1, beta2, rho, eps, weight-decay, l1, l2";

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

bool parseNumber(std::string_view text, float& out) {
  if (text.empty()) return false;
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return false;
  out = static_cast<float>(value);
  return true;
}

// "--lr: must be in (0, 10]" -> "lr: must be in (0, 10]": the replica's key, not a flag.
std::string withoutDashes(std::string message) {
  while (!message.empty() && message.front() == '-') message.erase(message.begin());
  return message;
}

}  // namespace

core::Result<Hyperparams> parseReplica(std::string_view text, const Hyperparams& base) {
  const auto parts = split(text, ':');
  if (parts.size() < 2 || parts[0].empty()) return core::badInput("expected optimizer:lr[:key=value...]");
  Hyperparams h = base;
  if (!compute::parseOptimizer(parts[0], h.optimizer)) {
    return core::badInput("unknown optimizer '" + std::string(parts[0]) +
                          "' (gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw)");
  }
  if (!parseNumber(parts[1], h.learningRate)) {
    return core::badInput("the learning rate '" + std::string(parts[1]) + "' is not a number");
  }
  std::vector<std::string_view> given;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const std::size_t equals = parts[i].find('=');
    if (equals == std::string_view::npos) {
      return core::badInput("expected key=value, got '" + std::string(parts[i]) + "'");
    }
    const std::string_view name = parts[i].substr(0, equals), value = parts[i].substr(equals + 1);
    const Key* key = nullptr;
    for (const Key& k : KEYS) {
      if (name == k.name) key = &k;
    }
    if (!key) return core::badInput("unknown key '" + std::string(name) + "' (" + KEY_LIST + ")");
    for (const std::string_view other : given) {
      if (other == name) return core::badInput(std::string(name) + " is given twice");
    }
    given.push_back(name);
    if (!parseNumber(value, h.*(key->field))) {
      return core::badInput(std::string(name) + ": '" + std::string(value) + "' is not a number");
    }
  }
  auto valid = h.validate();
  if (!valid) return core::badInput(withoutDashes(valid.message()));
  return h;
}

std::string replicaLabel(const Hyperparams& h) {
  return std::string(compute::optimizerName(h.optimizer)) + ":" + core::formatNumber(h.learningRate);
}

core::Result<std::vector<Hyperparams>> parseRace(std::string_view spec, const Hyperparams& base,
                                                 const std::string& what) {
  if (spec.empty()) return core::badInput(what + ": empty; give 2 to 8 replicas, e.g. \"sgd:0.1,adam:0.01\"");
  const auto texts = split(spec, ',');
  if (texts.size() < MIN_REPLICAS || texts.size() > MAX_REPLICAS) {
    std::string message = what + ": " + std::to_string(texts.size());
    message += texts.size() == 1 ? " replica" : " replicas";
    message += "; a race takes " + std::to_string(MIN_REPLICAS) + " to " + std::to_string(MAX_REPLICAS);
    return core::badInput(message);
  }
  std::vector<Hyperparams> replicas;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto replica = parseReplica(texts[i], base);
    if (!replica) {
      return core::badInput(what + ": replica " + std::to_string(i + 1) + " '" + std::string(texts[i]) +
                            "': " + replica.message());
    }
    replicas.push_back(replica.value());
  }
  // The replicas train on the same batches: gd's whole training set cannot sit beside minibatches.
  for (const Hyperparams& h : replicas) {
    const bool fullBatch = h.optimizer == compute::OptimizerKind::Gd || h.batchSize == 0;
    const bool firstFull = replicas[0].optimizer == compute::OptimizerKind::Gd || replicas[0].batchSize == 0;
    if (fullBatch != firstFull) {
      return core::badInput(what + ": gd trains on the whole training set and the other optimizers on batches of " +
                            std::to_string(base.batchSize) + "; the replicas of a race share their batches");
    }
  }
  return replicas;
}

}  // namespace nsb::train
