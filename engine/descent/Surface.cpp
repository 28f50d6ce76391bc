#include "descent/Surface.h"

#include <array>
#include <cmath>
#include <limits>

#include "core/Check.h"
#include "core/Format.h"

namespace nsb::descent {
namespace {

constexpr std::array<SurfaceKind, 7> SURFACES = {SurfaceKind::Bowl,       SurfaceKind::Rosenbrock, SurfaceKind::Beale,
                                                 SurfaceKind::Himmelblau, SurfaceKind::Saddle,     SurfaceKind::Camel,
                                                 SurfaceKind::NoisyBowl};
constexpr std::array<std::string_view, 7> NAMES = {"bowl",   "rosenbrock", "beale",     "himmelblau",
                                                   "saddle", "camel",      "noisy-bowl"};

// Beale's three terms c_i - x + x y^i, i = 1..3.
constexpr std::array<double, 3> BEALE_C = {1.5, 2.25, 2.625};

// The six-hump camel's minima, refined by Newton's method in double (the last digits are rounding):
// the two global ones (f = -1.0316284534898774), then two at f = -0.2154638243837188 and two at
// f = 2.1042503103112575. Himmelblau's four all have f = 0.
const std::vector<Minimum> CAMEL_MINIMA = {
    {{0.08984201310031807, -0.7126564030207396}, -1.0316284534898774, true},
    {{-0.08984201310031807, 0.7126564030207396}, -1.0316284534898774, true},
    {{1.703606714969981, -0.7960835686726251}, -0.2154638243837188, false},
    {{-1.703606714969981, 0.7960835686726251}, -0.2154638243837188, false},
    {{1.6071047529201974, 0.5686514548841313}, 2.1042503103112575, false},
    {{-1.6071047529201974, -0.5686514548841313}, 2.1042503103112575, false},
};
const std::vector<Minimum> HIMMELBLAU_MINIMA = {
    {{3.0, 2.0}, 0.0, true},
    {{-2.805118086952745, 3.131312518250573}, 0.0, true},
    {{-3.779310253377747, -3.283185991286169}, 0.0, true},
    {{3.5844283403304917, -1.8481265269644034}, 0.0, true},
};

}  // namespace

std::span<const SurfaceKind> allSurfaces() { return SURFACES; }

std::string_view surfaceName(SurfaceKind kind) { return NAMES[static_cast<std::size_t>(kind)]; }

bool parseSurface(std::string_view name, SurfaceKind& out) {
  for (std::size_t i = 0; i < NAMES.size(); ++i) {
    if (name == NAMES[i]) {
      out = SURFACES[i];
      return true;
    }
  }
  return false;
}

core::Status validate(const SurfaceParams& p) {
  if (!std::isfinite(p.condition) || p.condition < 1.0 || p.condition > 1e6) {
    return core::badInput("--condition: must be in [1, 1e6]");
  }
  if (!std::isfinite(p.sigma) || p.sigma < 0.0 || p.sigma > 100.0)
    return core::badInput("--sigma: must be in [0, 100]");
  return core::Ok{};
}

Surface::Surface(SurfaceKind kind, SurfaceParams params) : mKind(kind), mParams(params) {
  switch (kind) {
    case SurfaceKind::Bowl:
    case SurfaceKind::NoisyBowl:
      mMinima = {{{0.0, 0.0}, 0.0, true}};
      break;
    case SurfaceKind::Rosenbrock:
      mMinima = {{{1.0, 1.0}, 0.0, true}};
      break;
    case SurfaceKind::Beale:
      mMinima = {{{3.0, 0.5}, 0.0, true}};
      break;
    case SurfaceKind::Himmelblau:
      mMinima = HIMMELBLAU_MINIMA;
      break;
    case SurfaceKind::Saddle:
      break;  // unbounded below along y: no minimum
    case SurfaceKind::Camel:
      mMinima = CAMEL_MINIMA;
      break;
  }
}

std::string_view Surface::name() const { return surfaceName(mKind); }

std::string Surface::formula() const {
  switch (mKind) {
    case SurfaceKind::Bowl:
      return "(x^2 + " + core::formatNumber(mParams.condition) + " y^2) / 2";
    case SurfaceKind::NoisyBowl:
      return "(x^2 + " + core::formatNumber(mParams.condition) + " y^2) / 2, gradient + N(0, " +
             core::formatNumber(mParams.sigma) + "^2)";
    case SurfaceKind::Rosenbrock:
      return "(1 - x)^2 + 100 (y - x^2)^2";
    case SurfaceKind::Beale:
      return "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2";
    case SurfaceKind::Himmelblau:
      return "(x^2 + y - 11)^2 + (x + y^2 - 7)^2";
    case SurfaceKind::Saddle:
      return "x^2 - y^2";
    case SurfaceKind::Camel:
      return "(4 - 2.1 x^2 + x^4 / 3) x^2 + xy + (4 y^2 - 4) y^2";
  }
  return {};
}

double Surface::value(Point p) const {
  const double x = p.x, y = p.y;
  switch (mKind) {
    case SurfaceKind::Bowl:
    case SurfaceKind::NoisyBowl:
      return 0.5 * (x * x + mParams.condition * y * y);
    case SurfaceKind::Rosenbrock:
      return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x);
    case SurfaceKind::Beale: {
      double sum = 0.0, yi = 1.0;
      for (double c : BEALE_C) {
        yi *= y;
        const double term = c - x + x * yi;
        sum += term * term;
      }
      return sum;
    }
    case SurfaceKind::Himmelblau: {
      const double a = x * x + y - 11.0, b = x + y * y - 7.0;
      return a * a + b * b;
    }
    case SurfaceKind::Saddle:
      return x * x - y * y;
    case SurfaceKind::Camel: {
      const double x2 = x * x, y2 = y * y;
      return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2;
    }
  }
  return 0.0;
}

