#version 450
// mode 0, GatedAdd: y = x + gate[i % dim]·v (FLUX gated residual; y may alias x).
// mode 1, GatedGELU: y = gelu_tanh(x)·v (T5 gated feed-forward).
#include "act.glsl"
#include "opsew.glsl"

ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, readonly, v);
layout(std430, set = 0, binding = 2) readonly buffer Gate { float gate[]; };
ACT_BUFFER(3, writeonly, y);
layout(std430, set = 0, binding = 0) readonly buffer X4 { ACT4_T x4[]; };
layout(std430, set = 0, binding = 1) readonly buffer V4 { ACT4_T v4[]; };
layout(std430, set = 0, binding = 2) readonly buffer Gate4 { vec4 gate4[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y4 { ACT4_T y4[]; };

layout(push_constant) uniform Push { uint n, dim, mode; } pc;

void main() {
    uint i = ew_index();
    if (VEC == 4) {
        if (i >= pc.n / 4) return;
        vec4 a = LOAD_ACT4(x4, i), b = LOAD_ACT4(v4, i);
        vec4 r = pc.mode == 0 ? a + gate4[((i * 4) % pc.dim) / 4] * b : ew_gelu_tanh4(a) * b;
        STORE_ACT4(y4, i, r);
    } else {
        if (i >= pc.n) return;
        float a = LOAD_ACT(x, i), b = LOAD_ACT(v, i);
        STORE_ACT(y, i, pc.mode == 0 ? a + gate[i % pc.dim] * b : ew_gelu_tanh(a) * b);
    }
}
