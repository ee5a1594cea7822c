#version 450
// Nearest-neighbour 2× upsample: y[c, 2h, 2w] from x[c, h, w]. One thread per
// output element; the element count is folded over x and y of the grid.
// Variants: upsample (f32), upsample_f16 (f16).
#include "act.glsl"

layout(local_size_x_id = 0) in;
ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, writeonly, y);
layout(push_constant) uniform Push { uint total, H, W; } p; // total = c·2h·2w

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    if (i >= p.total) return;
    uint ow = 2u * p.W, oh = 2u * p.H;
    uint ox = i % ow, t = i / ow;
    uint oy = t % oh, c = t / oh;
    y[i] = x[(c * p.H + oy / 2u) * p.W + ox / 2u];
}
