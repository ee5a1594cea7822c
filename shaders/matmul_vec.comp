#version 450
// Linear for few rows of x (M <= MR, the pooled-vector paths where M is 1):
// a GEMV-like kernel that reads each weight once for all rows. A workgroup
// owns ROWS rows of W (output columns); its WG threads split K, each keeping
// MR×ROWS partial sums, which a shared-memory tree then reduces. When K and
// the offsets are multiples of 4 (push flag LIN_VEC4) the K loop loads four
// elements of x and W per step (uvec4 of f32 words or uvec2 of 16-bit pairs).
// Variants: matmul_vec (Y f32), matmul_vec_f16 (Y f16).
// Specialization: 0 WG (power of two), 1 ROWS, 2 MR, 6 XTYPE, 7 WTYPE.
#include "act.glsl"
#include "matmul_io.glsl"
#include "matmul_linear.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint ROWS = 4;
layout(constant_id = 2) const uint MR = 1;

layout(std430, set = 0, binding = 0) readonly buffer Xb2 { uvec2 xw2[]; };
layout(std430, set = 0, binding = 0) readonly buffer Xb4 { uvec4 xw4[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wb2 { uvec2 ww2[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wb4 { uvec4 ww4[]; };

#define LIN_VEC4 64u

shared float red[MR * ROWS * WG];

// quad i of x and W (elements 4i..4i+3) from their word views.
vec4 x4(uint i) { return XTYPE == DT_F32 ? uintBitsToFloat(xw4[i]) : mm_quad16(xw2[i], XTYPE); }
vec4 w4(uint i) {
    if (LIN_QUANT) return lin_wq4(4u * i);
    return WTYPE == DT_F32 ? uintBitsToFloat(ww4[i]) : mm_quad16(ww2[i], WTYPE);
}

void main() {
    uint grp = gl_WorkGroupID.x + gl_WorkGroupID.z * gl_NumWorkGroups.x;
    uint n0 = grp * ROWS;
    if (n0 >= p.N) return; // uniform over the workgroup
    uint tid = gl_LocalInvocationID.x;
    uint rows = min(ROWS, p.N - n0);

    float acc[MR * ROWS];
    for (uint i = 0; i < MR * ROWS; i++) acc[i] = 0.0;
    if ((p.flags & LIN_VEC4) != 0u) {
        uint kq = p.K / 4;
        for (uint q = tid; q < kq; q += WG) {
            vec4 xv[MR];
            for (uint m = 0; m < MR; m++) xv[m] = x4((p.xOff + m * p.K) / 4 + q);
            for (uint r = 0; r < ROWS; r++) {
                if (r >= rows) break;
                vec4 wv = w4((p.wOff + (n0 + r) * p.K) / 4 + q);
                for (uint m = 0; m < MR; m++) acc[m * ROWS + r] += dot(xv[m], wv);
            }
        }
    } else {
        for (uint k = tid; k < p.K; k += WG) {
            float xv[MR];
            for (uint m = 0; m < MR; m++) xv[m] = m < p.M ? lin_x(m, k) : 0.0;
            for (uint r = 0; r < ROWS; r++) {
                if (r >= rows) break;
                float wv = lin_w(n0 + r, k);
                for (uint m = 0; m < MR; m++) acc[m * ROWS + r] = fma(xv[m], wv, acc[m * ROWS + r]);
            }
        }
    }
    for (uint i = 0; i < MR * ROWS; i++) red[i * WG + tid] = acc[i];
    barrier();
    for (uint s = WG / 2; s > 0; s >>= 1) {
        if (tid < s)
            for (uint i = 0; i < MR * ROWS; i++) red[i * WG + tid] += red[i * WG + tid + s];
        barrier();
    }
    for (uint v = tid; v < MR * ROWS; v += WG) {
        uint m = v / ROWS, r = v % ROWS;
        if (m < p.M && r < rows) lin_store(m, n0 + r, red[v * WG]);
    }
}
