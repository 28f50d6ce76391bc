// Panel logic in a headless ImGui context (no renderer, no session): dragging the learning-rate
// slider sends SetHyperparams, an edit in the snapshot's events becomes a marker in the loss plot,
// Pause/Play send their commands, and clicking a neuron selects it.
#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>  // the tooltip window (ImGui 1.86)

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "HeadlessEditor.h"
#include "UiTestSupport.h"
#include "core/Log.h"
#include "data/Features.h"
#include "ui/Editor.h"
#include "ui/Plots.h"
#include "ui/PointSprites.h"

namespace nsb::ui {
namespace {

// The spiral preset's editor, with the session's dataset() answered by `served` and counted.
class EditorPanels : public test::HeadlessEditor {
 protected:
  void SetUp() override {
    HeadlessEditor::SetUp();
    makeEditor("spiral", [this](EditorConfig& config) {
      config.fetchDataset = [this] {
        ++fetches;
        return served;
      };
    });
  }

  train::VersionedDataset served;  // what the session's dataset() answers
  std::size_t fetches = 0;
};

// A control's tooltip shows above it after the hover delay, not over the next row's control (the
// Details panel's rows); a toolbar button's, with no room above, below it.
TEST_F(EditorPanels, ATooltipShowsAboveItsControlNotOverTheNextRow) {
  frame();
  ImGuiIO& io = ImGui::GetIO();
  const auto tooltipAfterHovering = [&](const Rect& rect) -> std::optional<Rect> {
    io.MousePos = rect.center();
    for (int i = 0; i < 45; ++i) frame();  // 0.75 s at 60 frames/s: past the 0.5 s delay
    const ImGuiWindow* tip = ImGui::FindWindowByName("##Tooltip_00");
    if (!tip || !tip->Active) return std::nullopt;
    return Rect{tip->Pos, ImVec2(tip->Pos.x + tip->Size.x, tip->Pos.y + tip->Size.y)};
  };
  const auto lr = editor->widgetRect("lr");
  ASSERT_TRUE(lr);
  const auto tip = tooltipAfterHovering(*lr);
  ASSERT_TRUE(tip) << "no tooltip over the learning rate";
  EXPECT_LE(tip->max.y, lr->min.y) << "the tooltip is not above its control";
  EXPECT_LE(tip->max.x, io.DisplaySize.x);
  const auto play = editor->widgetRect("play");
  ASSERT_TRUE(play);
  const auto below = tooltipAfterHovering(*play);
  ASSERT_TRUE(below) << "no tooltip over Play";
  EXPECT_GE(below->min.y, play->max.y);
}

TEST_F(EditorPanels, DraggingTheLearningRateSendsSetHyperparams) {
  frame();
  const auto rect = editor->widgetRect("lr");
  ASSERT_TRUE(rect) << "the learning-rate slider was not drawn";
  ImGuiIO& io = ImGui::GetIO();
  const ImVec2 centre = rect->center();
  io.MousePos = centre;
  frame();
  io.MouseDown[0] = true;
  frame();
  io.MousePos = ImVec2(centre.x + 40.0f, centre.y);
  frame();
  EXPECT_TRUE(sentOf<train::SetHyperparams>().empty()) << "nothing is sent while the slider is held";
  io.MouseDown[0] = false;
  frame();
  const auto edits = sentOf<train::SetHyperparams>();
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_GT(edits[0].hyperparams.learningRate, snapshot.hyperparams.learningRate);
  EXPECT_EQ(edits[0].hyperparams.optimizer, snapshot.hyperparams.optimizer) << "only the learning rate changes";
}

TEST(PlotColumns, AtMostTwoPointsPerColumnKeepingItsExtremesInOrder) {
  std::vector<ImVec2> line;
  for (int i = 0; i < 1000; ++i)
    line.emplace_back(10.0f + static_cast<float>(i) * 0.01f, std::sin(static_cast<float>(i) * 0.37f));
  const std::vector<ImVec2> out = columnExtremes(line);
  ASSERT_EQ(out.size(), 20u) << "10 columns (x 10 .. 19.99), two points each";
  for (int column = 10; column < 20; ++column) {
    float low = 1e9f, high = -1e9f;
    for (const ImVec2& p : line) {
      if (std::floor(p.x) == static_cast<float>(column)) low = std::min(low, p.y), high = std::max(high, p.y);
    }
    const ImVec2 a = out[static_cast<std::size_t>(column - 10) * 2],
                 b = out[static_cast<std::size_t>(column - 10) * 2 + 1];
    EXPECT_EQ(std::min(a.y, b.y), low) << "column " << column;
    EXPECT_EQ(std::max(a.y, b.y), high) << "column " << column;
    EXPECT_LT(a.x, b.x) << "in the line's order";
  }
  EXPECT_EQ(columnExtremes({ImVec2(1, 2), ImVec2(5, 3)}).size(), 2u) << "sparse lines are kept whole";
  EXPECT_EQ(columnExtremes({ImVec2(1, 2), ImVec2(1.5f, 2)}).size(), 1u);
  EXPECT_TRUE(columnExtremes({}).empty());
}

// A point is two quads (8 vertices, against about 100 for an anti-aliased circle and its outline)
// whose texels are a solid disc and a ring around it, with transparent corners.
TEST(PointSprites, APointIsADiscAndARingFromTheFontAtlas) {
  test::createHeadlessImGui();
  unsigned char* pixels = nullptr;
  int width = 0, height = 0;
  ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&pixels, &width, &height);
  ImGui::NewFrame();
  ImGui::Begin("points");
  ImDrawList* list = ImGui::GetWindowDrawList();
  const int before = list->VtxBuffer.Size;
  drawPoint(list, ImVec2(100.5f, 100.5f), IM_COL32(255, 0, 0, 255), IM_COL32(0, 0, 255, 255));
  ASSERT_EQ(list->VtxBuffer.Size - before, 8);
  // The alpha of the texel at (u, v), a fraction of the way across quad q.
  auto alphaAt = [&](int q, float u, float v) {
    const ImDrawVert& a = list->VtxBuffer[before + 4 * q];      // top left
    const ImDrawVert& b = list->VtxBuffer[before + 4 * q + 2];  // bottom right
    const int x = static_cast<int>((a.uv.x + u * (b.uv.x - a.uv.x)) * static_cast<float>(width));
    const int y = static_cast<int>((a.uv.y + v * (b.uv.y - a.uv.y)) * static_cast<float>(height));
    return pixels[4 * (y * width + x) + 3];
  };
  EXPECT_EQ(list->VtxBuffer[before].col, IM_COL32(255, 0, 0, 255));
  EXPECT_EQ(list->VtxBuffer[before + 4].col, IM_COL32(0, 0, 255, 255));
  EXPECT_EQ(alphaAt(0, 0.5f, 0.5f), 255) << "the disc's centre";
  EXPECT_EQ(alphaAt(0, 0.02f, 0.02f), 0) << "the disc's corner";
  EXPECT_EQ(alphaAt(1, 0.5f, 0.5f), 0) << "the ring's centre";
  EXPECT_GT(alphaAt(1, 0.5f, 0.15f), 200) << "the ring itself, 3.5 px above its centre";
  EXPECT_EQ(alphaAt(1, 0.02f, 0.02f), 0) << "the ring's corner";
  ImGui::End();
  ImGui::Render();
  ImGui::DestroyContext();
}

TEST_F(EditorPanels, ALongHistoryDrawsAsFewVerticesAsAShortOne) {
  auto verticesFor = [&](std::size_t points) {
    snapshot.history.clear();
    for (std::size_t i = 0; i < points; ++i) {
      train::MetricPoint m;
      m.step = i * 10;
      m.trainLoss = 1.0 / (1.0 + static_cast<double>(i) * 0.01) + 0.05 * std::sin(static_cast<double>(i));
      m.test.loss = m.trainLoss + 0.01, m.test.accuracy = 0.5, m.learningRate = 0.01;
      snapshot.history.push_back(m);
    }
    frame();
    return ImGui::GetDrawData()->TotalVtxCount;
  };
  const int few = verticesFor(2000), many = verticesFor(100000);
  EXPECT_LT(many, few * 3 / 2) << "100,000 metric points drew " << many << " vertices, 2,000 drew " << few;
}

TEST_F(EditorPanels, AnEditShowsUpAsAPlotMarker) {
  train::MetricPoint a, b;
  a.step = 30, a.trainLoss = 0.7, a.test.loss = 0.69, a.test.accuracy = 0.5, a.learningRate = 0.01;
  b.step = 60, b.trainLoss = 0.6, b.test.loss = 0.62, b.test.accuracy = 0.6, b.learningRate = 0.02;
  snapshot.history = {a, b};
  frame();
  EXPECT_EQ(editor->plots().lossMarkers(), 0u);
  snapshot.events.push_back({45, "learning_rate", "0.01", "0.02"});
  frame();
  EXPECT_EQ(editor->plots().lossMarkers(), 1u);
}

TEST_F(EditorPanels, TheBenchmarkTabKeepsEachBackendsSpeed) {
  snapshot.hyperparams.batchSize = 10;
  snapshot.running = true;
  const double cpuRates[] = {90.0, 100.0, 5000.0, 110.0, 100.0};  // one outlier: the median ignores it
  std::uint64_t step = 0;
  for (double rate : cpuRates) {
    snapshot.step = ++step;
    snapshot.stepsPerSecond = rate;
    frame();
    frame();  // the same snapshot twice counts once
  }
  snapshot.backend = "vulkan";
  snapshot.device = "llvmpipe";
  for (double rate : {40.0, 60.0, 50.0}) {
    snapshot.step = ++step;
    snapshot.stepsPerSecond = rate;
    frame();
  }
  snapshot.running = false;  // paused: nothing recorded
  snapshot.step = ++step;
  snapshot.stepsPerSecond = 1.0;
  frame();
  EXPECT_DOUBLE_EQ(editor->speeds().median("cpu"), 1000.0) << "median steps/s x batch";
  EXPECT_DOUBLE_EQ(editor->speeds().median("vulkan"), 500.0);
  EXPECT_DOUBLE_EQ(editor->speeds().median("cuda"), 0.0);
}

// The Log tab reads the logger's own ring of recent lines: an editor built while the session thread logs
// (App::openPreset) never adds or removes a sink, which raced with that thread's logging.
TEST_F(EditorPanels, TheLogTabReadsTheLoggersRingWithoutAddingASink) {
  const std::size_t sinks = core::log().sinks().size();
  Editor another(EditorConfig{});
  EXPECT_EQ(core::log().sinks().size(), sinks);
  core::log().warn("editor log test {}", 42);
  const auto lines = core::recentLogLines();
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("warning: editor log test 42"), std::string::npos) << lines.back();
}

