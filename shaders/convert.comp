#version 450
// Storage-type conversion: x stored as f32, f16 or bf16 (from 0/1/2) into
// the activation type of this variant (f32, or f16 rounded to nearest even).
#include "act.glsl"
#include "opsew.glsl"

layout(std430, set = 0, binding = 0) readonly buffer X32 { float x32[]; };
layout(std430, set = 0, binding = 0) readonly buffer X16 { uint16_t x16[]; };
ACT_BUFFER(1, writeonly, y);

layout(push_constant) uniform Push { uint n, from; } pc;

void main() {
    uint i = ew_index();
    if (i >= pc.n) return;
    float v;
    if (pc.from == 0) {
        v = x32[i];
    } else {
        uint h = uint(x16[i]);
        v = pc.from == 1 ? unpackHalf2x16(h).x : uintBitsToFloat(h << 16);
    }
    STORE_ACT(y, i, v);
}
