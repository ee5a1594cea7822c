#version 450
// Conv2D (NCHW, batch 1) as an implicit GEMM on the tiles of
// include/matmul_tile.glsl: C[M=Cout, N=OH·OW] = W[Cout, K=Cin·KH·KW] ·
// im2col(x)[K, N], where the im2col view is never stored: each B element is
// read from x with its zero padding, stride and (optionally) a nearest 2×
// upsample of x fused into the index. Epilogue: + bias[co], + residual.
// Conv2D may split Cin over several dispatches that accumulate in place into
// Y (the later ones with CONV_RES_Y), so W is addressed with a row stride ldw.
// Variants: conv (Y f32), conv_f16 (Y f16); X, W types: spec constants 6, 7.
#include "act.glsl"
#include "matmul_io.glsl"

#include "matmul_conv.glsl"
#define MM_B_KCONTIG 0

float mm_loadA(uint row, uint k) {
    uint e = p.wOff + row * p.ldw + k;
    return mm_word_elem(ww[mm_word_index(e, WTYPE)], e, WTYPE);
}

float mm_loadB(uint k, uint col) {
    uint khw = p.KH * p.KW;
    uint ci = k / khw, r = k - ci * khw;
    uint ky = r / p.KW, kx = r - ky * p.KW;
    uint oy = col / p.OW, ox = col - oy * p.OW;
    int iy = int(oy * p.stride + ky) - int(p.padT);
    int ix = int(ox * p.stride + kx) - int(p.padL);
    if (iy < 0 || ix < 0 || iy >= int(p.H << p.up) || ix >= int(p.W << p.up)) return 0.0;
    uint e = p.xOff + (ci * p.H + (uint(iy) >> p.up)) * p.W + (uint(ix) >> p.up);
    return mm_word_elem(xw[mm_word_index(e, XTYPE)], e, XTYPE);
}

#include "matmul_tile.glsl"