TEST_F(EditorPanels, PerLayerChartsAndHistogramsOverTime) {
  train::MetricPoint a, b;
  a.step = 30, a.trainLoss = 0.7, a.gradientNorm = {0.1, 0.2, 0.3}, a.updateRatio = {1e-3, 2e-3, 3e-3};
  b.step = 60, b.trainLoss = 0.6, b.gradientNorm = {0.05, 0.1, 0.2}, b.updateRatio = {1e-3, 1e-3, 1e-3};
  snapshot.history = {a, b};
  frame();
  EXPECT_EQ(editor->plots().layerSeries(), 3u) << "one gradient-norm series per layer";
  auto points = std::make_shared<std::vector<train::HistogramPoint>>();
  for (std::uint64_t step = 1; step <= 30; ++step) {
    train::HistogramPoint p{step * 10, {}, {}};
    for (int l = 0; l < 3; ++l) {
      p.weights.push_back({-1.0f, 1.0f, std::vector<std::uint32_t>(32, 3)});
      p.gradients.push_back({-0.1f, 0.1f, std::vector<std::uint32_t>(32, 2)});
    }
    points->push_back(std::move(p));
  }
  snapshot.histograms = points;
  editor->selectTab("Histograms");
  frame();
  frame();
  EXPECT_EQ(editor->plots().histogramCurves(), 3u * 2u * Plots::CURVES_SHOWN) << "the newest points, per layer";
}

