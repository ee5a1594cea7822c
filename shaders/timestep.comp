#version 450
// FLUX sinusoidal timestep embedding of ts[index] (a buffer, so replays can
// change it): arg = f32(f32(timeFactor·t)·freqs[i]), y = [cos(arg) | sin(arg)]
// (f32), zero-padded for odd dim. freqs are PyTorch's float32 values,
// computed on the host; the products are single correctly rounded
// multiplies and sin/cos come from opssincos.glsl.
#include "opssincos.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer Ts { float ts[]; };
layout(std430, set = 0, binding = 1) readonly buffer Freqs { float freqs[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push { uint index, half_, dim; float timeFactor; } pc;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i == 0 && pc.dim % 2 == 1) y[pc.dim - 1] = 0.0;
    if (i >= pc.half_) return;
    precise float tt = pc.timeFactor * ts[pc.index];
    precise float arg = tt * freqs[i];
    float s, c;
    ops_sincos(arg, 0.0, 0.0, s, c);
    y[i] = c;
    y[pc.half_ + i] = s;
}
