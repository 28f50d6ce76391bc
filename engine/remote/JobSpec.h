#pragma once
// JobSpec: what a client asks the server to train, parsed strictly from a request's JSON: its fields are
// `train`'s flags without the dashes ({"preset": "spiral", "hidden": [16, 16], "lr": 0.03, ...}), every
// one optional, every value checked for type and range here, before the server loads or allocates
// anything. Names only: a preset or dataset is one the server has built in or in its catalog, never a
// path, so that nothing a client sends touches the server's file system.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Result.h"

namespace nsb::remote {

// Limits of a request (an upload's body has its own, remote/Uploads.h), stated here and checked by every parser below.
constexpr std::size_t MAX_REQUEST_BYTES = 64 * 1024;
constexpr int MAX_JSON_DEPTH = 8;
constexpr std::size_t MAX_HIDDEN_LAYERS = 32;
constexpr std::size_t MAX_LAYER_WIDTH = 65536;

struct JobSpec {
  std::optional<std::string> preset, dataset, activation, loss, optimizer, schedule, init, features, backend;
  std::optional<std::vector<std::size_t>> hidden;
  std::optional<float> lr, l1, l2, momentum, beta1, beta2, rho, eps, weightDecay, noise, trainRatio;
  std::optional<std::uint64_t> seed, epochs;
  std::optional<std::size_t> batch, points;
  std::optional<double> stopAtLoss, stopAtAccuracy;
  std::optional<std::uint32_t> stepsPerSubmit, metricsEvery;
  // Set by the server, never read from a request: the file of an uploaded dataset (dataset is its id).
  std::optional<std::string> datasetPath;

  // The fields given, in the request's names (what the data folder keeps as the job's spec).
  nlohmann::json toJson() const;
};

// The body as JSON: at most `maxBytes` (MAX_REQUEST_BYTES but for an editor's commands), nesting at
// most MAX_JSON_DEPTH, one value. Errors read "request: what is wrong".
core::Result<nlohmann::json> parseRequestJson(std::string_view body, std::size_t maxBytes = MAX_REQUEST_BYTES);

// A job request (an object); errors name the field: "lr: must be a number".
core::Result<JobSpec> parseJobSpec(const nlohmann::json& request);

// A live hyperparameter edit: the keys of train::Hyperparams::toJson (lr, momentum, optimizer, ...),
// checked as Hyperparams::update checks them; returned as the object to apply over the job's current
// values. Errors name the field.
core::Result<nlohmann::json> parseHyperparamEdit(const nlohmann::json& request);

// Job ids are made by the server: JOB_ID_LENGTH lowercase hex digits. Anything else is no job.
constexpr std::size_t JOB_ID_LENGTH = 12;
bool isJobId(std::string_view id);

}  // namespace nsb::remote
