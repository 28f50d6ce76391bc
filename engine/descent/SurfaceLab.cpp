#include "descent/SurfaceLab.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nsb::descent {

using compute::OptimizerKind;

SurfaceLab::SurfaceLab() : mSurface(SurfaceKind::Bowl), mStart(mSurface.defaultStart()) {}

core::Status SurfaceLab::configure(const train::SurfaceSetup& setup) {
  SurfaceKind kind{};
  if (!parseSurface(setup.surface, kind)) return core::badInput("surface: unknown surface '" + setup.surface + "'");
  const SurfaceParams params{setup.condition, setup.sigma};
  NSB_TRY(validate(params));
  for (const auto& h : setup.optimizers) NSB_TRY(h.validate());
  mRuns.clear();
  setSurface(kind, params);
  if (setup.start) mStart = Point{(*setup.start)[0], (*setup.start)[1]};
  for (const auto& h : setup.optimizers) add(h);
  setStart(mStart);
  mSpeed = setup.speed;
  return core::Ok{};
}

void SurfaceLab::setSurface(SurfaceKind kind, SurfaceParams params, bool keepStart) {
  mSurface = Surface(kind, params);
  if (!keepStart) mStart = mSurface.defaultStart();
  std::vector<LabRun> old = std::move(mRuns);
  mRuns.clear();
  for (auto& r : old) {
    LabRun fresh{DescentRun(mSurface, r.run.hyperparams(), mStart), r.colour, r.id};
    fresh.run.setTolerance(mTolerance);
    mRuns.push_back(std::move(fresh));
  }
}

void SurfaceLab::setStart(Point start) {
  mStart = start;
  mCarry = 0.0;
  for (auto& r : mRuns) {
    r.run.reset(start);
    r.before1 = r.before2 = {};
    r.zeroState = true;
  }
}

bool SurfaceLab::add(OptimizerKind kind) {
  train::Hyperparams h;
  h.optimizer = kind;
  h.learningRate = suggestedLearningRate(mSurface.kind(), kind);
  return add(h);
}

bool SurfaceLab::add(const train::Hyperparams& hyperparams) {
  if (mRuns.size() >= MAX_RUNS) return false;
  // The n-th colour for the n-th run ever added, so that a run keeps its colour when another goes.
  LabRun r{DescentRun(mSurface, hyperparams, mStart), runColour(mNextId - 1), mNextId};
  ++mNextId;
  r.run.setTolerance(mTolerance);
  // A run added later catches up with the others, so that the table compares equal step counts.
  const std::uint64_t behind = mRuns.empty() ? 0 : mRuns.front().run.steps();
  mRuns.push_back(std::move(r));
  if (behind > 0) {
    LabRun& added = mRuns.back();
    added.run.run(behind - 1);
    added.zeroState = behind == 1;
    added.before1 = added.run.last().state1;
    added.before2 = added.run.last().state2;
    added.run.step();
    added.zeroState = false;
  }
  return true;
}

void SurfaceLab::remove(std::size_t index) {
  if (index < mRuns.size()) mRuns.erase(mRuns.begin() + static_cast<std::ptrdiff_t>(index));
}

void SurfaceLab::setHyperparams(std::size_t index, const train::Hyperparams& hyperparams) {
  if (index >= mRuns.size()) return;
  LabRun& r = mRuns[index];
  if (hyperparams.optimizer != r.run.optimizer()) r.zeroState = true;
  r.run.setHyperparams(hyperparams);
}

void SurfaceLab::step(std::uint64_t steps) {
  if (steps == 0) return;
  for (auto& r : mRuns) {
    if (steps > 1) {
      r.run.run(steps - 1);
      if (r.run.steps() > 0) r.zeroState = false;
    }
    // The state before the last step, for the equations: the kernel keeps only the state after it.
    r.before1 = r.zeroState ? std::array<float, 2>{} : r.run.last().state1;
    r.before2 = r.zeroState ? std::array<float, 2>{} : r.run.last().state2;
    r.run.step();
    r.zeroState = false;
  }
}

