// A first-layer neuron in Details: its weight image and, beside it, its spectrum, whose pixels are the
// colour map of log(1 + |DFT|) of the probe set's spectrum (the backend's SpectrumOp, mirrored and
// centred) within one colour step. The Images tab on Fashion-MNIST: the misclassified images with
// their predicted and true class names under them, and no text over text.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "data/DatasetCatalog.h"
#include "render/Colormap.h"
#include "render/Image.h"
#include "train/Session.h"
#include "ui/Editor.h"
#include "ui/ImageViews.h"

namespace nsb::ui {
namespace {

bool installed(const char* name) { return data::loadDataset(data::DatasetRequest{.name = name}).ok(); }

std::string overlaps(const test::EditorDriver& d) {
  std::string all;
  for (const auto& overlap : d.overlappingText()) all += "  " + overlap + "\n";
  return all;
}

TEST(ImageDetails, ANeuronsSpectrumBesideItsWeights) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  if (!installed("mnist")) GTEST_SKIP() << "MNIST is not installed (third_party/install.sh)";
  auto options = test::presetOptions("mnist-mlp", "cpu", 1280, 720);
  options.stepsPerFrame = 5;
  auto created = App::create(options);
  ASSERT_TRUE(created.ok()) << created.message();
  App& a = *created.value();
  test::EditorDriver d(a);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(a.frame());
  const auto tile = a.editor().network().neuronRect(1, 5);
  ASSERT_TRUE(tile);
  a.input().mouseMove(tile->center().x, tile->center().y);
  ASSERT_TRUE(a.frame());
  a.input().mouseButton(0, true);
  ASSERT_TRUE(a.frame());
  a.input().mouseButton(0, false);
  ASSERT_TRUE(d.framesUntil([&] { return a.editor().widgetRect("neuron-spectrum").has_value(); }, 20))
      << d.screenText();
  ASSERT_TRUE(a.frame(true));
  const auto image = a.captured();
  ASSERT_TRUE(image.ok()) << image.message();
  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    (void)render::writePng(std::string(dir) + "/mnist-details-spectrum.png", image.value());
  }
  EXPECT_TRUE(d.shows("Neuron 5 of layer 1")) << d.screenText();
  const std::string text = overlaps(d);
  EXPECT_TRUE(text.empty()) << "text over text:\n" << text;

  const auto weights = a.editor().widgetRect("neuron-weights");
  const auto spectrum = a.editor().widgetRect("neuron-spectrum");
  ASSERT_TRUE(weights && spectrum);
  EXPECT_GE(weights->width(), 100.0f) << "the weight image is not large";
  EXPECT_GE(spectrum->width(), 56.0f) << "the spectrum is too small to read";
  EXPECT_LE(weights->max.x, spectrum->min.x) << "the spectrum covers the weights";

  // The spectrum's pixels: log(1 + |F|) of neuron 5's half spectrum, mirrored and centred, on the
  // diverging map from its lowest to its highest value, nearest sampling.
  const auto& source = a.editor().images().weightsSource();
  ASSERT_TRUE(source);
  const std::size_t side = 28, half = side * (side / 2 + 1);
  ASSERT_EQ(source->spectrum.size(), 64 * half) << "no spectrum in the probe set";
  const auto full = ImageViews::fullSpectrum(source->spectrum.data() + 5 * half, side);
  const auto [low, high] = std::minmax_element(full.begin(), full.end());
  int worst = 0;
  std::size_t checked = 0;
  const Rect& r = *spectrum;
  for (int y = static_cast<int>(std::ceil(r.min.y)); y < static_cast<int>(r.max.y); ++y) {
    for (int x = static_cast<int>(std::ceil(r.min.x)); x < static_cast<int>(r.max.x); ++x) {
      const float u = (static_cast<float>(x) + 0.5f - r.min.x) / r.width() * side;
      const float v = (static_cast<float>(y) + 0.5f - r.min.y) / r.height() * side;
      if (std::fabs(u - std::round(u)) < 0.05f || std::fabs(v - std::round(v)) < 0.05f) continue;
      const float value = full[static_cast<std::size_t>(v) * side + static_cast<std::size_t>(u)];
      const auto expected = render::heatmapColor(value, *low, std::max(*high, *low + 1e-6f));
      const std::uint8_t* pixel = image.value().pixel(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
      for (int c = 0; c < 3; ++c) {
        worst =
            std::max(worst, std::abs(static_cast<int>(pixel[c]) - static_cast<int>(std::lround(expected[c] * 255.0f))));
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 2000u);
  EXPECT_LE(worst, 1) << "a spectrum pixel is more than one colour step from its value's colour";
}

TEST(ImageDetails, ImagesTabOnFashionMnistNamesEachMisclassifiedImage) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  if (!installed("fashion-mnist")) GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  auto options = test::presetOptions("fashion-mlp", "cpu", 1280, 720);
  options.config.metricsEvery = 20;  // the first evaluation (predictions) after two frames
  options.stepsPerFrame = 10;
  auto created = App::create(options);
  ASSERT_TRUE(created.ok()) << created.message();
  App& a = *created.value();
  test::EditorDriver d(a);
  a.editor().selectTab("Images");
  ASSERT_TRUE(d.framesUntil([&] { return d.shows("misclassified (predicted"); }, 40)) << d.screenText();
  ASSERT_TRUE(d.framesUntil([&] { return a.session().latest()->predictions != nullptr; }, 40));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(d.frame());
  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    ASSERT_TRUE(a.frame(true));
    (void)render::writePng(std::string(dir) + "/fashion-images-tab.png", a.captured().value());
  }
  const std::string text = overlaps(d);
  EXPECT_TRUE(text.empty()) << "text over text:\n" << text;

  // The first misclassified image's predicted and true class names (cut to the tile's width, at least
  // their first three letters), predicted above true.
  const auto snapshot = a.session().latest();
  const auto& dataset = *a.editor().images().dataset();
  const auto wrong = ImageViews::misclassified(dataset, *snapshot->predictions, 1);
  ASSERT_EQ(wrong.size(), 1u);
  const std::string guess = dataset.className(static_cast<std::size_t>(snapshot->predictions->classes[wrong[0]]));
  const std::string truth = dataset.className(static_cast<std::size_t>(dataset.test.labels[wrong[0]]));
  ASSERT_NE(guess, std::to_string(snapshot->predictions->classes[wrong[0]])) << "no class names on Fashion-MNIST";
  const auto header = d.widget("panel-images");
  ASSERT_TRUE(header);
  const auto items = d.textItems();
  auto starts = [&](const test::EditorDriver::TextItem& item, const std::string& name) {
    return item.text.size() >= 3 && name.rfind(item.text, 0) == 0 && item.rect.min.y > header->min.y;
  };
  bool found = false;
  for (const auto& p : items) {
    for (const auto& t : items) {
      found = found || (starts(p, guess) && starts(t, truth) && std::fabs(t.rect.min.x - p.rect.min.x) < 2.0f &&
                        t.rect.min.y > p.rect.max.y - 1.0f && t.rect.min.y < p.rect.max.y + ImGui::GetTextLineHeight());
    }
  }
  EXPECT_TRUE(found) << "no tile labelled \"" << guess << "\" over \"" << truth << "\" in the Images tab:\n"
                     << d.screenText();
}

}  // namespace
}  // namespace nsb::ui
