#version 450
// Third pass of the naive attention: O[i][h·D + c] = Σ_j P[h][i][j]·V[j][h·D + c]
// from the probabilities attn_softmax.comp left in the scratch. One thread
// per output element.
#include "act.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

ACT_BUFFER(0, writeonly, obuf);
layout(std430, set = 0, binding = 1) readonly buffer P { float pr[]; };
ACT_BUFFER(2, readonly, vbuf);

layout(push_constant) uniform Push {
    uint lq, lk, d, h0;
    uint vstride, ostride, voff, ooff;
} p;

void main() {
    const uint c = gl_GlobalInvocationID.x, i = gl_GlobalInvocationID.y;
    const uint hz = gl_WorkGroupID.z, h = p.h0 + hz;
    if (i >= p.lq || c >= p.d) return;
    const uint pa = (hz * p.lq + i) * p.lk, va = p.voff + h * p.d + c;
    float acc = 0.0;
    for (uint j = 0; j < p.lk; j++) acc = fma(pr[pa + j], LOAD_ACT(vbuf, va + j * p.vstride), acc);
    STORE_ACT(obuf, p.ooff + i * p.ostride + h * p.d + c, acc);
}
