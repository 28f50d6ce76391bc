#pragma once
// Closed-form functions of two parameters that the optimizers descend: each written once here, its value
// and its exact gradient in double, with its minima, a view range and a default start. The noisy bowl's
// noise is not part of its value or gradient: DescentRun adds it (noisyGradient) from a seeded Rng.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/Result.h"
#include "core/Rng.h"

namespace nsb::descent {

enum class SurfaceKind : std::uint8_t { Bowl, Rosenbrock, Beale, Himmelblau, Saddle, Camel, NoisyBowl };

struct Point {
  double x = 0.0, y = 0.0;
};

struct Minimum {
  Point at;
  double value = 0.0;
  bool global = true;  // false for the six-hump camel's four local-only minima
};

// The square [xMin, xMax] x [yMin, yMax] a view shows.
struct ViewRange {
  double xMin = -1.0, xMax = 1.0, yMin = -1.0, yMax = 1.0;
};

// The editable constants: the bowl's condition number k in (x^2 + k y^2) / 2 (also the noisy bowl's)
// and the standard deviation of the noise added to each gradient coordinate of the noisy bowl.
struct SurfaceParams {
  double condition = 10.0;
  double sigma = 0.5;
};

class Surface {
 public:
  explicit Surface(SurfaceKind kind, SurfaceParams params = {});

  SurfaceKind kind() const { return mKind; }
  std::string_view name() const;
  const SurfaceParams& params() const { return mParams; }
  // The formula as text, e.g. "(x^2 + 10 y^2) / 2".
  std::string formula() const;

  double value(Point p) const;
  // The exact gradient (the noisy bowl's without its noise).
  Point gradient(Point p) const;
  // The gradient an optimizer sees: the exact one, plus N(0, sigma^2) per coordinate on the noisy bowl.
  Point noisyGradient(Point p, core::Rng& rng) const;

  // Every listed minimum (the camel: all six local minima, two of them global; the saddle: none).
  const std::vector<Minimum>& minima() const { return mMinima; }
  // Euclidean distance to the nearest listed minimum; infinity when there is none.
  double distanceToNearestMinimum(Point p) const;
  ViewRange range() const;
  Point defaultStart() const;

  // values[row * n + column] = f(xMin + column * dx, yMin + row * dy) with dx = (xMax - xMin) / (n - 1)
  // (rows go up in y); n >= 2.
  std::vector<double> sampleGrid(const ViewRange& range, std::size_t n) const;

 private:
  SurfaceKind mKind;
  SurfaceParams mParams;
  std::vector<Minimum> mMinima;
};

// The command-line names: bowl, rosenbrock, beale, himmelblau, saddle, camel, noisy-bowl.
std::span<const SurfaceKind> allSurfaces();
std::string_view surfaceName(SurfaceKind kind);
bool parseSurface(std::string_view name, SurfaceKind& out);
// Bad input (condition outside [1, 1e6], sigma outside [0, 100]) named by its flag.
core::Status validate(const SurfaceParams& params);

}  // namespace nsb::descent
