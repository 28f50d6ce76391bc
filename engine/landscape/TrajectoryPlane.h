#pragma once
// TrajectoryPlane: the plane of a training path, as Li et al. 2018 draw paths (a path is nearly
// orthogonal to random directions, so it vanishes on a random plane): the two principal directions of
// theta_i - theta_now over the kept snapshots, the path's coordinates on that plane and each point's
// distance from it. Deterministic on every CPU: plain loops in double in a fixed order, and the
// eigenvectors of the n x n Gram matrix of the differences by cyclic Jacobi rotations (no library
// kernel whose choice of code path could change the bits).
#include <cstddef>
#include <span>
#include <vector>

#include "core/Result.h"
#include "landscape/Directions.h"

namespace nsb::landscape {

// A path's point on the plane: theta - theta_now = alpha d1 + beta d2 + a residual of norm `distance`.
struct PlanePoint {
  float alpha = 0.0f, beta = 0.0f, distance = 0.0f;
};

struct TrajectoryPlane {
  Directions directions;         // unit vectors, orthogonal (in double before rounding to float)
  double explained[2] = {};      // the fraction of the differences' total squared norm along each direction
  std::vector<PlanePoint> path;  // the snapshots' points, in the order given
};

// The plane of `snapshots` (each the flat parameters of one kept step, all of now.size()) around `now`.
// Bad input when sizes differ or when fewer than two independent directions are in the differences
// (a path still at its start, or on a line): the message says which.
core::Result<TrajectoryPlane> trajectoryPlane(std::span<const std::vector<float>> snapshots,
                                              std::span<const float> now);

// Any other path (a race replica's snapshots) on an existing plane around `now`: the hook the race in
// the editor draws its replicas through.
std::vector<PlanePoint> projectPath(const Directions& plane, std::span<const std::vector<float>> path,
                                    std::span<const float> now);

}  // namespace nsb::landscape
