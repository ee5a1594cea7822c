#version 450
// Conv2D on CPU Vulkan devices (lavapipe): the implicit GEMM of conv.comp on
// the subgroup-broadcast kernel of include/matmul_sg.glsl. A = W (broadcast
// across lanes, four k at a time with VEC), B = im2col(x) with lane l on
// output pixels n0+l+SG·c: each column's first input pixel is computed once
// (mm_colinfo) and each k's channel and tap once per subgroup (mm_kinfo,
// broadcast), so a load of B is a bounds test and one index.
// Variants: conv_sg (Y f32), conv_sg_f16 (Y f16).
#include "act.glsl"
#include "matmul_io.glsl"
#include "matmul_conv.glsl"

layout(std430, set = 0, binding = 1) readonly buffer Wb2 { uvec2 ww2[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wb4 { uvec4 ww4[]; };

#define MM_KINFO 1
#define MM_COL_T ivec2 // top-left input pixel (y, x) of the output pixel, in upsampled coordinates
#define MM_K_T ivec4   // (input channel · H, ky, kx, 0)

MM_COL_T mm_colinfo(uint col) {
    uint oy = col / p.OW, ox = col - oy * p.OW;
    return ivec2(oy * p.stride, ox * p.stride) - ivec2(p.padT, p.padL);
}

MM_K_T mm_kinfo(uint k) {
    uint khw = p.KH * p.KW;
    uint ci = k / khw, r = k - ci * khw;
    uint ky = r / p.KW;
    return ivec4(ci * p.H, ky, r - ky * p.KW, 0);
}

float mm_loadB(MM_K_T k, MM_COL_T c) {
    int iy = c.x + k.y, ix = c.y + k.z;
    if (iy < 0 || ix < 0 || iy >= int(p.H << p.up) || ix >= int(p.W << p.up)) return 0.0;
    uint e = p.xOff + (uint(k.x) + (uint(iy) >> p.up)) * p.W + (uint(ix) >> p.up);
    return mm_word_elem(xw[mm_word_index(e, XTYPE)], e, XTYPE);
}

vec4 mm_loadB4(MM_K_T k[4], MM_COL_T c) {
    return vec4(mm_loadB(k[0], c), mm_loadB(k[1], c), mm_loadB(k[2], c), mm_loadB(k[3], c));
}

float mm_loadA(uint row, uint k) {
    uint e = p.wOff + row * p.ldw + k;
    return mm_word_elem(ww[mm_word_index(e, WTYPE)], e, WTYPE);
}

vec4 mm_loadA4(uint row, uint k) {
    uint q = (p.wOff + row * p.ldw + k) >> 2;
    return WTYPE == DT_F32 ? uintBitsToFloat(ww4[q]) : mm_quad16(ww2[q], WTYPE);
}

#include "matmul_sg.glsl"