TEST_F(EditorPanels, PauseAndPlaySendTheirCommands) {
  frame();
  editor->setPlaying(false);
  EXPECT_FALSE(editor->playing());
  EXPECT_EQ(sentOf<train::Pause>().size(), 1u);
  editor->setPlaying(true);
  EXPECT_EQ(sentOf<train::Resume>().size(), 1u);
}

TEST_F(EditorPanels, ProbesCoverThePlaneForTwoDData) {
  const auto probes = editor->probeCommand();
  ASSERT_TRUE(probes);
  ASSERT_EQ(probes->inputs.size(), 2u);
  const std::size_t features = snapshot.spec.inputs;
  EXPECT_EQ(probes->inputs[0].size(), 64u * 64u * features);
  EXPECT_EQ(probes->inputs[1].size(), 256u * 256u * features);
  // The first cell is the top-left corner of the plane: x1 = -6, x2 = +6.
  EXPECT_FLOAT_EQ(probes->inputs[0][0], -6.0f);
  EXPECT_FLOAT_EQ(probes->inputs[0][1], 6.0f);
}

TEST_F(EditorPanels, OutlinerButtonsSendStructuralEdits) {
  frame();
  clickWidget("add-neuron-0");
  clickWidget("remove-neuron-1");
  clickWidget("remove-layer-0");
  clickWidget("add-layer");
  // Widths go out as targets, so that a click counts once whatever the session has applied.
  const auto widths = sentOf<train::SetLayerWidth>();
  ASSERT_EQ(widths.size(), 2u);
  EXPECT_EQ(widths[0].layer, 0u);
  EXPECT_EQ(widths[0].width, 17u);
  EXPECT_EQ(widths[1].layer, 1u);
  EXPECT_EQ(widths[1].width, 15u) << "one fewer";
  ASSERT_EQ(sentOf<train::RemoveLayer>().size(), 1u);
  ASSERT_EQ(sentOf<train::AddLayer>().size(), 1u);
  EXPECT_EQ(sentOf<train::AddLayer>()[0].index, 2u) << "after the last hidden layer";
}