Point Surface::gradient(Point p) const {
  const double x = p.x, y = p.y;
  switch (mKind) {
    case SurfaceKind::Bowl:
    case SurfaceKind::NoisyBowl:
      return {x, mParams.condition * y};
    case SurfaceKind::Rosenbrock: {
      const double inner = y - x * x;
      return {-2.0 * (1.0 - x) - 400.0 * x * inner, 200.0 * inner};
    }
    case SurfaceKind::Beale: {
      // d/dx term_i = y^i - 1, d/dy term_i = i x y^(i-1).
      Point g;
      double yPrevious = 1.0;  // y^(i-1)
      for (std::size_t i = 0; i < BEALE_C.size(); ++i) {
        const double yi = yPrevious * y;
        const double term = BEALE_C[i] - x + x * yi;
        g.x += 2.0 * term * (yi - 1.0);
        g.y += 2.0 * term * static_cast<double>(i + 1) * x * yPrevious;
        yPrevious = yi;
      }
      return g;
    }
    case SurfaceKind::Himmelblau: {
      const double a = x * x + y - 11.0, b = x + y * y - 7.0;
      return {4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b};
    }
    case SurfaceKind::Saddle:
      return {2.0 * x, -2.0 * y};
    case SurfaceKind::Camel: {
      const double x2 = x * x;
      return {8.0 * x - 8.4 * x2 * x + 2.0 * x2 * x2 * x + y, x - 8.0 * y + 16.0 * y * y * y};
    }
  }
  return {};
}

Point Surface::noisyGradient(Point p, core::Rng& rng) const {
  Point g = gradient(p);
  if (mKind == SurfaceKind::NoisyBowl && mParams.sigma > 0.0) {
    g.x += mParams.sigma * static_cast<double>(rng.normal());
    g.y += mParams.sigma * static_cast<double>(rng.normal());
  }
  return g;
}

double Surface::distanceToNearestMinimum(Point p) const {
  double best = std::numeric_limits<double>::infinity();
  for (const Minimum& m : mMinima) best = std::min(best, std::hypot(p.x - m.at.x, p.y - m.at.y));
  return best;
}

ViewRange Surface::range() const {
  switch (mKind) {
    case SurfaceKind::Bowl:
    case SurfaceKind::NoisyBowl:
      return {-5.0, 5.0, -3.0, 3.0};
    case SurfaceKind::Rosenbrock:
      return {-2.0, 2.0, -1.0, 3.0};
    case SurfaceKind::Beale:
      return {-4.5, 4.5, -4.5, 4.5};
    case SurfaceKind::Himmelblau:
      return {-5.0, 5.0, -5.0, 5.0};
    case SurfaceKind::Saddle:
      return {-2.0, 2.0, -2.0, 2.0};
    case SurfaceKind::Camel:
      return {-3.0, 3.0, -2.0, 2.0};
  }
  return {};
}

Point Surface::defaultStart() const {
  switch (mKind) {
    case SurfaceKind::Bowl:
    case SurfaceKind::NoisyBowl:
      return {-4.0, 2.0};
    case SurfaceKind::Rosenbrock:
      return {-1.5, 2.0};
    case SurfaceKind::Beale:
      return {1.0, 1.5};
    case SurfaceKind::Himmelblau:
      return {0.0, 0.0};
    case SurfaceKind::Saddle:
      return {-1.5, 0.01};  // just off the ridge y = 0, so that descent can leave it
    case SurfaceKind::Camel:
      return {-0.5, 1.5};
  }
  return {};
}

std::vector<double> Surface::sampleGrid(const ViewRange& r, std::size_t n) const {
  NSB_CHECK(n >= 2) << "sampleGrid: n must be at least 2, got " << n;
  std::vector<double> values(n * n);
  const double dx = (r.xMax - r.xMin) / static_cast<double>(n - 1);
  const double dy = (r.yMax - r.yMin) / static_cast<double>(n - 1);
  for (std::size_t row = 0; row < n; ++row) {
    const double y = r.yMin + static_cast<double>(row) * dy;
    for (std::size_t column = 0; column < n; ++column) {
      values[row * n + column] = value({r.xMin + static_cast<double>(column) * dx, y});
    }
  }
  return values;
}

}  // namespace nsb::descent
