#pragma once
// Helpers for the training tests: presets loaded with their datasets, on a chosen backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "data/DatasetCatalog.h"
#include "train/Preset.h"
#include "train/Trainer.h"

namespace nsb::train::testing {

struct Loaded {
  TrainerConfig config;
  std::shared_ptr<const data::Dataset> dataset;
  std::uint64_t epochs = 1;
};

inline Loaded loadPreset(const std::string& name, const std::string& backend = "cpu", const std::string& dataset = "") {
  auto preset = Preset::load(name);
  EXPECT_TRUE(preset.ok()) << (preset.ok() ? "" : preset.message());
  Loaded l;
  data::DatasetRequest request = preset->dataset;
  if (!dataset.empty()) request.name = dataset;
  auto d = data::loadDataset(request);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.message());
  l.dataset = std::make_shared<const data::Dataset>(std::move(d.value()));
  auto spec = preset->modelFor(*l.dataset);
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.message());
  l.config.backend = backend;
  l.config.spec = spec.value();
  l.config.hyperparams = preset->hyperparams;
  l.config.seed = preset->seed;
  l.epochs = preset->epochs;
  if (l.config.hyperparams.schedule == Schedule::Cosine) {
    const std::size_t batch = std::min(l.config.hyperparams.batchSize, l.dataset->train.count);
    l.config.hyperparams.totalSteps = static_cast<int>(l.epochs * (l.dataset->train.count / batch));
  }
  return l;
}

inline std::unique_ptr<Trainer> makeTrainer(const Loaded& l) {
  auto t = Trainer::create(l.config, l.dataset);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.message());
  return t.ok() ? std::move(t.value()) : nullptr;
}

}  // namespace nsb::train::testing
