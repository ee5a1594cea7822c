#version 450
// GroupNorm, pass 3 of 3: y = (x − mean)·rstd·gamma + beta per channel
// (gamma, beta optional), then optionally swish y·sigmoid(y). Workgroups
// (x: blocks of the hw plane, y: channel) stride over the plane.
#include "act.glsl"

layout(local_size_x_id = 0) in;
ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, writeonly, y);
layout(std430, set = 0, binding = 2) readonly buffer Stat { vec2 stat[]; };
layout(std430, set = 0, binding = 3) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 4) readonly buffer Beta { float beta[]; };

layout(push_constant) uniform Push {
    uint hw, per; // per: channels per group
    uint flags; // 1: gamma, 2: beta, 4: swish
} pc;

void main() {
    uint ch = gl_WorkGroupID.y;
    vec2 st = stat[ch / pc.per];
    float mean = st.x, a = st.y, b = 0.0;
    if ((pc.flags & 1u) != 0) a *= gamma[ch];
    if ((pc.flags & 2u) != 0) b = beta[ch];
    bool swish = (pc.flags & 4u) != 0;
    uint base = ch * pc.hw;
    uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x; i < pc.hw; i += step) {
        float v = (LOAD_ACT(x, base + i) - mean) * a + b;
        if (swish) v = v / (1.0 + exp(-v));
        STORE_ACT(y, base + i, v);
    }
}
