#version 450
// y[i] = a[i] op b[i % bn]: add, sub, mul, or lerp a + alpha·(b − a).
// bn == n is element-wise, bn == dim broadcasts a row. y may alias a.
#include "act.glsl"
#include "opsew.glsl"

ACT_BUFFER(0, readonly, a);
ACT_BUFFER(1, readonly, b);
ACT_BUFFER(2, writeonly, y);
layout(std430, set = 0, binding = 0) readonly buffer A4 { ACT4_T a4[]; };
layout(std430, set = 0, binding = 1) readonly buffer B4 { ACT4_T b4[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y4 { ACT4_T y4[]; };

layout(push_constant) uniform Push { uint n, bn, op; float alpha; } pc;

vec4 apply(vec4 u, vec4 v) {
    switch (pc.op) {
    case 0: return u + v;
    case 1: return u - v;
    case 2: return u * v;
    default: return u + pc.alpha * (v - u);
    }
}

void main() {
    uint i = ew_index();
    if (VEC == 4) {
        if (i >= pc.n / 4) return;
        uint j = (i * 4) % pc.bn;
        STORE_ACT4(y4, i, apply(LOAD_ACT4(a4, i), LOAD_ACT4(b4, j / 4)));
    } else {
        if (i >= pc.n) return;
        STORE_ACT(y, i, apply(vec4(LOAD_ACT(a, i)), vec4(LOAD_ACT(b, i % pc.bn))).x);
    }
}
