#version 450
// Row norms over x (rows, dim): LayerNorm (two-pass mean and biased variance),
// its FLUX modulation form (1 + scale)·LN(x) + shift, and RMSNorm.
// Statistics are f32; only loads and stores follow the activation type.
// One segment of T invocations per row, WG/T rows per workgroup; rows of up
// to T·CACHE values stay in registers between the passes.
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
    uint modRows; // modulate: shift and scale have one row per modRows rows of x (one per sample)
} pc;

void emit(uint row, uint base, uint c, float n) {
    if ((pc.flags & 4u) != 0) {
        uint m = (row / pc.modRows) * pc.dim + c;
        n = n * (1.0 + p1[m]) + p0[m];
    } else {
        if ((pc.flags & 1u) != 0) n *= p0[c];
        if ((pc.flags & 2u) != 0) n += p1[c];
    }
    STORE_ACT(y, base + c, n);
}

void main() {
    uint tid = gl_LocalInvocationID.x, lane = tid % T;
    uint row = wg_index() * (WG / T) + tid / T;
    bool live = row < pc.rows;
    uint base = row * pc.dim, dim = pc.dim;
    bool cached = dim <= T * CACHE;
    float v[CACHE];

    float mean = 0.0;
    if (cached) {
        [[unroll]] for (uint k = 0; k < CACHE; k++) {
            uint c = lane + k * T;
            v[k] = live && c < dim ? LOAD_ACT(x, base + c) : 0.0;
        }
    }
    if (pc.mode == 0) {
        float s = 0.0;
        if (cached) {
            [[unroll]] for (uint k = 0; k < CACHE; k++) s += v[k];
        } else if (live) {
            for (uint c = lane; c < dim; c += T) s += LOAD_ACT(x, base + c);
        }
        mean = segsum(s) / float(dim);
    }
    float q = 0.0;
    if (cached) {
        [[unroll]] for (uint k = 0; k < CACHE; k++) {
            float d = lane + k * T < dim ? v[k] - mean : 0.0;
            q += d * d;
        }
    } else if (live) {
        for (uint c = lane; c < dim; c += T) {
            float d = LOAD_ACT(x, base + c) - mean;
            q += d * d;
        }
    }
    float inv = 1.0 / sqrt(segsum(q) / float(dim) + pc.eps);
    if (!live) return;

    if (cached) {
        [[unroll]] for (uint k = 0; k < CACHE; k++) {
            uint c = lane + k * T;
            if (c < dim) emit(row, base, c, (v[k] - mean) * inv);
        }
    } else {
        for (uint c = lane; c < dim; c += T) emit(row, base, c, (LOAD_ACT(x, base + c) - mean) * inv);
    }
}
