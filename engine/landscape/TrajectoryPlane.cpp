// TrajectoryPlane: PCA of a path through the eigenvectors of its Gram matrix (see TrajectoryPlane.h).
#include "landscape/TrajectoryPlane.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace nsb::landscape {
namespace {

// A second direction whose variance is below this fraction of the first's is rounding, not a direction.
constexpr double RANK_TOLERANCE = 1e-10;
constexpr int MAX_SWEEPS = 60;

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Eigenvalues (returned) and eigenvectors (columns of `vectors`, n x n row-major) of the symmetric
// n x n matrix `a` (destroyed), by cyclic Jacobi rotations: the same operations in the same order on
// every machine.
std::vector<double> jacobiEigen(std::vector<double>& a, std::size_t n, std::vector<double>& vectors) {
  vectors.assign(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) vectors[i * n + i] = 1.0;
  double total = 0.0;
  for (double v : a) total += v * v;
  for (int sweep = 0; sweep < MAX_SWEEPS; ++sweep) {
    double off = 0.0;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * total || off == 0.0) break;
    for (std::size_t p = 0; p < n; ++p) {
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0.0) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
        const double t = (theta >= 0.0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {  // columns p and q
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {  // rows p and q
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = vectors[k * n + p], vkq = vectors[k * n + q];
          vectors[k * n + p] = c * vkp - s * vkq;
          vectors[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = a[i * n + i];
  return values;
}

// The distance is the norm of the residual x - alpha d1 - beta d2 itself, not sqrt(|x|^2 - alpha^2 -
// beta^2): that difference cancels for a point near the plane, and float directions (|d| = 1 to 1e-7)
// left a floor of about 3e-4 |x| on a point in the plane.
PlanePoint project(std::span<const double> d1, std::span<const double> d2, std::span<const float> point,
                   std::span<const float> now) {
  double alpha = 0.0, beta = 0.0;
  for (std::size_t i = 0; i < now.size(); ++i) {
    const double x = static_cast<double>(point[i]) - static_cast<double>(now[i]);
    alpha += x * d1[i];
    beta += x * d2[i];
  }
  double residual = 0.0;
  for (std::size_t i = 0; i < now.size(); ++i) {
    const double r = static_cast<double>(point[i]) - static_cast<double>(now[i]) - alpha * d1[i] - beta * d2[i];
    residual += r * r;
  }
  return {static_cast<float>(alpha), static_cast<float>(beta), static_cast<float>(std::sqrt(residual))};
}

}  // namespace

core::Result<TrajectoryPlane> trajectoryPlane(std::span<const std::vector<float>> snapshots,
                                              std::span<const float> now) {
  const std::size_t n = snapshots.size(), p = now.size();
  for (const auto& s : snapshots) {
    if (s.size() != p) {
      return core::badInput("trajectory plane: a snapshot has " + std::to_string(s.size()) +
                            " parameters, the network now " + std::to_string(p));
    }
  }
  if (n < 2) return core::badInput("trajectory plane: needs at least two kept steps, has " + std::to_string(n));
  // The differences in double, then their Gram matrix (n x n) in a fixed order.
  std::vector<std::vector<double>> x(n, std::vector<double>(p));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < p; ++k) x[i][k] = static_cast<double>(snapshots[i][k]) - static_cast<double>(now[k]);
  std::vector<double> gram(n * n);
  double trace = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) gram[i * n + j] = gram[j * n + i] = dot(x[i], x[j]);
    trace += gram[i * n + i];
  }
  std::vector<double> vectors;
  const std::vector<double> values = jacobiEigen(gram, n, vectors);
  // The two largest eigenvalues; ties go to the lower index, so the choice is the same everywhere.
  std::size_t first = 0;
  for (std::size_t i = 1; i < n; ++i)
    if (values[i] > values[first]) first = i;
  std::size_t second = first == 0 ? 1 : 0;
  for (std::size_t i = 0; i < n; ++i)
    if (i != first && values[i] > values[second]) second = i;
  if (!(values[first] > 0.0) || !(values[second] > RANK_TOLERANCE * values[first])) {
    return core::badInput("trajectory plane: the kept steps lie on a line through the weights now (" +
                          std::to_string(n) + " steps); train on to get a plane");
  }
  // d_k = X^T u_k, normalised; then Gram-Schmidt once more in double for the rounding of the sums.
  std::vector<double> d[2] = {std::vector<double>(p, 0.0), std::vector<double>(p, 0.0)};
  const std::size_t columns[2] = {first, second};
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t i = 0; i < n; ++i) {
      const double u = vectors[i * n + columns[k]];
      for (std::size_t j = 0; j < p; ++j) d[k][j] += u * x[i][j];
    }
  }
  const double norm0 = std::sqrt(dot(d[0], d[0]));
  for (double& v : d[0]) v /= norm0;
  const double along = dot(d[1], d[0]);
  for (std::size_t j = 0; j < p; ++j) d[1][j] -= along * d[0][j];
  const double norm1 = std::sqrt(dot(d[1], d[1]));
  for (double& v : d[1]) v /= norm1;

  TrajectoryPlane plane;
  plane.explained[0] = values[first] / trace;
  plane.explained[1] = values[second] / trace;
  plane.directions.first.assign(d[0].begin(), d[0].end());
  plane.directions.second.assign(d[1].begin(), d[1].end());
  for (const auto& s : snapshots) plane.path.push_back(project(d[0], d[1], s, now));
  return plane;
}

std::vector<PlanePoint> projectPath(const Directions& plane, std::span<const std::vector<float>> path,
                                    std::span<const float> now) {
  const std::vector<double> d1(plane.first.begin(), plane.first.end()), d2(plane.second.begin(), plane.second.end());
  std::vector<PlanePoint> points;
  points.reserve(path.size());
  for (const auto& s : path) {
    if (s.size() == now.size() && d1.size() == now.size()) points.push_back(project(d1, d2, s, now));
  }
  return points;
}

}  // namespace nsb::landscape
