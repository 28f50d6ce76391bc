// RacePanel: a race in the editor (train/RaceSession.h). The Race tab ranks the replicas (loss,
// accuracy, steps to a target; at a kept step shown from the timeline, as they were there), draws their
// curves in their colours over the faded curves of earlier runs (RaceCurves), and adds, removes and
// edits replicas; the Viewport's picker chooses the replica the views show, or the difference of two.
// Every change is a Command to the session.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "train/RaceSpec.h"
#include "ui/Editor.h"
#include "ui/RaceRanking.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

namespace {

std::string number(double value, const char* format = "%.4g") {
  if (!std::isfinite(value)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// A coloured square the height of a line of text: the replica's colour beside its name.
void swatch(ImU32 colour) {
  const float h = ImGui::GetTextLineHeight();
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(at.x, at.y + 2), ImVec2(at.x + h - 4, at.y + h - 2), colour, 2.0f);
  ImGui::Dummy(ImVec2(h - 2, h));
}

// Numbered by the replica's id, as its colour is: removing replica 2 leaves 1 and 3, not a new 2.
std::string replicaText(const train::ReplicaState& r) {
  return std::to_string(r.id + 1) + " " + train::replicaLabel(r.hyperparams);
}

}  // namespace

void Editor::drawReplicaPicker(const train::Snapshot& snapshot) {
  const train::RaceState& race = *snapshot.race;
  if (race.shown >= race.replicas.size()) return;
  ImGui::AlignTextToFramePadding();
  swatch(replicaColour(race.replicas[race.shown].id));
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160.0f * mScale);
  if (ImGui::BeginCombo("##show-replica", replicaText(race.replicas[race.shown]).c_str())) {
    for (std::size_t i = 0; i < race.replicas.size(); ++i) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(replicaColour(race.replicas[i].id)));
      const std::string label = replicaText(race.replicas[i]) + "##show-" + std::to_string(i);
      if (ImGui::Selectable(label.c_str(), i == race.shown)) {
        send(train::ShowReplica{i, race.minus && *race.minus != i ? race.minus : std::nullopt});
      }
      ImGui::PopStyleColor();
      rememberWidget("show-replica-" + std::to_string(i + 1));
    }
    ImGui::EndCombo();
  }
  rememberWidget("show-replica");
  tooltip("The replica the network view, the weights, the plots and Details show (and edit).");
  ImGui::SameLine();
  ImGui::TextUnformatted("minus");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160.0f * mScale);
  const std::string minusText =
      race.minus && *race.minus < race.replicas.size() ? replicaText(race.replicas[*race.minus]) : std::string("none");
  if (ImGui::BeginCombo("##minus-replica", minusText.c_str())) {
    if (ImGui::Selectable("none##minus", !race.minus)) send(train::ShowReplica{race.shown, std::nullopt});
    rememberWidget("minus-replica-none");
    for (std::size_t i = 0; i < race.replicas.size(); ++i) {
      if (i == race.shown) continue;
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(replicaColour(race.replicas[i].id)));
      const std::string label = replicaText(race.replicas[i]) + "##minus-" + std::to_string(i);
      if (ImGui::Selectable(label.c_str(), race.minus == i)) send(train::ShowReplica{race.shown, i});
      ImGui::PopStyleColor();
      rememberWidget("minus-replica-" + std::to_string(i + 1));
    }
    ImGui::EndCombo();
  }
  rememberWidget("minus-replica");
  tooltip("Show the difference of two replicas: the shown one's weights and activations minus this one's.");
}

