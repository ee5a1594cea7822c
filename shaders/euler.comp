#version 450
// One flow-matching Euler step in place: x += (sched[step+1] − sched[step])·v,
// the timestep read from a buffer so a recorded step can be replayed.
#include "act.glsl"
#include "opsew.glsl"

ACT_BUFFER(0, , x);
ACT_BUFFER(1, readonly, v);
layout(std430, set = 0, binding = 2) readonly buffer Sched { float sched[]; };
layout(std430, set = 0, binding = 0) buffer X4 { ACT4_T x4[]; };
layout(std430, set = 0, binding = 1) readonly buffer V4 { ACT4_T v4[]; };

layout(push_constant) uniform Push { uint n, step; } pc;

void main() {
    uint i = ew_index();
    float dt = sched[pc.step + 1] - sched[pc.step];
    if (VEC == 4) {
        if (i >= pc.n / 4) return;
        STORE_ACT4(x4, i, LOAD_ACT4(x4, i) + dt * LOAD_ACT4(v4, i));
    } else {
        if (i >= pc.n) return;
        STORE_ACT(x, i, LOAD_ACT(x, i) + dt * LOAD_ACT(v, i));
    }
}
