#version 450
// FLUX rotary table: table[n, p] = (cos, sin) of pos·omega_p, pos the
// position id of token n on pair p's axis. omega (computed on the host in
// f64) comes split in three f32 parts whose first two have 12 significant
// bits, so for integer positions below 4096 pos·o1 and pos·o2 are exact and
// the angle is reduced without rounding error (opssincos.glsl).
#include "opssincos.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer Ids { float ids[]; };
layout(std430, set = 0, binding = 1) readonly buffer Omega { vec4 omega[]; }; // o1, o2, o3, axis
layout(std430, set = 0, binding = 2) writeonly buffer Table { vec2 table[]; };

layout(push_constant) uniform Push { uint tokens, pairs, naxes; } pc;

void main() {
    uint idx = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * WG + gl_LocalInvocationID.x;
    if (idx >= pc.tokens * pc.pairs) return;
    uint n = idx / pc.pairs, p = idx % pc.pairs;
    vec4 o = omega[p];
    float pos = ids[n * pc.naxes + uint(o.w)];
    precise float hi = pos * o.x;
    precise float mid = pos * o.y;
    precise float lo = pos * o.z;
    float s, c;
    ops_sincos(hi, mid, lo, s, c);
    table[idx] = vec2(c, s);
}
