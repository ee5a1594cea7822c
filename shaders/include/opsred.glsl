// opsred.glsl: segmented workgroup reductions for the norm and softmax
// kernels. A workgroup of WG invocations (constant_id 0) is split into
// WG/T segments of T consecutive invocations (constant_id 1, a power of two);
// each segment reduces one row. Every invocation of the workgroup must call
// these (they contain barriers).
//
// Built with OPS_SUBGROUP=1 (the `_sg` variants, for devices with subgroup
// arithmetic), each subgroup reduces with subgroupAdd/Max and one barrier
// merges the subgroups of a segment; this needs T >= the subgroup size and
// subgroups made of consecutive invocations. Otherwise a shared-memory tree
// reduces (log2 T barriers).
#ifndef OPSRED_GLSL
#define OPSRED_GLSL

#extension GL_EXT_control_flow_attributes : enable

layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint T = 256;
layout(local_size_x_id = 0) in;

shared float red_a[WG];
shared float red_b[WG];

#if defined(OPS_SUBGROUP) && OPS_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

// segsum returns the sum of v over the invocation's segment.
float segsum(float v) {
    float s = subgroupAdd(v);
    if (T <= gl_SubgroupSize) return s;
    if (subgroupElect()) red_a[gl_SubgroupID] = s;
    barrier();
    // Every subgroup of the segment sums the segment's per partials, spread
    // over its lanes (one each when T <= subgroup size²).
    uint per = T / gl_SubgroupSize, first = (gl_LocalInvocationID.x / T) * per;
    float r = 0.0;
    for (uint k = gl_SubgroupInvocationID; k < per; k += gl_SubgroupSize) r += red_a[first + k];
    r = subgroupAdd(r);
    barrier();
    return r;
}

// segmaxsum merges per-invocation softmax states (running max m, sum s of
// exp(x − m)) over the segment.
void segmaxsum(inout float m, inout float s) {
    float mm = subgroupMax(m);
    float ss = subgroupAdd(s * exp(m - mm));
    if (T <= gl_SubgroupSize) {
        m = mm;
        s = ss;
        return;
    }
    if (subgroupElect()) {
        red_a[gl_SubgroupID] = mm;
        red_b[gl_SubgroupID] = ss;
    }
    barrier();
    uint per = T / gl_SubgroupSize, first = (gl_LocalInvocationID.x / T) * per;
    m = -3.402823466e38;
    for (uint k = gl_SubgroupInvocationID; k < per; k += gl_SubgroupSize) m = max(m, red_a[first + k]);
    m = subgroupMax(m);
    s = 0.0;
    for (uint k = gl_SubgroupInvocationID; k < per; k += gl_SubgroupSize) s += red_b[first + k] * exp(red_a[first + k] - m);
    s = subgroupAdd(s);
    barrier();
}

#else

float segsum(float v) {
    uint tid = gl_LocalInvocationID.x, lane = tid % T;
    red_a[tid] = v;
    barrier();
    for (uint s = T / 2; s > 0; s >>= 1) {
        if (lane < s) red_a[tid] += red_a[tid + s];
        barrier();
    }
    float r = red_a[tid - lane];
    barrier();
    return r;
}

void segmaxsum(inout float m, inout float s) {
    uint tid = gl_LocalInvocationID.x, lane = tid % T;
    red_a[tid] = m;
    red_b[tid] = s;
    barrier();
    for (uint st = T / 2; st > 0; st >>= 1) {
        if (lane < st) {
            float m1 = red_a[tid], m2 = red_a[tid + st];
            float mm = max(m1, m2);
            red_b[tid] = red_b[tid] * exp(m1 - mm) + red_b[tid + st] * exp(m2 - mm);
            red_a[tid] = mm;
        }
        barrier();
    }
    m = red_a[tid - lane];
    s = red_b[tid - lane];
    barrier();
}

#endif

// wg_index is the linear workgroup index of a grid folded into x and y.
uint wg_index() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

// Rows of up to T·CACHE values are held in registers (one read of x);
// longer rows are re-read for each pass. CACHE (constant_id 2, at most 16
// here by convention) is about dim/T, so no register is wasted.
layout(constant_id = 2) const uint CACHE = 16;

#endif
