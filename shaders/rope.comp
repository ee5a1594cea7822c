#version 450
// Rotary embedding of interleaved pairs: for token t, head h, pair p,
// (x0, x1) → (c·x0 − s·x1, s·x0 + c·x1) with (c, s) = table[t, p]. x is read
// with an element offset and row stride (e.g. q inside a fused qkv), y is
// written likewise; y may alias x with the same layout.
#include "act.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

ACT_BUFFER(0, readonly, x);
layout(std430, set = 0, binding = 1) readonly buffer Table { vec2 table[]; };
ACT_BUFFER(2, writeonly, y);

layout(push_constant) uniform Push { uint tokens, heads, half_, xStride, xOff, yStride, yOff; } pc;

void main() {
    uint j = gl_WorkGroupID.x * WG + gl_LocalInvocationID.x;
    if (j >= pc.heads * pc.half_) return;
    uint p = j % pc.half_;
    for (uint t = gl_WorkGroupID.y; t < pc.tokens; t += gl_NumWorkGroups.y) {
        vec2 cs = table[t * pc.half_ + p];
        uint xi = pc.xOff + t * pc.xStride + 2 * j, yi = pc.yOff + t * pc.yStride + 2 * j;
        float x0 = LOAD_ACT(x, xi), x1 = LOAD_ACT(x, xi + 1);
        STORE_ACT(y, yi, cs.x * x0 - cs.y * x1);
        STORE_ACT(y, yi + 1, cs.y * x0 + cs.x * x1);
    }
}
