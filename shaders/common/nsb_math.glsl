// Activation functions and their derivatives, mirroring the CPU reference (engine/compute/cpu/CpuKernels.cpp).
// GLSL has no erf: Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7) stands in for it.
#ifndef NSB_MATH_GLSL
#define NSB_MATH_GLSL

const uint ACT_LINEAR = 0u;
const uint ACT_SIGMOID = 1u;
const uint ACT_TANH = 2u;
const uint ACT_RELU = 3u;
const uint ACT_LEAKY_RELU = 4u;
const uint ACT_GELU = 5u;
const float LEAKY_RELU_SLOPE = 0.01;
const float INV_SQRT2 = 0.70710678118654752;
const float INV_SQRT_2PI = 0.39894228040143268;

float nsbErf(float x) {
  float t = 1.0 / (1.0 + 0.3275911 * abs(x));
  float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  float y = 1.0 - poly * exp(-x * x);
  return x < 0.0 ? -y : y;
}

float nsbSigmoid(float x) { return 1.0 / (1.0 + exp(-x)); }

// tanh() of some drivers returns NaN for |x| > ~44 (exp overflow): clamp first, tanh(+-15) is +-1 in float.
float nsbTanh(float x) { return tanh(clamp(x, -15.0, 15.0)); }

float activate(uint kind, float v) {
  if (kind == ACT_SIGMOID) return nsbSigmoid(v);
  if (kind == ACT_TANH) return nsbTanh(v);
  if (kind == ACT_RELU) return v > 0.0 ? v : 0.0;
  if (kind == ACT_LEAKY_RELU) return v > 0.0 ? v : LEAKY_RELU_SLOPE * v;
  if (kind == ACT_GELU) return 0.5 * v * (1.0 + nsbErf(v * INV_SQRT2));
  return v;
}

// d act / dz from z, or from a = act(z) where that is what the CPU uses (sigmoid, tanh with `a`).
float activationDerivative(uint kind, float z, float a, bool haveA) {
  if (kind == ACT_SIGMOID) {
    float s = haveA ? a : nsbSigmoid(z);
    return s * (1.0 - s);
  }
  if (kind == ACT_TANH) {
    float t = haveA ? a : nsbTanh(z);
    return 1.0 - t * t;
  }
  if (kind == ACT_RELU) return z > 0.0 ? 1.0 : 0.0;
  if (kind == ACT_LEAKY_RELU) return z > 0.0 ? 1.0 : LEAKY_RELU_SLOPE;
  if (kind == ACT_GELU) return 0.5 * (1.0 + nsbErf(z * INV_SQRT2)) + z * INV_SQRT_2PI * exp(-0.5 * z * z);
  return 1.0;
}

#endif