TEST_F(EditorPanels, AFeatureCheckboxSendsTheFeaturesThenNewProbes) {
  frame();
  clickWidget("feature-x1^2");
  ASSERT_EQ(sent.size(), 2u);
  const auto* features = std::get_if<train::SetFeatures>(&sent[0]);
  ASSERT_NE(features, nullptr);
  EXPECT_EQ(features->features.toString(), "x1,x2,x1^2,sin-x1,sin-x2");
  const auto* probes = std::get_if<train::SetProbes>(&sent[1]);
  ASSERT_NE(probes, nullptr) << "the heatmap grids follow the new inputs";
  EXPECT_EQ(probes->inputs[0].size(), 64u * 64u * 5u);
}

// A snapshot that names a new dataset version makes the editor fetch the session's dataset, once per
// version: the Outliner's features are then those of the fetched data.
TEST_F(EditorPanels, ANewDatasetVersionIsFetchedOnceAndItsFeaturesShown) {
  frame();
  EXPECT_EQ(fetches, 0u) << "the same version as the data the editor started with";
  auto fewer = std::make_shared<data::Dataset>(*test::spiralOptions("cpu").dataset);
  data::applyFeatures(*fewer, data::FeatureSet::parse("x1,x2").value());
  served = {7, fewer};
  snapshot.datasetVersion = 7;
  snapshot.spec.inputs = 2;
  frame();
  frame();
  EXPECT_EQ(fetches, 1u);
  clickWidget("feature-x1^2");
  const auto edits = sentOf<train::SetFeatures>();
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].features.toString(), "x1,x2,x1^2") << "the features of the fetched data";
}

