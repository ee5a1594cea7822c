#version 450
// GroupNorm, pass 1 of 3: workgroup (chunk k, group g) computes the mean and
// the sum of squared deviations (two passes; chunks of up to WG·CACHE values
// stay in registers, longer ones are re-read) of elements
// [k·chunk, min((k+1)·chunk, G)) of group g (G = c/groups·hw consecutive
// elements of the NCHW input) into part[g·chunks + k].
#include "act.glsl"
#include "opsred.glsl"

ACT_BUFFER(0, readonly, x);
layout(std430, set = 0, binding = 1) writeonly buffer Part { vec2 part[]; };

layout(push_constant) uniform Push { uint gsize, chunk, chunks; } pc;

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint k = gl_WorkGroupID.x, g = gl_WorkGroupID.y;
    uint lo = k * pc.chunk, hi = min(lo + pc.chunk, pc.gsize);
    uint base = g * pc.gsize;
    bool cached = hi - lo <= WG * CACHE;
    float v[CACHE];
    float s = 0.0;
    if (cached) {
        [[unroll]] for (uint j = 0; j < CACHE; j++) {
            uint i = lo + tid + j * WG;
            v[j] = i < hi ? LOAD_ACT(x, base + i) : 0.0;
            s += v[j];
        }
    } else {
        for (uint i = lo + tid; i < hi; i += WG) s += LOAD_ACT(x, base + i);
    }
    float mean = segsum(s) / float(hi - lo);
    float q = 0.0;
    if (cached) {
        [[unroll]] for (uint j = 0; j < CACHE; j++) {
            float d = lo + tid + j * WG < hi ? v[j] - mean : 0.0;
            q += d * d;
        }
    } else {
        for (uint i = lo + tid; i < hi; i += WG) {
            float d = LOAD_ACT(x, base + i) - mean;
            q += d * d;
        }
    }
    q = segsum(q);
    if (tid == 0) part[g * pc.chunks + k] = vec2(mean, q);
}
