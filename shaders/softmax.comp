#version 450
// Row softmax over x (rows, dim), max-subtracted, in f32: each invocation
// keeps an online (max, sum) over its strided elements, the segment merges
// them, then every element is written as exp(x − max) / sum. Rows of up to
// T·CACHE values stay in registers.
#include "act.glsl"
#include "opsred.glsl"

ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, writeonly, y);

layout(push_constant) uniform Push { uint rows, dim; } pc;

void update(inout float m, inout float s, float v) {
    if (v > m) {
        s = s * exp(m - v) + 1.0;
        m = v;
    } else {
        s += exp(v - m);
    }
}

void main() {
    uint tid = gl_LocalInvocationID.x, lane = tid % T;
    uint row = wg_index() * (WG / T) + tid / T;
    bool live = row < pc.rows;
    uint base = row * pc.dim, dim = pc.dim;
    bool cached = dim <= T * CACHE;
    float v[CACHE];

    float m = -3.402823466e38, s = 0.0;
    if (cached) {
        [[unroll]] for (uint k = 0; k < CACHE; k++) {
            uint c = lane + k * T;
            v[k] = live && c < dim ? LOAD_ACT(x, base + c) : 0.0;
            if (live && c < dim) update(m, s, v[k]);
        }
    } else if (live) {
        for (uint c = lane; c < dim; c += T) update(m, s, LOAD_ACT(x, base + c));
    }
    segmaxsum(m, s);
    if (!live) return;
    float inv = 1.0 / s;
    if (cached) {
        [[unroll]] for (uint k = 0; k < CACHE; k++) {
            uint c = lane + k * T;
            if (c < dim) STORE_ACT(y, base + c, exp(v[k] - m) * inv);
        }
    } else {
        for (uint c = lane; c < dim; c += T) STORE_ACT(y, base + c, exp(LOAD_ACT(x, base + c) - m) * inv);
    }
}
