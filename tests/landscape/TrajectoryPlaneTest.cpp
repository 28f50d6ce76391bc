// The trajectory's principal plane: orthonormal directions, a path that lies in a known plane is
// spanned by them (and sits on it), a path off the plane has its distance, a line is refused, and the
// result is the same bits every time.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/Rng.h"
#include "landscape/TrajectoryPlane.h"

namespace nsb::landscape {
namespace {

constexpr std::size_t P = 300;  // parameters

double dot(std::span<const float> a, std::span<const float> b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

std::vector<float> normal(core::Rng& rng, std::size_t n) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.normal();
  return v;
}

// Two orthonormal vectors of P entries (Gram-Schmidt in double).
void knownPlane(core::Rng& rng, std::vector<double>& u, std::vector<double>& v) {
  u.assign(P, 0.0);
  v.assign(P, 0.0);
  for (auto& x : u) x = rng.normal();
  for (auto& x : v) x = rng.normal();
  double uu = 0.0;
  for (double x : u) uu += x * x;
  for (auto& x : u) x /= std::sqrt(uu);
  double uv = 0.0;
  for (std::size_t i = 0; i < P; ++i) uv += u[i] * v[i];
  for (std::size_t i = 0; i < P; ++i) v[i] -= uv * u[i];
  double vv = 0.0;
  for (double x : v) vv += x * x;
  for (auto& x : v) x /= std::sqrt(vv);
}

// A curved path of 40 steps now + a_i u + b_i v (+ noise of `offPlane` per entry).
std::vector<std::vector<float>> planarPath(core::Rng& rng, const std::vector<float>& now, const std::vector<double>& u,
                                           const std::vector<double>& v, float offPlane = 0.0f) {
  std::vector<std::vector<float>> path;
  for (int i = 0; i < 40; ++i) {
    const double t = 1.0 - i / 40.0, a = 3.0 * t * std::cos(4.0 * t), b = 1.5 * t * std::sin(3.0 * t);
    std::vector<float> s(P);
    for (std::size_t k = 0; k < P; ++k)
      s[k] = static_cast<float>(now[k] + a * u[k] + b * v[k]) + offPlane * rng.normal();
    path.push_back(s);
  }
  return path;
}

TEST(TrajectoryPlane, DirectionsAreOrthonormal) {
  core::Rng rng(7);
  const auto now = normal(rng, P);
  // A random walk: no plane of its own, the PCA still gives two orthonormal directions.
  std::vector<std::vector<float>> path;
  std::vector<float> at = now;
  for (int i = 0; i < 25; ++i) {
    for (float& x : at) x += 0.1f * rng.normal();
    path.push_back(at);
  }
  const auto plane = trajectoryPlane(path, now);
  ASSERT_TRUE(plane.ok()) << plane.message();
  const auto& d = plane.value().directions;
  // Unit vectors rounded to float: each entry within 2^-24 relative, so the products within ~1e-6.
  EXPECT_NEAR(dot(d.first, d.first), 1.0, 1e-6);
  EXPECT_NEAR(dot(d.second, d.second), 1.0, 1e-6);
  EXPECT_NEAR(dot(d.first, d.second), 0.0, 1e-6);
  EXPECT_GE(plane.value().explained[0], plane.value().explained[1]);
  EXPECT_EQ(plane.value().path.size(), path.size());
}

TEST(TrajectoryPlane, APathInAKnownPlaneIsSpannedAndLiesOnIt) {
  core::Rng rng(11);
  const auto now = normal(rng, P);
  std::vector<double> u, v;
  knownPlane(rng, u, v);
  const auto path = planarPath(rng, now, u, v);
  const auto plane = trajectoryPlane(path, now);
  ASSERT_TRUE(plane.ok()) << plane.message();
  const auto& d = plane.value().directions;
  // u and v project onto span(d1, d2) with norm 1: the path's points are rounded to float (about 1e-7
  // of entries of size ~3), which tilts the plane by well under 1e-5.
  for (const auto* w : {&u, &v}) {
    double a = 0.0, b = 0.0;
    for (std::size_t k = 0; k < P; ++k) {
      a += (*w)[k] * d.first[k];
      b += (*w)[k] * d.second[k];
    }
    EXPECT_NEAR(a * a + b * b, 1.0, 1e-5);
  }
  EXPECT_NEAR(plane.value().explained[0] + plane.value().explained[1], 1.0, 1e-9);
  // Every point sits on the plane (distances at the float rounding of the differences, ~1e-6) and
  // its coordinates give it back.
  for (std::size_t i = 0; i < path.size(); ++i) {
    const PlanePoint& p = plane.value().path[i];
    EXPECT_LT(p.distance, 1e-4f) << "point " << i;
    for (std::size_t k = 0; k < P; k += 37) {
      EXPECT_NEAR(now[k] + p.alpha * d.first[k] + p.beta * d.second[k], path[i][k], 1e-4) << "point " << i;
    }
  }
}

TEST(TrajectoryPlane, APathOffThePlaneHasItsDistance) {
  core::Rng rng(5);
  const auto now = normal(rng, P);
  std::vector<double> u, v;
  knownPlane(rng, u, v);
  auto path = planarPath(rng, now, u, v);
  // The last point moved by 0.5 along a direction orthogonal to the plane... mostly: the PCA now tilts
  // a little towards it, so its distance is below 0.5 but well above the others'.
  std::vector<double> w(P);
  for (auto& x : w) x = rng.normal();
  double wu = 0.0, wv = 0.0, ww = 0.0;
  for (std::size_t k = 0; k < P; ++k) wu += w[k] * u[k], wv += w[k] * v[k];
  for (std::size_t k = 0; k < P; ++k) w[k] -= wu * u[k] + wv * v[k];
  for (double x : w) ww += x * x;
  for (std::size_t k = 0; k < P; ++k) path[5][k] += static_cast<float>(0.5 * w[k] / std::sqrt(ww));
  const auto plane = trajectoryPlane(path, now);
  ASSERT_TRUE(plane.ok()) << plane.message();
  EXPECT_GT(plane.value().path[5].distance, 0.3f);
  EXPECT_LT(plane.value().path[5].distance, 0.5f + 1e-4f);
  EXPECT_LT(plane.value().path[30].distance, 0.1f);
  // projectPath, the race replicas' hook, gives the same points.
  const auto again = projectPath(plane.value().directions, path, now);
  ASSERT_EQ(again.size(), path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    EXPECT_NEAR(again[i].alpha, plane.value().path[i].alpha, 1e-4f);
    EXPECT_NEAR(again[i].beta, plane.value().path[i].beta, 1e-4f);
    EXPECT_NEAR(again[i].distance, plane.value().path[i].distance, 1e-3f);
  }
}

// projectPath (the race replicas' paths) against the projection computed here: on a plane of float
// unit vectors, a point in the plane is at distance 0 and a point moved off it by a known orthogonal
// offset is at that offset's norm, both within 1e-6 relative (the points are rounded to float: about
// 6e-8 of each entry; the directions are unit to about 1e-7).
TEST(TrajectoryPlane, ProjectPathGivesCoordinatesAndTheDistanceFromThePlane) {
  core::Rng rng(13);
  std::vector<float> now = normal(rng, P);
  for (float& x : now) x *= 0.1f;
  std::vector<double> u, v;
  knownPlane(rng, u, v);
  Directions plane;
  plane.first.assign(u.begin(), u.end());
  plane.second.assign(v.begin(), v.end());
  // An offset orthogonal to the float directions, of norm 0.5 (Gram-Schmidt in double, twice).
  std::vector<double> w(P);
  for (auto& x : w) x = rng.normal();
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto* d : {&plane.first, &plane.second}) {
      double along = 0.0, dd = 0.0;
      for (std::size_t k = 0; k < P; ++k) along += w[k] * (*d)[k], dd += static_cast<double>((*d)[k]) * (*d)[k];
      for (std::size_t k = 0; k < P; ++k) w[k] -= along / dd * (*d)[k];
    }
  }
  double ww = 0.0;
  for (double x : w) ww += x * x;
  const double a = 2.0, b = -3.0, off = 0.5;
  std::vector<float> inPlane(P), offPlane(P);
  for (std::size_t k = 0; k < P; ++k) {
    const double x = a * plane.first[k] + b * plane.second[k];
    inPlane[k] = static_cast<float>(now[k] + x);
    offPlane[k] = static_cast<float>(now[k] + x + off * w[k] / std::sqrt(ww));
  }
  const std::vector<std::vector<float>> path = {inPlane, offPlane, now};
  const auto points = projectPath(plane, path, now);
  ASSERT_EQ(points.size(), 3u);
  // The same projection, independently: coordinates by dot products in double, the residual's norm.
  for (std::size_t i = 0; i < path.size(); ++i) {
    double alpha = 0.0, beta = 0.0, residual = 0.0;
    for (std::size_t k = 0; k < P; ++k) {
      const double x = static_cast<double>(path[i][k]) - now[k];
      alpha += x * plane.first[k];
      beta += x * plane.second[k];
    }
    for (std::size_t k = 0; k < P; ++k) {
      const double r = static_cast<double>(path[i][k]) - now[k] - alpha * plane.first[k] - beta * plane.second[k];
      residual += r * r;
    }
    EXPECT_NEAR(points[i].alpha, alpha, 1e-6 * std::sqrt(a * a + b * b)) << "point " << i;
    EXPECT_NEAR(points[i].beta, beta, 1e-6 * std::sqrt(a * a + b * b)) << "point " << i;
    EXPECT_NEAR(points[i].distance, std::sqrt(residual), 1e-6 * std::sqrt(a * a + b * b)) << "point " << i;
  }
  const double scale = std::sqrt(a * a + b * b);  // the in-plane point's distance from now
  EXPECT_NEAR(points[0].alpha, a, 1e-6 * scale);
  EXPECT_NEAR(points[0].beta, b, 1e-6 * scale);
  EXPECT_LE(points[0].distance, 1e-6 * scale);
  EXPECT_NEAR(points[1].distance, off, 1e-6 * off);
  EXPECT_NEAR(points[1].alpha, a, 1e-6 * scale);
  EXPECT_EQ(points[2].distance, 0.0f);  // the weights now: the origin
}

