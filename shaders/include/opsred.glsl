// opsred.glsl: segmented workgroup reductions for the norm and softmax
// kernels. A workgroup of WG invocations (constant_id 0) is split into
// WG/T segments of T consecutive invocations (constant_id 1, a power of two);
// each segment reduces one row. Every invocation of the workgroup must call
// these (they contain barriers).
#ifndef OPSRED_GLSL
#define OPSRED_GLSL

layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint T = 256;
layout(local_size_x_id = 0) in;

shared float red_a[WG];
shared float red_b[WG];

// segsum returns the sum of v over the invocation's segment.
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

// segmaxsum merges per-invocation softmax states (running max m, sum s of
// exp(x − m)) over the segment.
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

// wg_index is the linear workgroup index of a grid folded into x and y.
uint wg_index() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

#endif
