// opsew.glsl: the grid of the element-wise kernels. WG invocations per
// workgroup (constant_id 0); each invocation handles VEC consecutive elements
// (constant_id 1: 1, or 4 when every length and offset is a multiple of 4);
// the 1-D grid is folded into x and y to stay under 65535 workgroups per
// dimension.
#ifndef OPSEW_GLSL
#define OPSEW_GLSL

layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint VEC = 1;
layout(local_size_x_id = 0) in;

// ew_index is the invocation's index over the whole folded grid.
uint ew_index() {
    return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * WG + gl_LocalInvocationID.x;
}

// Numerically safe activations (f32): exp overflow gives ±0 or the identity,
// never NaN; tanh's argument is clamped where it is ±1 in f32 anyway.
float ew_sigmoid(float v) { return 1.0 / (1.0 + exp(-v)); }
float ew_gelu_tanh(float v) {
    float u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    return 0.5 * v * (1.0 + tanh(clamp(u, -10.0, 10.0)));
}
vec4 ew_gelu_tanh4(vec4 v) {
    vec4 u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    return 0.5 * v * (1.0 + tanh(clamp(u, -10.0, 10.0)));
}

#endif
