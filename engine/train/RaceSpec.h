#pragma once
// RaceSpec: the replicas of a race from one string, "adam:0.01:beta1=0.8:eps=1e-8,sgd:0.1:momentum=0.9":
// replicas separated by commas, each `optimizer:lr` with optional `:key=value` parts whose keys are the
// optimizer flags of `train` without their dashes. The replicas share everything else (batch,
// schedule, init, seed), taken from the run's hyperparameters.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/Result.h"
#include "train/Hyperparams.h"

namespace nsb::train {

constexpr std::size_t MIN_REPLICAS = 2, MAX_REPLICAS = 8;

// One replica, `optimizer:lr[:key=value...]`, over `base`, validated (also `train --branch`).
core::Result<Hyperparams> parseReplica(std::string_view text, const Hyperparams& base);

// Each replica is `base` with its optimizer, learning rate and values over it, validated. Errors are
// one line starting with `what` (the flag or preset field the spec came from).
core::Result<std::vector<Hyperparams>> parseRace(std::string_view spec, const Hyperparams& base,
                                                 const std::string& what = "--race");

// One replica, `optimizer:lr[:key=value...]` (the editor's Add replica field), over `base`, validated.
core::Result<Hyperparams> parseReplica(std::string_view text, const Hyperparams& base);
// "adam:0.01": a replica's optimizer and learning rate, as the spec names them.
std::string replicaLabel(const Hyperparams& h);

}  // namespace nsb::train