TEST_F(EditorPanels, NoiseAndRegenerateSendRegenerateData) {
  frame();
  clickWidget("outliner-dataset");
  ASSERT_EQ(editor->selection().kind, SelectionKind::Dataset);
  clickWidget("regenerate");
  const auto edits = sentOf<train::RegenerateData>();
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].seed, 2u) << "a new data seed";
  EXPECT_EQ(edits[0].noise, 0.0f);
}

TEST_F(EditorPanels, ClickingAWeightLetsTheUserTypeItsValue) {
  withParameters();
  frame();
  const WeightRef edge{1, 0, 0};  // hidden 1 neuron 0 -> hidden 2 neuron 0
  const auto middle = editor->network().edgeMiddle(edge);
  ASSERT_TRUE(middle);
  click(*middle);
  ASSERT_EQ(editor->selection().kind, SelectionKind::Weight);
  EXPECT_EQ(editor->selection().layer, 1u);
  EXPECT_EQ(editor->selection().from, 0u);
  EXPECT_EQ(editor->selection().neuron, 0u);
  clickWidget("param-value");
  ImGuiIO& io = ImGui::GetIO();
  io.AddInputCharactersUTF8("0.5");
  frame();
  tap(257);  // Enter
  const auto edits = sentOf<train::SetParameter>();
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].index, snapshot.spec.weightOffset(1));
  EXPECT_EQ(edits[0].value, 0.5f);
}

TEST_F(EditorPanels, FileMenuSavesAPresetThatLoadsBack) {
  const std::string path = ::testing::TempDir() + "/nsb_editor_preset.json";
  std::remove(path.c_str());
  snapshot.hyperparams.learningRate = 0.02f;
  frame();
  editor->beginFileAction(FileAction::SavePreset, path);
  frame();
  frame();  // the popup is sized in its first frame and placed in the second
  clickWidget("file-ok");
  auto preset = train::Preset::load(path);
  ASSERT_TRUE(preset.ok()) << preset.message();
  EXPECT_EQ(preset.value().name, "nsb_editor_preset");
  EXPECT_EQ(preset.value().dataset.name, "spiral");
  EXPECT_EQ(preset.value().dataset.features.toString(), "x1,x2,sin-x1,sin-x2");
  EXPECT_EQ(preset.value().dataset.synthetic.points, 600u);
  EXPECT_EQ(preset.value().hidden, snapshot.spec.hidden);
  EXPECT_EQ(preset.value().hyperparams, snapshot.hyperparams);
  EXPECT_NE(editor->notice().find("preset saved"), std::string::npos);
  std::remove(path.c_str());
}

TEST_F(EditorPanels, FileMenuCheckpointsGoToTheSession) {
  frame();
  editor->beginFileAction(FileAction::SaveCheckpoint, "/tmp/a.safetensors");
  frame();
  frame();
  clickWidget("file-ok");
  editor->beginFileAction(FileAction::LoadCheckpoint, "/tmp/b.safetensors");
  frame();
  frame();
  clickWidget("file-ok");
  ASSERT_EQ(sentOf<train::SaveCheckpoint>().size(), 1u);
  EXPECT_EQ(sentOf<train::SaveCheckpoint>()[0].path, "/tmp/a.safetensors");
  ASSERT_EQ(sentOf<train::LoadCheckpoint>().size(), 1u);
  EXPECT_EQ(sentOf<train::LoadCheckpoint>()[0].path, "/tmp/b.safetensors");
}