std::uint64_t SurfaceLab::advance(double seconds) {
  double due = mSpeed > 0.0 ? mSpeed * std::max(seconds, 0.0) + mCarry : static_cast<double>(MAX_STEPS_PER_ADVANCE);
  due = std::min(due, static_cast<double>(MAX_STEPS_PER_ADVANCE));
  const auto steps = static_cast<std::uint64_t>(due);
  mCarry = mSpeed > 0.0 ? due - static_cast<double>(steps) : 0.0;
  step(steps);
  return steps;
}

void SurfaceLab::setTolerance(double tolerance) {
  mTolerance = tolerance;
  for (auto& r : mRuns) r.run.setTolerance(tolerance);
}

float suggestedLearningRate(SurfaceKind surface, OptimizerKind optimizer) {
  const bool adaptive = optimizer == OptimizerKind::AdaGrad || optimizer == OptimizerKind::RmsProp ||
                        optimizer == OptimizerKind::Adam || optimizer == OptimizerKind::AdamW;
  switch (surface) {
    case SurfaceKind::Bowl:
    case SurfaceKind::NoisyBowl:
    case SurfaceKind::Saddle:
      return adaptive ? 0.1f : (optimizer == OptimizerKind::Gd || optimizer == OptimizerKind::Sgd ? 0.05f : 0.02f);
    case SurfaceKind::Rosenbrock:
      return adaptive ? 0.02f : 0.0005f;
    case SurfaceKind::Beale:
      return adaptive ? 0.02f : 0.001f;
    case SurfaceKind::Himmelblau:
    case SurfaceKind::Camel:
      return adaptive ? 0.05f : 0.005f;
  }
  return 0.01f;
}

std::uint32_t runColour(std::uint32_t n) {
  // Distinct hues on a dark background: orange, sky blue, green, pink, yellow, violet, cyan, red.
  static constexpr std::uint32_t COLOURS[] = {0xFF2E9BF5, 0xFFF5B84A, 0xFF5ED65E, 0xFFB36BF0,
                                              0xFF45E6F0, 0xFFF57A9E, 0xFFE6E64A, 0xFF4A4AF0};
  return COLOURS[n % (sizeof COLOURS / sizeof COLOURS[0])];
}

std::string equationNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

std::vector<std::string> updateEquations(const train::Hyperparams& h, std::uint64_t t, double lr,
                                         const UpdateTerms& u) {
  const auto n = [](double v) { return equationNumber(v); };
  const std::string& a = u.name;
  const std::string rate = n(lr);
  const double g = u.gradient, s1 = u.state1, s2 = u.state2, p1 = u.before1, p2 = u.before2;
  const std::string update = a + " = " + n(u.theta) + " - " + rate;
  std::vector<std::string> lines;
  switch (h.optimizer) {
    case OptimizerKind::Gd:
    case OptimizerKind::Sgd:
      lines.push_back(update + " * " + n(g) + " = " + n(u.after));
      break;
    case OptimizerKind::Momentum:
    case OptimizerKind::Nesterov:
      lines.push_back("v_" + a + " = " + n(h.momentum) + " * " + n(p1) + " + " + n(g) + " = " + n(s1));
      if (h.optimizer == OptimizerKind::Momentum) {
        lines.push_back(update + " * " + n(s1) + " = " + n(u.after));
      } else {
        lines.push_back(update + " * (" + n(g) + " + " + n(h.momentum) + " * " + n(s1) + ") = " + n(u.after));
      }
      break;
    case OptimizerKind::AdaGrad:
    case OptimizerKind::RmsProp:
      if (h.optimizer == OptimizerKind::AdaGrad) {
        lines.push_back("s_" + a + " = " + n(p1) + " + " + n(g) + "^2 = " + n(s1));
      } else {
        lines.push_back("s_" + a + " = " + n(h.rho) + " * " + n(p1) + " + " + n(1.0 - h.rho) + " * " + n(g) +
                        "^2 = " + n(s1));
      }
      lines.push_back(update + " * " + n(g) + " / (sqrt(" + n(s1) + ") + " + n(h.epsilon) + ") = " + n(u.after));
      break;
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW: {
      const double steps = static_cast<double>(t);
      const double c1 = 1.0 - std::pow(static_cast<double>(h.beta1), steps);
      const double c2 = 1.0 - std::pow(static_cast<double>(h.beta2), steps);
      lines.push_back("m_" + a + " = " + n(h.beta1) + " * " + n(p1) + " + " + n(1.0 - h.beta1) + " * " + n(g) + " = " +
                      n(s1));
      lines.push_back("v_" + a + " = " + n(h.beta2) + " * " + n(p2) + " + " + n(1.0 - h.beta2) + " * " + n(g) +
                      "^2 = " + n(s2));
      const double mHat = s1 / c1, vHat = s2 / c2;
      lines.push_back("m^_" + a + " = " + n(s1) + " / " + n(c1) + " = " + n(mHat));
      lines.push_back("v^_" + a + " = " + n(s2) + " / " + n(c2) + " = " + n(vHat));
      double from = u.theta;
      if (h.optimizer == OptimizerKind::AdamW) {
        // The decoupled decay comes first, as the kernel does it.
        from = u.theta - lr * h.weightDecay * u.theta;
        lines.push_back(a + "' = " + n(u.theta) + " - " + rate + " * " + n(h.weightDecay) + " * " + n(u.theta) + " = " +
                        n(from));
      }
      lines.push_back(a + " = " + n(from) + " - " + rate + " * " + n(mHat) + " / (sqrt(" + n(vHat) + ") + " +
                      n(h.epsilon) + ") = " + n(u.after));
      break;
    }
  }
  return lines;
}

