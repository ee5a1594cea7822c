#version 450
// First pass of the naive three-pass attention (the benchmark baseline and
// a second opinion in tests): S[h][i][j] = scale·q_i·k_j + bias[h][i][j]
// into an f32 scratch of heads·Lq·Lk (O(L²) memory, unlike attention.comp).
// One thread per score, the dot product straight from global memory. The
// causal mask is applied by attn_softmax.comp.
#include "act.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, set = 0, binding = 0) writeonly buffer S { float s[]; };
ACT_BUFFER(1, readonly, qbuf);
ACT_BUFFER(2, readonly, kbuf);
layout(std430, set = 0, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push {
    uint lq, lk, d, h0; // h0: first head of this dispatch (the scratch holds heads h0..)
    uint qstride, kstride, qoff, koff;
    float scale;
    uint hasbias; // bias is [heads][lq][lk] for all heads
} p;

void main() {
    const uint j = gl_GlobalInvocationID.x, i = gl_GlobalInvocationID.y;
    const uint hz = gl_WorkGroupID.z, h = p.h0 + hz;
    if (i >= p.lq || j >= p.lk) return;
    const uint qa = p.qoff + i * p.qstride + h * p.d, ka = p.koff + j * p.kstride + h * p.d;
    float acc = 0.0;
    for (uint c = 0; c < p.d; c++) acc = fma(LOAD_ACT(qbuf, qa + c), LOAD_ACT(kbuf, ka + c), acc);
    acc *= p.scale;
    if (p.hasbias != 0) acc += bias[(h * p.lq + i) * p.lk + j];
    s[(hz * p.lq + i) * p.lk + j] = acc;
}
