#version 450
// Block copy y[yOff + r·yStride + c] = x[xOff + r·xStride + c] for a
// rows×cols block (concat, split and slices along rows or columns). With
// VEC = 4 every offset, stride and cols is a multiple of 4 (given in
// elements, divided here).
#include "act.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint VEC = 1;
layout(local_size_x_id = 0) in;

ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, writeonly, y);
layout(std430, set = 0, binding = 0) readonly buffer X4 { ACT4_T x4[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y4 { ACT4_T y4[]; };

layout(push_constant) uniform Push { uint rows, cols, xStride, xOff, yStride, yOff; } pc;

void main() {
    uint c = gl_WorkGroupID.x * WG + gl_LocalInvocationID.x;
    if (c * VEC >= pc.cols) return;
    for (uint r = gl_WorkGroupID.y; r < pc.rows; r += gl_NumWorkGroups.y) {
        if (VEC == 4) {
            y4[(pc.yOff + r * pc.yStride) / 4 + c] = x4[(pc.xOff + r * pc.xStride) / 4 + c];
        } else {
            y[pc.yOff + r * pc.yStride + c] = x[pc.xOff + r * pc.xStride + c];
        }
    }
}