// Each click on "+" sends the width it asks for, counted from what is already pending, so three fast
// clicks before the session has applied any of them ask for exactly three more neurons.
TEST_F(EditorPanels, ThreeClicksOnPlusAskForThreeMoreNeurons) {
  frame();
  for (int i = 0; i < 3; ++i) clickWidget("add-neuron-0");
  auto widths = sentOf<train::SetLayerWidth>();
  ASSERT_EQ(widths.size(), 3u);
  EXPECT_EQ(widths[0].width, 17u);
  EXPECT_EQ(widths[1].width, 18u);
  EXPECT_EQ(widths[2].width, 19u);
  // Applied: the snapshot has the width, and a fourth click goes on from it.
  snapshot.spec.hidden[0].width = 19;
  snapshot.appliedSequence = sent.size();
  frame();
  clickWidget("add-neuron-0");
  widths = sentOf<train::SetLayerWidth>();
  ASSERT_EQ(widths.size(), 4u);
  EXPECT_EQ(widths[3].width, 20u);
}

// An edit stays on screen until the session has applied it, however long that takes: the next edit
// (of another value) carries the pending learning rate, not the snapshot's old one.
TEST_F(EditorPanels, AnEditedValueNeverFlipsBackWhilePending) {
  frame();
  auto drag = [&](const char* name) {
    const auto rect = editor->widgetRect(name);
    ASSERT_TRUE(rect) << name;
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(rect->min.x + 0.5f * rect->width(), rect->center().y);
    frame();
    io.MouseDown[0] = true;
    frame();
    io.MousePos.x += 20.0f;
    frame();
    io.MouseDown[0] = false;
    frame();
  };
  drag("lr");
  for (int i = 0; i < 300; ++i) frame();  // 10 s at 30 frames/s: the session is slow
  drag("l2");
  const auto edits = sentOf<train::SetHyperparams>();
  ASSERT_EQ(edits.size(), 2u);
  EXPECT_NE(edits[0].hyperparams.learningRate, snapshot.hyperparams.learningRate);
  EXPECT_EQ(edits[1].hyperparams.learningRate, edits[0].hyperparams.learningRate)
      << "the learning rate flipped back to the snapshot's";
  EXPECT_NE(edits[1].hyperparams.l2, snapshot.hyperparams.l2);
}

// A divergence pauses the editor, and its banner offers a lower rate.
TEST_F(EditorPanels, ADivergenceBannerOffersALowerRate) {
  snapshot.running = false;
  snapshot.divergence = train::Divergence{120, 96, "the training loss became nan", 1};
  frame();
  EXPECT_FALSE(editor->playing());
  frame();
  clickWidget("divergence-lower");
  const auto edits = sentOf<train::SetHyperparams>();
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_FLOAT_EQ(edits[0].hyperparams.learningRate, snapshot.hyperparams.learningRate * 0.1f);
  EXPECT_EQ(sentOf<train::Resume>().size(), 1u);
  EXPECT_TRUE(editor->playing());
}

TEST(EditorSpeed, SnapsToTheListedSpeeds) {
  EXPECT_EQ(snapSpeed(0.0), 0.0) << "max";
  EXPECT_EQ(snapSpeed(30.0), 30.0);
  EXPECT_EQ(snapSpeed(5 * 30.0), 100.0);
  EXPECT_EQ(snapSpeed(45.0), 30.0) << "nearer 30 than 100 on a log scale";
  EXPECT_EQ(snapSpeed(60.0), 100.0) << "nearer 100 than 30 on a log scale";
  EXPECT_EQ(snapSpeed(0.2), 0.5);
  EXPECT_EQ(snapSpeed(3000.0), 0.0) << "past 1000: max";
  EXPECT_EQ(snapSpeed(1200.0), 1000.0);
}

}  // namespace
}  // namespace nsb::ui
