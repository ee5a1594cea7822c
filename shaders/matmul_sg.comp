#version 450
// Linear on CPU Vulkan devices (lavapipe): the subgroup-broadcast kernel of
// include/matmul_sg.glsl with Linear's bindings and epilogue. A = x
// (broadcast across lanes), B = Wᵀ (lane l reads rows of W). With VEC, x
// and W are read four elements at a time (a uvec4 of f32 or a uvec2 of
// 16-bit words).
// Variants: matmul_sg (Y f32), matmul_sg_f16 (Y f16).
#include "act.glsl"
#include "matmul_io.glsl"
#include "matmul_linear.glsl"

#define mm_M p.M
#define mm_N p.N
#define mm_K p.K
#define mm_tilesN p.tilesN
float mm_loadA(uint row, uint k) { return lin_x(row, k); }
float mm_loadB(uint k, uint col) { return lin_w(col, k); }
layout(std430, set = 0, binding = 0) readonly buffer Xb2 { uvec2 xw2[]; };
layout(std430, set = 0, binding = 0) readonly buffer Xb4 { uvec4 xw4[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wb2 { uvec2 ww2[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wb4 { uvec4 ww4[]; };
vec4 mm_loadA4(uint row, uint k) {
    uint q = (p.xOff + row * p.K + k) >> 2;
    return XTYPE == DT_F32 ? uintBitsToFloat(xw4[q]) : mm_quad16(xw2[q], XTYPE);
}
vec4 mm_loadB4(uint k, uint col) {
    if (LIN_QUANT) return lin_wq4(p.wOff + col * p.K + k);
    uint q = (p.wOff + col * p.K + k) >> 2;
    return WTYPE == DT_F32 ? uintBitsToFloat(ww4[q]) : mm_quad16(ww2[q], WTYPE);
}
void mm_store(uint row, uint col, float acc) { lin_store(row, col, acc); }

#include "matmul_sg.glsl"
