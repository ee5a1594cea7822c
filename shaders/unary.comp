#version 450
// y = f(x) element-wise: SiLU, GELU (tanh), QuickGELU, alpha·x + beta,
// clamp to [alpha, beta] (NaN stays NaN), copy. y may alias x.
#include "act.glsl"
#include "opsew.glsl"

ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, writeonly, y);
layout(std430, set = 0, binding = 0) readonly buffer X4 { ACT4_T x4[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y4 { ACT4_T y4[]; };

layout(push_constant) uniform Push { uint n, op; float alpha, beta; } pc;

float f(float v) {
    switch (pc.op) {
    case 0: return v * ew_sigmoid(v);
    case 1: return ew_gelu_tanh(v);
    case 2: return v * ew_sigmoid(1.702 * v);
    case 3: return pc.alpha * v + pc.beta;
    case 4: return v < pc.alpha ? pc.alpha : (v > pc.beta ? pc.beta : v);
    default: return v;
    }
}

void main() {
    uint i = ew_index();
    if (VEC == 4) {
        if (i >= pc.n / 4) return;
        vec4 v = LOAD_ACT4(x4, i);
        STORE_ACT4(y4, i, vec4(f(v.x), f(v.y), f(v.z), f(v.w)));
    } else {
        if (i >= pc.n) return;
        STORE_ACT(y, i, f(LOAD_ACT(x, i)));
    }
}
