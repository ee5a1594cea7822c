#version 450
// Second pass of the naive attention: softmax of each scratch row in place
// (one workgroup per row, shared-memory reductions). With the causal mask,
// row i keeps keys 0..i and the rest become 0.

layout(local_size_x = 128) in;
const uint WG = 128;

layout(std430, set = 0, binding = 0) buffer S { float s[]; };

layout(push_constant) uniform Push {
    uint rows, lq, lk, causal;
} p;

shared float red[WG];

float reduceMax(float x) {
    red[gl_LocalInvocationIndex] = x;
    for (uint w = WG / 2; w > 0; w >>= 1) {
        barrier();
        if (gl_LocalInvocationIndex < w) red[gl_LocalInvocationIndex] = max(red[gl_LocalInvocationIndex], red[gl_LocalInvocationIndex + w]);
    }
    barrier();
    float r = red[0];
    barrier();
    return r;
}

float reduceSum(float x) {
    red[gl_LocalInvocationIndex] = x;
    for (uint w = WG / 2; w > 0; w >>= 1) {
        barrier();
        if (gl_LocalInvocationIndex < w) red[gl_LocalInvocationIndex] += red[gl_LocalInvocationIndex + w];
    }
    barrier();
    float r = red[0];
    barrier();
    return r;
}

void main() {
    // Rows are folded into 2-D grids (at most 65535 workgroups per dimension).
    const uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (row >= p.rows) return; // uniform across the workgroup
    const uint i = row % p.lq, base = row * p.lk;
    const uint n = p.causal != 0 ? min(p.lk, i + 1) : p.lk;
    const uint t = gl_LocalInvocationIndex;

    float mx = -3.0e38;
    for (uint j = t; j < n; j += WG) mx = max(mx, s[base + j]);
    mx = reduceMax(mx);
    float sum = 0.0;
    for (uint j = t; j < n; j += WG) sum += exp(s[base + j] - mx);
    sum = reduceSum(sum);
    const float inv = 1.0 / sum;
    for (uint j = t; j < p.lk; j += WG) s[base + j] = j < n ? exp(s[base + j] - mx) * inv : 0.0;
}