std::vector<std::string> weightEquations(const train::WatchedStep& w) {
  const auto n = [](double v) { return equationNumber(v); };
  const train::Hyperparams& h = w.hyperparams;
  std::vector<std::string> lines;
  lines.push_back("lr = " + n(w.learningRate) + "   t = " + std::to_string(w.step) + "   w = " + n(w.before));
  // The kernel adds the regularisation terms to a weight's gradient (compute/cpu regularizedGradient).
  const bool terms = w.regularized && (h.l1 != 0.0f || h.l2 != 0.0f);
  const float sign = w.before > 0.0f ? 1.0f : (w.before < 0.0f ? -1.0f : 0.0f);
  const float gradient = terms ? w.gradient + h.l2 * w.before + h.l1 * sign : w.gradient;
  if (terms) {
    lines.push_back("g_w = dL/dw + " + n(h.l2) + " * w + " + n(h.l1) + " * sign(w) = " + n(w.gradient) + " + " +
                    n(h.l2 * w.before) + " + " + n(h.l1 * sign) + " = " + n(gradient));
  } else {
    lines.push_back("g_w = dL/dw = " + n(gradient));
  }
  const UpdateTerms u{"w", w.before, w.after, gradient, w.state1Before, w.state2Before, w.state1, w.state2};
  for (auto& line : updateEquations(h, w.step, w.learningRate, u)) lines.push_back(std::move(line));
  return lines;
}

std::vector<std::string> stepEquations(const LabRun& r) {
  const DescentRun& run = r.run;
  if (run.steps() == 0 && !run.divergedStep()) return {};
  const StepDetail& d = run.last();
  const auto n = [](double v) { return equationNumber(v); };
  std::vector<std::string> lines;
  lines.push_back("lr = " + n(d.learningRate) + "   t = " + std::to_string(run.steps()) + "   at (" + n(d.before.x) +
                  ", " + n(d.before.y) + ")");
  const double theta[2] = {d.before.x, d.before.y}, after[2] = {d.after.x, d.after.y};
  const double g[2] = {d.gradient.x, d.gradient.y};
  const char* axis[2] = {"x", "y"};
  for (int i = 0; i < 2; ++i) {
    const std::string a = axis[i];
    lines.push_back("g_" + a + " = df/d" + a + " = " + n(g[i]));
    const UpdateTerms u{a, theta[i], after[i], g[i], r.before1[i], r.before2[i], d.state1[i], d.state2[i]};
    for (auto& line : updateEquations(run.hyperparams(), run.steps(), d.learningRate, u))
      lines.push_back(std::move(line));
  }
  if (run.divergedStep()) lines.push_back("diverged at step " + std::to_string(*run.divergedStep()));
  return lines;
}

}  // namespace nsb::descent