TEST(TrajectoryPlane, SameBitsEveryTime) {
  core::Rng rng(3);
  const auto now = normal(rng, P);
  std::vector<double> u, v;
  knownPlane(rng, u, v);
  const auto path = planarPath(rng, now, u, v, 0.01f);
  const auto a = trajectoryPlane(path, now), b = trajectoryPlane(path, now);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(0, std::memcmp(a.value().directions.first.data(), b.value().directions.first.data(), P * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(a.value().directions.second.data(), b.value().directions.second.data(), P * sizeof(float)));
}

TEST(TrajectoryPlane, ALineOrTooFewStepsOrAnotherShapeIsRefused) {
  core::Rng rng(9);
  const auto now = normal(rng, P);
  const auto dir = normal(rng, P);
  std::vector<std::vector<float>> line;
  for (int i = 1; i <= 5; ++i) {
    std::vector<float> s(P);
    for (std::size_t k = 0; k < P; ++k) s[k] = now[k] + static_cast<float>(i) * dir[k];
    line.push_back(s);
  }
  const auto onLine = trajectoryPlane(line, now);
  ASSERT_FALSE(onLine.ok());
  EXPECT_NE(onLine.message().find("line"), std::string::npos) << onLine.message();
  EXPECT_FALSE(trajectoryPlane(std::span(line).first(1), now).ok());
  line[2].pop_back();
  const auto shape = trajectoryPlane(line, now);
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.message().find("parameters"), std::string::npos) << shape.message();
}

}  // namespace
}  // namespace nsb::landscape