void Editor::drawRace(const train::Snapshot& snapshot) {
  const train::RaceState& whole = *snapshot.race;
  // A kept step shown (the timeline): the table ranks the replicas as they were there; the curves stay whole.
  train::RaceState viewed;
  const bool viewing = snapshot.timeline && snapshot.timeline->viewed;
  if (viewing) {
    viewed = whole;
    for (auto& r : viewed.replicas)
      std::erase_if(r.history, [&](const train::MetricPoint& p) { return p.step > *snapshot.timeline->viewed; });
  }
  const train::RaceState& race = viewing ? viewed : whole;
  bool classification = false, measured = false;
  for (const auto& r : race.replicas) {
    measured = measured || !r.history.empty();
    for (const auto& p : r.history) classification = classification || std::isfinite(p.test.accuracy);
  }
  // The target's kind is known with the first metric point (accuracy, else loss).
  if (!std::isfinite(mRaceTarget) && measured) mRaceTarget = classification ? 0.9f : 0.1f;

  // The replica field: its spec adds a replica (from the shown one's weights) or sets the shown one.
  ImGui::SetNextItemWidth(220.0f * mScale);
  ImGui::InputTextWithHint("##replica-spec", "optimizer:lr[:key=value]", mReplicaSpec.data(), mReplicaSpec.size());
  rememberWidget("replica-spec");
  tooltip(
      "A replica as --race takes it: adam:0.01:beta1=0.8 (keys momentum, beta1, beta2, rho, eps, "
      "weight-decay, l1, l2).");
  const train::Hyperparams& shownHyper = race.replicas[std::min(race.shown, race.replicas.size() - 1)].hyperparams;
  auto parsed = [&]() -> std::optional<train::Hyperparams> {
    auto h = train::parseReplica(mReplicaSpec.data(), shownHyper);
    if (!h) {
      warn("replica '" + std::string(mReplicaSpec.data()) + "': " + h.message());
      return std::nullopt;
    }
    return h.value();
  };
  ImGui::SameLine();
  const bool full = race.replicas.size() >= train::MAX_REPLICAS;
  ImGui::BeginDisabled(full);
  if (pressButton("Add replica")) {
    if (auto h = parsed()) send(train::AddReplica{*h, race.shown});
  }
  ImGui::EndDisabled();
  rememberWidget("add-replica");
  tooltip("A new replica with these settings, starting from the shown replica's weights now.");
  ImGui::SameLine();
  if (pressButton("Set shown")) {
    if (auto h = parsed()) send(train::SetReplica{race.shown, *h});
  }
  rememberWidget("set-replica");
  tooltip("Give the shown replica these settings (Details edits it too).");
  if (std::isfinite(mRaceTarget)) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(80.0f * mScale);
    ImGui::InputFloat(classification ? "target accuracy##race" : "target loss##race", &mRaceTarget, 0.0f, 0.0f, "%.3g");
    rememberWidget("race-target");
  }

  // The table's cells as text first: the table is as wide as its widest cells need (at UI scale 1.5 a
  // fixed share of the panel cut its last columns), the charts take the rest.
  struct Row {
    std::size_t replica = 0;
    std::array<std::string, 5> cells;  // replica, train loss, test loss, accuracy or test MSE, steps to target
  };
  static constexpr const char* HEADERS[] = {"rank",      "replica",  "train loss",
                                            "test loss", "accuracy", "steps to target"};
  const char* scoreHeader = classification ? "accuracy" : "test mse";
  const auto order = rankReplicas(race);
  std::vector<Row> rows;
  for (const std::size_t i : order) {
    const train::ReplicaState& r = race.replicas[i];
    const train::MetricPoint* last = r.history.empty() ? nullptr : &r.history.back();
    const auto steps = stepsToTarget(r, mRaceTarget);
    rows.push_back({i,
                    {replicaText(r), r.divergedAt ? "diverged" : number(last ? last->trainLoss : r.lastLoss),
                     number(last ? last->test.loss : NAN),
                     classification ? number(last ? 100.0 * last->test.accuracy : NAN, "%.1f %%")
                                    : number(last ? last->test.mse : NAN),
                     steps ? std::to_string(*steps) : "-"}});
  }
  const ImGuiStyle& style = ImGui::GetStyle();
  const auto textWidth = [](const std::string& text) { return ImGui::CalcTextSize(text.c_str()).x; };
  // Column widths: the radio button, the x button, the rank, then the widest of each text column.
  std::array<float, 8> columns{ImGui::GetFrameHeight(), textWidth("x") + 2.0f * style.FramePadding.x,
                               std::max(textWidth(HEADERS[0]), textWidth(std::to_string(rows.size()) + "."))};
  for (std::size_t c = 0; c < 5; ++c) {
    columns[3 + c] = textWidth(c == 3 ? scoreHeader : HEADERS[1 + c]);
    for (const Row& row : rows) {
      const float swatchWidth = c == 0 ? ImGui::GetTextLineHeight() - 2.0f + style.ItemSpacing.x : 0.0f;
      columns[3 + c] = std::max(columns[3 + c], swatchWidth + textWidth(row.cells[c]));
    }
  }
  float needed = style.ScrollbarSize;  // room for a vertical scroll bar when the rows do not fit
  for (const float w : columns) needed += w + 2.0f * style.CellPadding.x + 1.0f;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  // The charts keep at least this much; past it the table scrolls sideways rather than cut a column.
  const float chartsLeast = std::min(avail.x * 0.4f, 2.0f * 110.0f * mScale);
  const float tableWidth = std::min(needed, avail.x - chartsLeast);
  ImGui::BeginChild("##race-table", ImVec2(tableWidth, avail.y));
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV |
                                (needed > tableWidth ? ImGuiTableFlags_ScrollX : 0);
  if (ImGui::BeginTable("##ranking", 8, flags)) {
    ImGui::TableSetupColumn("");
    ImGui::TableSetupColumn("");
    for (std::size_t c = 0; c < 6; ++c) ImGui::TableSetupColumn(c == 4 ? scoreHeader : HEADERS[c]);
    ImGui::TableHeadersRow();
    for (std::size_t rank = 0; rank < rows.size(); ++rank) {
      const Row& row = rows[rank];
      const std::size_t i = row.replica;
      const std::string id = std::to_string(i + 1);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (ImGui::RadioButton(("##show-" + id).c_str(), i == race.shown)) send(train::ShowReplica{i, std::nullopt});
      rememberWidget("race-show-" + id);
      tooltip("Show this replica in the views and Details.");
      ImGui::TableNextColumn();
      ImGui::BeginDisabled(race.replicas.size() <= train::MIN_REPLICAS);
      if (pressButton(("x##remove-" + id).c_str())) send(train::RemoveReplica{i});
      ImGui::EndDisabled();
      rememberWidget("remove-replica-" + id);
      tooltip("Remove this replica from the race.");
      ImGui::TableNextColumn();
      ImGui::Text("%zu.", rank + 1);
      ImGui::TableNextColumn();
      swatch(replicaColour(race.replicas[i].id));
      ImGui::SameLine();
      ImGui::TextUnformatted(row.cells[0].c_str());
      rememberWidget("race-row-" + std::to_string(rank + 1));
      for (std::size_t c = 1; c < row.cells.size(); ++c) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(row.cells[c].c_str());
      }
    }
    ImGui::EndTable();
  }
  ImGui::EndChild();
  rememberWidget("race-table");

  // Every replica's curves in its colour: test loss (else training loss) and accuracy (else test MSE),
  // over the faded curves of earlier runs (the original of a branch).
  const double last = std::max(static_cast<double>(snapshot.step), mRaceCurves.update(whole, classification));
  ImGui::SameLine();
  ImGui::BeginGroup();
  if (mRaceCurves.earlierRuns() > 0) {
    ImGui::TextDisabled("faded: %zu earlier run%s", mRaceCurves.earlierRuns(),
                        mRaceCurves.earlierRuns() == 1 ? "" : "s");
    ImGui::SameLine();
    if (ImGui::SmallButton("Clear##race-runs")) mRaceCurves.clearEarlierRuns();
    rememberWidget("race-clear-runs");
  }
  const ImVec2 rest = ImGui::GetContentRegionAvail();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const ImVec2 size(std::max((rest.x - spacing) / 2.0f, 40.0f), std::max(rest.y - 4.0f, 40.0f));
  Plots::chart("Loss", mRaceCurves.current(0), mRaceCurves.earlier(0), snapshot.events, size, AxisKind::Log, 0.0, last);
  rememberWidget("race-loss");
  ImGui::SameLine();
  Plots::chart(classification ? "Accuracy" : "Test MSE", mRaceCurves.current(1), mRaceCurves.earlier(1),
               snapshot.events, size, classification ? AxisKind::Unit : AxisKind::Log, 0.0, last);
  ImGui::EndGroup();
}

}  // namespace nsb::ui
