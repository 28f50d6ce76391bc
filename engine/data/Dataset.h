#pragma once
// Dataset: a train and a test split held on the host, ready to upload to a backend once.
// Images stay u8 (pixel / 255 is applied on the backend by the gather op); everything else is f32.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nsb::data {

enum class Task { Classification, Regression };

struct Split {
  std::size_t count = 0;
  std::vector<std::uint8_t> pixels;  // [count, features] when Dataset::u8, else empty
  std::vector<float> values;         // [count, features] when !Dataset::u8, else empty
  std::vector<std::int32_t> labels;  // [count] class index (classification)
  std::vector<float> targets;        // [count, outputs] (regression)
  std::vector<float> points;         // [count, 2] raw (x1, x2) of 2D datasets, for plotting
};

// How the features were normalised before training; recorded in checkpoints so that evaluation
// applies the same transform. Images: value = pixel * scale. CSV: value = (raw - mean) / std.
struct Normalisation {
  float scale = 1.0f;               // applied by the backend to u8 data
  std::vector<float> mean, stddev;  // per feature; empty when not standardised
};

struct Dataset {
  std::string name;
  std::string source;  // where it came from (file, generator, package)
  Task task = Task::Classification;
  std::size_t features = 0;
  std::size_t classes = 0;                      // classification: number of classes
  std::size_t outputs = 1;                      // regression: target columns
  bool u8 = false;                              // features stored as u8 pixels
  std::size_t imageWidth = 0, imageHeight = 0;  // when the features are an image
  std::vector<std::string> featureNames;
  std::vector<std::string> classNames;  // a name per class where the data has them (Fashion-MNIST); else empty
  Normalisation normalisation;
  Split train, test;

  // Width of the network's output layer for this dataset (1 for binary classification).
  std::size_t outputWidth() const;
  // What the UI and reports show for class c: its name, else its number (MNIST's digits "0".."9").
  std::string className(std::size_t c) const;
};

}  // namespace nsb::data
