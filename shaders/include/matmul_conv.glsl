// matmul_conv.glsl: bindings, push constants, the im2col load and the
// epilogue of Conv2D, shared by conv.comp (tiled, GPUs) and conv_sg.comp
// (subgroup kernel, CPU devices). Included after act.glsl and matmul_io.glsl.
// A = W [Cout, Cin·KH·KW] (row stride ldw), B = im2col(x) [K, OH·OW].

layout(constant_id = 6) const uint XTYPE = 0;
layout(constant_id = 7) const uint WTYPE = 0;

layout(std430, set = 0, binding = 0) readonly buffer Xb { uint xw[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wb { uint ww[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bb { float bias[]; };
ACT_BUFFER(3, readonly, res);
ACT_BUFFER(4, , y);

layout(push_constant) uniform Push {
    uint M, N, K, ldw;             // Cout, OH·OW, Cin·KH·KW of this dispatch; W row stride
    uint H, W, OW, KH, KW, stride; // input (pre-upsample) and kernel sizes
    uint padT, padL, up;           // padding; up = 1 for the fused 2× upsample
    uint xOff, wOff, yOff, rOff, bOff;
    uint flags, tilesN;
} p;

#define CONV_BIAS 1u
#define CONV_RES 2u
#define CONV_RES_Y 4u

#define mm_M p.M
#define mm_N p.N
#define mm_K p.K
#define mm_tilesN p.tilesN

void mm_store(uint row, uint col, float acc) {
    float v = acc;
    if ((p.flags & CONV_BIAS) != 0u) v += bias[p.bOff + row];
    uint yi = p.yOff + row * p.N + col;
    if ((p.flags & CONV_RES_Y) != 0u) v += LOAD_ACT(y, yi);
    else if ((p.flags & CONV_RES) != 0u) v += LOAD_ACT(res, p.rOff + row * p.N + col);
    STORE_ACT(y, yi, v);
}

