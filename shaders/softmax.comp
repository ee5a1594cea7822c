#version 450
// Row softmax over x (rows, dim), max-subtracted, in f32: each invocation
// keeps an online (max, sum) over its strided elements, the segment merges
// them, then every element is written as exp(x − max) / sum.
#include "act.glsl"
#include "opsred.glsl"

ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, writeonly, y);

layout(push_constant) uniform Push { uint rows, dim; } pc;

void main() {
    uint tid = gl_LocalInvocationID.x, lane = tid % T;
    uint row = wg_index() * (WG / T) + tid / T;
    bool live = row < pc.rows;
    uint base = row * pc.dim;

    float m = -3.402823466e38, s = 0.0;
    if (live) for (uint c = lane; c < pc.dim; c += T) {
        float v = LOAD_ACT(x, base + c);
        if (v > m) {
            s = s * exp(m - v) + 1.0;
            m = v;
        } else {
            s += exp(v - m);
        }
    }
    segmaxsum(m, s);
    if (!live) return;
    float inv = 1.0 / s;
    for (uint c = lane; c < pc.dim; c += T) STORE_ACT(y, base + c, exp(LOAD_ACT(x, base + c) - m) * inv);
}
