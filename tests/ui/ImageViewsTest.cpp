// Image-data views: the spectrum's mirroring and centring, the confusion matrix, and MNIST in the
// editor on Vulkan: the weight spectra from the backend's SpectrumOp against a host DFT, the chosen
// sample's activations, the confusion matrix over the whole test set.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <numeric>

#include "UiTestSupport.h"
#include "render/HeatmapView.h"
#include "train/Session.h"
#include "ui/Editor.h"
#include "ui/ImageViews.h"

namespace nsb::ui {
namespace {

// |DFT| of a side x side image at (u, v), on the host in double.
double dft(const float* image, std::size_t side, std::size_t u, std::size_t v) {
  std::complex<double> sum = 0.0;
  for (std::size_t r = 0; r < side; ++r) {
    for (std::size_t c = 0; c < side; ++c) {
      const double phase = -2.0 * std::numbers::pi * (double(u * r) + double(v * c)) / double(side);
      sum += double(image[r * side + c]) * std::complex<double>(std::cos(phase), std::sin(phase));
    }
  }
  return std::abs(sum);
}

TEST(ImageViews, FullSpectrumMirrorsTheHalfAndCentresTheDcTerm) {
  constexpr std::size_t side = 6, columns = side / 2 + 1;
  std::vector<float> image(side * side);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>((i * 7) % 5) - 1.0f;
  std::vector<float> half(side * columns);
  for (std::size_t u = 0; u < side; ++u) {
    for (std::size_t v = 0; v < columns; ++v) half[u * columns + v] = static_cast<float>(dft(image.data(), side, u, v));
  }
  const auto full = ImageViews::fullSpectrum(half.data(), side);
  for (std::size_t u = 0; u < side; ++u) {
    for (std::size_t v = 0; v < side; ++v) {
      const double expected = std::log1p(dft(image.data(), side, u, v));
      EXPECT_NEAR(full[((u + side / 2) % side) * side + (v + side / 2) % side], expected, 1e-4) << u << "," << v;
    }
  }
}

TEST(ImageViews, ConfusionMatrixAndMisclassified) {
  data::Dataset d;
  d.classes = 3;
  d.test.count = 5;
  d.test.labels = {0, 1, 2, 2, 1};
  train::TestPredictions p{10, {0, 2, 2, 1, 1}};
  const auto m = ImageViews::confusion(d, p);
  EXPECT_EQ(m, (std::vector<std::size_t>{1, 0, 0, 0, 1, 1, 0, 1, 1}));
  EXPECT_EQ(ImageViews::misclassified(d, p, 10), (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(ImageViews::misclassified(d, p, 1), (std::vector<std::size_t>{1}));
  EXPECT_EQ(ImageViews::cellSamples(d, p, 2, 2, 10), (std::vector<std::size_t>{2}));
  EXPECT_EQ(ImageViews::cellSamples(d, p, 1, 1, 10), (std::vector<std::size_t>{4}));
  EXPECT_EQ(ImageViews::cellSamples(d, p, 0, 1, 10), (std::vector<std::size_t>{}));
}

TEST(ImageViews, MnistInTheEditorOnVulkan) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  auto preset = train::Preset::load("mnist-mlp");
  ASSERT_TRUE(preset.ok());
  if (!data::loadDataset(preset.value().dataset).ok())
    GTEST_SKIP() << "MNIST is not installed (third_party/install.sh)";
  auto options = test::presetOptions("mnist-mlp", "vulkan", 1280, 720);
  options.config.metricsEvery = 20;
  options.stepsPerFrame = 10;
  options.validation = true;
  const std::uint32_t before = gpu::VulkanContext::validationMessages();
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  ASSERT_TRUE(a.editor().images().active());
  a.session().submit(a.editor().images().setSample(3));
  a.editor().selectTab("Images");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(a.frame(i == 3));
  const auto snapshot = a.session().latest();
  ASSERT_TRUE(snapshot->probes);
  const auto& set = *snapshot->probes;
  const std::size_t width0 = snapshot->spec.layerOutputs(0), side = 28, columns = side / 2 + 1;
  ASSERT_EQ(set.spectrum.size(), width0 * side * columns) << "the spectrum probe ran on the backend";
  // Neuron 5's spectrum against a host DFT of its weights, at a few frequencies.
  const float* weights = set.parameters.data() + snapshot->spec.weightOffset(0) + 5 * side * side;
  for (const auto& [u, v] : {std::pair<std::size_t, std::size_t>{0, 0}, {1, 2}, {7, 3}, {27, 14}, {13, 9}}) {
    const double expected = dft(weights, side, u, v);
    EXPECT_NEAR(set.spectrum[5 * side * columns + u * columns + v], expected, 1e-3 * (1.0 + expected)) << u << "," << v;
  }
  // The sample's activations through every layer; the output is a probability distribution.
  ASSERT_EQ(set.probes.size(), 1u);
  ASSERT_EQ(set.probes[0].rows, 1u);
  ASSERT_EQ(set.probes[0].layers.size(), snapshot->spec.layerCount());
  const auto& out = set.probes[0].layers.back();
  EXPECT_NEAR(std::accumulate(out.begin(), out.end(), 0.0), 1.0, 1e-4);
  // The confusion matrix covers the whole test set.
  ASSERT_TRUE(snapshot->predictions);
  const auto dataset = a.session().dataset();
  ASSERT_EQ(dataset.version, snapshot->datasetVersion);
  const auto matrix = ImageViews::confusion(*dataset.dataset, *snapshot->predictions);
  EXPECT_EQ(std::accumulate(matrix.begin(), matrix.end(), std::size_t{0}), dataset.dataset->test.count);
  const auto image = a.captured();
  ASSERT_TRUE(image.ok());
  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    ASSERT_TRUE(render::writePng(std::string(dir) + "/mnist.png", image.value()).ok());
  }
  app.value().reset();
  EXPECT_EQ(gpu::VulkanContext::validationMessages(), before) << "validation messages (see the log above)";
}

}  // namespace
}  // namespace nsb::ui
