#version 450
// Direct 2D DFT magnitude, one invocation per output (image, u, v): the path for shapes VkFFT does not
// plan (a side of 1). Phases are reduced modulo H and W in integers so that large u r stay exact.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Images { float images[]; };
layout(std430, binding = 1) writeonly buffer Magnitude { float magnitude[]; };
layout(push_constant) uniform Push { uint imagesOffset, magnitudeOffset, count, height, width; } p;

const float TWO_PI = 6.28318530717958647;

void main() {
  const uint halfWidth = p.width / 2u + 1u;
  const uint total = p.count * p.height * halfWidth;
  for (uint e = gl_GlobalInvocationID.x; e < total; e += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const uint v = e % halfWidth;
    const uint u = (e / halfWidth) % p.height;
    const uint n = e / (halfWidth * p.height);
    const uint base = p.imagesOffset + n * p.height * p.width;
    float re = 0.0, im = 0.0;
    for (uint r = 0u; r < p.height; ++r) {
      const float rowPhase = float((u * r) % p.height) / float(p.height);
      for (uint c = 0u; c < p.width; ++c) {
        const float phase = rowPhase + float((v * c) % p.width) / float(p.width);
        const float x = images[base + r * p.width + c];
        re += x * cos(TWO_PI * phase);
        im -= x * sin(TWO_PI * phase);
      }
    }
    magnitude[p.magnitudeOffset + e] = sqrt(re * re + im * im);
  }
}
