// The image Viewport (mnist-mlp): the top activating test images of a neuron against an independent
// forward pass; rendered frames at 1280x720 and 1920x1080 with no text over text, the layer titles
// on screen, and every first-layer tile's pixels equal to the colour map of the weights it was drawn
// from (nearest sampling, within one colour step); clicking a tile lists its top images in Details.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "data/DatasetCatalog.h"
#include "render/Colormap.h"
#include "render/HeatmapView.h"
#include "render/Image.h"
#include "train/Session.h"
#include "ui/Editor.h"
#include "ui/ImageNetworkView.h"
#include "ui/ImageViews.h"

namespace nsb::ui {
namespace {

std::shared_ptr<const data::Dataset> mnist() {
  auto loaded = data::loadDataset(data::DatasetRequest{.name = "mnist"});
  if (!loaded.ok()) return nullptr;
  return std::make_shared<const data::Dataset>(std::move(loaded.value()));
}

// Post-activation values of neuron `neuron` of layer `layer` over the test set, in double, the plain
// way: every layer in full, weights as stored ([out, in]).
std::vector<double> neuronValues(const data::Dataset& d, const nn::ModelSpec& spec, const std::vector<float>& p,
                                 std::size_t layer, std::size_t neuron) {
  std::vector<double> values(d.test.count);
  for (std::size_t s = 0; s < d.test.count; ++s) {
    std::vector<double> x(spec.inputs);
    for (std::size_t i = 0; i < spec.inputs; ++i)
      x[i] = d.test.pixels[s * spec.inputs + i] * double(d.normalisation.scale);
    for (std::size_t l = 0; l <= layer; ++l) {
      const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l);
      const bool only = l == layer && l + 1 < spec.layerCount();
      std::vector<double> y(out, 0.0);
      for (std::size_t k = only ? neuron : 0; k < (only ? neuron + 1 : out); ++k) {
        double sum = p[spec.biasOffset(l) + k];
        for (std::size_t j = 0; j < in; ++j) sum += double(p[spec.weightOffset(l) + k * in + j]) * x[j];
        y[k] = l + 1 < spec.layerCount() ? std::max(sum, 0.0) : sum;  // ReLU hidden layers
      }
      x = std::move(y);
    }
    if (layer + 1 == spec.layerCount()) {  // the softmax head
      const double top = *std::max_element(x.begin(), x.end());
      double sum = 0.0;
      for (double v : x) sum += std::exp(v - top);
      values[s] = std::exp(x[neuron] - top) / sum;
    } else {
      values[s] = x[neuron];
    }
  }
  return values;
}

TEST(ImageNetworkView, TopActivationsAreTheSixteenLargestOverTheTestSet) {
  const auto d = mnist();
  if (!d) GTEST_SKIP() << "MNIST is not installed (third_party/install.sh)";
  nn::ModelSpec spec{.inputs = 784, .hidden = {{64}, {64}}, .outputs = 10};
  std::vector<float> p(spec.parameterCount());
  std::uint64_t state = 12345;
  for (float& v : p) {  // uniform in [-0.1, 0.1]: distinct activations, some dead (exact zeros: ties)
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    v = (static_cast<float>(state >> 40) / static_cast<float>(1ull << 24) - 0.5f) * 0.2f;
  }
  for (const auto& [layer, neuron] : {std::pair<std::size_t, std::size_t>{0, 5}, {1, 7}, {2, 3}}) {
    SCOPED_TRACE("layer " + std::to_string(layer) + ", neuron " + std::to_string(neuron));
    // Wall and CPU time (the second is the fairer figure on a loaded machine).
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpuStart = std::clock();
    const auto top = ImageViews::topActivations(*d, spec, p, layer, neuron, 16);
    const double cpu = 1000.0 * static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("top-16 of layer %zu over %zu test images: %.1f ms (%.1f ms CPU)\n", layer, d->test.count, ms, cpu);
    const auto values = neuronValues(*d, spec, p, layer, neuron);
    std::vector<std::size_t> order(values.size());
    for (std::size_t s = 0; s < order.size(); ++s) order[s] = s;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
    ASSERT_EQ(top.size(), 16u);
    for (std::size_t i = 0; i < 16; ++i) {
      EXPECT_EQ(top[i].first, order[i]) << "place " << i;
      EXPECT_NEAR(top[i].second, values[order[i]], 1e-4 * (1.0 + std::fabs(values[order[i]]))) << "place " << i;
    }
  }
}

// The mnist-mlp Viewport at one size: no text over text, the titles shown, the tiles' pixels.
void expectImageViewport(std::uint32_t width, std::uint32_t height) {
  SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
  auto options = test::presetOptions("mnist-mlp", "cpu", width, height);
  options.stepsPerFrame = 5;
  auto created = App::create(options);
  ASSERT_TRUE(created.ok()) << created.message();
  App& a = *created.value();
  test::EditorDriver d(a);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(a.frame());
  ASSERT_TRUE(a.editor().network().showsImages());
  ASSERT_TRUE(a.frame(true));
  const auto image = a.captured();
  ASSERT_TRUE(image.ok()) << image.message();
  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    (void)render::writePng(std::string(dir) + "/mnist-viewport-" + std::to_string(width) + ".png", image.value());
  }
  std::string all;
  for (const auto& overlap : d.overlappingText()) all += "  " + overlap + "\n";
  EXPECT_TRUE(all.empty()) << "text over text:\n" << all;
  const auto items = d.textItems();
  // Each layer's title, in full or short where its column is narrow.
  for (const auto& [title, shorter] :
       {std::pair{"Hidden 1 (64)", "H1 64"}, {"Hidden 2 (64)", "H2 (64)"}, {"Output", "Out"}, {"Input", "In"}}) {
    EXPECT_TRUE(std::any_of(
        items.begin(), items.end(),
        [&](const auto& item) { return item.text.find(title) != std::string::npos || item.text == shorter; }))
        << "no title \"" << title << "\" on screen";
  }
  for (const char* digit : {"0", "9"}) {
    EXPECT_TRUE(std::any_of(items.begin(), items.end(), [&](const auto& item) { return item.text == digit; }))
        << "no output label " << digit;
  }

