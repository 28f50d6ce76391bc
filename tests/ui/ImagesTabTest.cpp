// The Images tab driven by widget name on MNIST (issue 14, item 3): hovering a confusion cell shows
// its count, a click on it lists exactly the test images of that true and predicted class, each
// listed image's tooltip naming its test sample; the cells are found independently from the
// snapshot's predictions and the dataset's labels.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "data/DatasetCatalog.h"
#include "render/Image.h"
#include "ui/Editor.h"
#include "ui/ImageViews.h"

namespace nsb::ui {
namespace {

// The test sample a listed image's tooltip names ("test sample 123: predicted ..."), once the mouse
// is on it.
std::optional<std::size_t> hoveredSample(test::EditorDriver& d, const Rect& rect) {
  d.input().mouseMove(rect.center().x, rect.center().y);
  d.frames(2);
  const auto line = d.lineWith("test sample ");
  if (!line) return std::nullopt;
  return std::stoull(line->substr(line->find("test sample ") + 12));
}

// The text over the listed images (the header, wrapped where the panel is narrow), its lines joined.
std::string headerOver(const test::EditorDriver& d, const Rect& box) {
  std::string text;
  for (const auto& line : d.screen()) {
    if (line.rect.min.x >= box.min.x - 1.0f && line.rect.max.x <= box.max.x + 1.0f && line.rect.max.y <= box.min.y &&
        line.rect.min.y >= box.min.y - 100.0f) {
      text += (text.empty() ? "" : " ") + line.text;
    }
  }
  return text;
}

TEST(ImagesTab, AConfusionCellsClickListsExactlyItsTestImages) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  if (!data::loadDataset(data::DatasetRequest{.name = "mnist"}).ok()) {
    GTEST_SKIP() << "MNIST is not installed (third_party/install.sh)";
  }
  auto options = test::presetOptions("mnist-mlp", "cpu", 1280, 720);
  options.config.metricsEvery = 100;  // an evaluation (the test set's predictions) every two frames
  options.stepsPerFrame = 50;
  auto created = App::create(options);
  ASSERT_TRUE(created.ok()) << created.message();
  App& a = *created.value();
  test::EditorDriver d(a);
  a.editor().selectTab("Images");
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto s = d.latest();
        return s->predictions && s->predictions->step >= 200;
      },
      40))
      << d.screenText();
  // Paused, so that the predictions the test reads are the ones the tab shows.
  ASSERT_TRUE(d.click("play"));
  ASSERT_TRUE(d.framesUntil([&] { return !d.latest()->running; }, 20));
  d.frames(2);
  const auto snapshot = d.latest();
  const auto& predictions = *snapshot->predictions;
  const auto& dataset = *a.editor().images().dataset();
  ASSERT_EQ(predictions.classes.size(), dataset.test.count);

  // Every cell's test samples, in sample order, from the labels and the predictions.
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::size_t>> cells;
  for (std::size_t s = 0; s < dataset.test.count; ++s) {
    cells[{static_cast<std::size_t>(dataset.test.labels[s]), static_cast<std::size_t>(predictions.classes[s])}]
        .push_back(s);
  }
  // The off-diagonal cell with the fewest images, at least two: all of them fit in the list.
  std::pair<std::size_t, std::size_t> cell{0, 0};
  std::size_t fewest = ~std::size_t{0};
  for (const auto& [key, samples] : cells) {
    if (key.first != key.second && samples.size() >= 2 && samples.size() < fewest) {
      cell = key;
      fewest = samples.size();
    }
  }
  ASSERT_NE(cell.first, cell.second) << "no misclassified pair of classes after step " << predictions.step;
  const std::vector<std::size_t>& expected = cells[cell];
  const std::string truth = std::to_string(cell.first), guess = std::to_string(cell.second);
  const std::string count = std::to_string(expected.size());

  // Hovering the cell shows its count.
  const std::string name = "confusion-" + truth + "-" + guess;
  const auto rect = d.widget(name);
  ASSERT_TRUE(rect) << name << " is not on screen:\n" << d.screenText();
  d.input().mouseMove(rect->center().x, rect->center().y);
  d.frames(2);
  EXPECT_TRUE(d.shows("true " + truth + ", predicted " + guess + ": " + count + " samples")) << d.screenText();

  // A click lists them: the header names the cell and its count, each listed image's tooltip its sample.
  ASSERT_TRUE(d.click(name));
  d.frames(2);
  const auto box = d.widget("listed-images");
  ASSERT_TRUE(box);
  EXPECT_NE(headerOver(d, *box).find("true " + truth + ", predicted " + guess + ": " + count + " images"),
            std::string::npos)
      << d.screenText();
  // The button back to all misclassified images within the panel, not cut by its edge.
  const auto all = d.widget("all-misclassified");
  ASSERT_TRUE(all);
  EXPECT_LE(all->max.x, box->max.x + 0.5f) << "the button runs past the panel's edge";
  EXPECT_LE(all->max.y, box->min.y + 0.5f) << "the button is over the listed images";
  std::vector<std::size_t> listed;
  for (std::size_t k = 0;; ++k) {
    const auto image = d.widget("listed-" + std::to_string(k));
    if (!image) break;
    EXPECT_TRUE(image->min.x >= box->min.x && image->min.y >= box->min.y && image->max.x <= box->max.x &&
                image->max.y <= box->max.y)
        << "listed image " << k << " is outside its box";
    const auto sample = hoveredSample(d, *image);
    ASSERT_TRUE(sample) << "no tooltip on listed image " << k << ":\n" << d.screenText();
    listed.push_back(*sample);
  }
  EXPECT_EQ(listed, expected) << "true " << truth << ", predicted " << guess << " at step " << predictions.step;
  for (const auto& overlap : d.overlappingText()) ADD_FAILURE() << "text over text: " << overlap;
  EXPECT_EQ(d.latest()->predictions->step, predictions.step) << "training went on while paused";

  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    ASSERT_TRUE(a.frame(true));
    (void)render::writePng(std::string(dir) + "/mnist-images-tab-cell.png", a.captured().value());
  }

  // The off-diagonal cell with the most images, more than the list holds: the header says how many
  // are shown, and those are the cell's first.
  std::pair<std::size_t, std::size_t> big{0, 0};
  for (const auto& [key, samples] : cells) {
    if (key.first != key.second && (big.first == big.second || samples.size() > cells[big].size())) big = key;
  }
  const std::vector<std::size_t>& many = cells[big];
  ASSERT_GT(many.size(), ImageViews::MISCLASSIFIED_SHOWN)
      << "no cell larger than the list after step " << predictions.step;
  ASSERT_TRUE(d.click("confusion-" + std::to_string(big.first) + "-" + std::to_string(big.second)));
  d.frames(2);
  std::size_t shown = 0;
  while (d.widget("listed-" + std::to_string(shown))) ++shown;
  ASSERT_GE(shown, 2u);
  const std::string bigHeader = "true " + std::to_string(big.first) + ", predicted " + std::to_string(big.second) +
                                ": " + std::to_string(many.size()) + " images, first " + std::to_string(shown) +
                                " shown";
  EXPECT_NE(headerOver(d, *d.widget("listed-images")).find(bigHeader), std::string::npos)
      << bigHeader << " is not over the listed images:\n"
      << d.screenText();
  EXPECT_EQ(hoveredSample(d, *d.widget("listed-0")), many[0]);
  EXPECT_EQ(hoveredSample(d, *d.widget("listed-" + std::to_string(shown - 1))), many[shown - 1]);
  for (const auto& overlap : d.overlappingText()) ADD_FAILURE() << "text over text: " << overlap;
  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    ASSERT_TRUE(a.frame(true));
    (void)render::writePng(std::string(dir) + "/mnist-images-tab-many.png", a.captured().value());
  }
}

}  // namespace
}  // namespace nsb::ui
