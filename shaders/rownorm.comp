#version 450
// Row norms over x (rows, dim): LayerNorm (two-pass mean and biased variance),
// its FLUX modulation form (1 + scale)·LN(x) + shift, and RMSNorm.
// Statistics are f32; only loads and stores follow the activation type.
// One segment of T invocations per row, WG/T rows per workgroup.
#include "act.glsl"
#include "opsred.glsl"

ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, writeonly, y);
layout(std430, set = 0, binding = 2) readonly buffer P0 { float p0[]; }; // gamma, or shift
layout(std430, set = 0, binding = 3) readonly buffer P1 { float p1[]; }; // beta, or scale

layout(push_constant) uniform Push {
    uint rows, dim;
    float eps;
    uint mode; // 0 LayerNorm, 1 RMSNorm
    uint flags; // 1: p0 present, 2: p1 present, 4: modulate (p0 shift, p1 scale)
} pc;

void main() {
    uint tid = gl_LocalInvocationID.x, lane = tid % T;
    uint row = wg_index() * (WG / T) + tid / T;
    bool live = row < pc.rows;
    uint base = row * pc.dim;
    float fdim = float(pc.dim);

    float mean = 0.0;
    if (pc.mode == 0) {
        float s = 0.0;
        if (live) for (uint c = lane; c < pc.dim; c += T) s += LOAD_ACT(x, base + c);
        mean = segsum(s) / fdim;
    }
    float q = 0.0;
    if (live) for (uint c = lane; c < pc.dim; c += T) {
        float d = LOAD_ACT(x, base + c) - mean;
        q += d * d;
    }
    float inv = 1.0 / sqrt(segsum(q) / fdim + pc.eps);
    if (!live) return;

    bool has0 = (pc.flags & 1u) != 0, has1 = (pc.flags & 2u) != 0, modulate = (pc.flags & 4u) != 0;
    for (uint c = lane; c < pc.dim; c += T) {
        float n = (LOAD_ACT(x, base + c) - mean) * inv;
        if (modulate) {
            n = n * (1.0 + p1[c]) + p0[c];
        } else {
            if (has0) n *= p0[c];
            if (has1) n += p1[c];
        }
        STORE_ACT(y, base + c, n);
    }
}