  // Every first-layer tile: each pixel is the colour of the weight nearest sampling puts under its
  // centre, on the diverging map scaled by the tile's largest |w|.
  const auto& source = a.editor().images().weightsSource();
  ASSERT_TRUE(source);
  const nn::ModelSpec spec = a.session().latest()->spec;
  const std::size_t side = 28, cells = side * side;
  int worst = 0;
  std::size_t checked = 0;
  for (std::size_t j = 0; j < spec.layerOutputs(0); ++j) {
    const auto rect = a.editor().network().neuronRect(1, j);
    ASSERT_TRUE(rect) << "tile " << j;
    ASSERT_GE(rect->width(), 20.0f) << "tile " << j << " is too small to read";
    const float* w = source->parameters.data() + spec.weightOffset(0) + j * cells;
    float largest = 0.0f;
    for (std::size_t i = 0; i < cells; ++i) largest = std::max(largest, std::fabs(w[i]));
    // Inside the tile's 1-pixel outline.
    for (int y = static_cast<int>(std::ceil(rect->min.y)) + 1; y < static_cast<int>(rect->max.y) - 1; ++y) {
      for (int x = static_cast<int>(std::ceil(rect->min.x)) + 1; x < static_cast<int>(rect->max.x) - 1; ++x) {
        const float u = (static_cast<float>(x) + 0.5f - rect->min.x) / rect->width() * side;
        const float v = (static_cast<float>(y) + 0.5f - rect->min.y) / rect->height() * side;
        // Pixel centres on a texel border could go either way.
        if (std::fabs(u - std::round(u)) < 0.05f || std::fabs(v - std::round(v)) < 0.05f) continue;
        const auto texel = static_cast<std::size_t>(v) * side + static_cast<std::size_t>(u);
        const auto expected = render::heatmapColor(w[texel], -largest, largest);
        const std::uint8_t* pixel = image.value().pixel(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
        for (int c = 0; c < 3; ++c) {
          const int difference =
              std::abs(static_cast<int>(pixel[c]) - static_cast<int>(std::lround(expected[c] * 255.0f)));
          worst = std::max(worst, difference);
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 64u * 100u);
  EXPECT_LE(worst, 1) << "a tile's pixel is more than one colour step from its weight's colour";

  // A click on tile 5 lists its top images in Details.
  const Rect tile = *a.editor().network().neuronRect(1, 5);
  a.input().mouseMove(tile.center().x, tile.center().y);
  ASSERT_TRUE(a.frame());
  a.input().mouseButton(0, true);
  ASSERT_TRUE(a.frame());
  a.input().mouseButton(0, false);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(d.frame());
  EXPECT_TRUE(d.shows("Neuron 5 of layer 1")) << d.screenText();
  EXPECT_TRUE(d.shows("Top 16 test images")) << d.screenText();
  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    ASSERT_TRUE(a.frame(true));
    (void)render::writePng(std::string(dir) + "/mnist-neuron-" + std::to_string(width) + ".png", a.captured().value());
  }
}

TEST(ImageNetworkView, MnistViewportAt1280x720And1920x1080) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  if (!mnist()) GTEST_SKIP() << "MNIST is not installed (third_party/install.sh)";
  expectImageViewport(1280, 720);
  expectImageViewport(1920, 1080);
}

}  // namespace
}  // namespace nsb::ui
