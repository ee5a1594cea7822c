// matmul_linear.glsl: bindings, push constants, loads and the fused epilogue
// of Linear, y = residual + gate ⊙ act(x·Wᵀ + bias), shared by matmul.comp
// (tiled) and matmul_vec.comp (few rows of x). Included after act.glsl and
// matmul_io.glsl.
//
// X [M,K] (type XTYPE) and W [N,K] (type WTYPE, PyTorch nn.Linear layout)
// are read as words; Bias is f32 [N], Gate f32 [M/gRows, N]; Residual and Y are
// activations (ACT_T) addressed as row·ldy + column from their element
// offsets, so Linear can split N over several dispatches (Y then gets a
// column offset) when W is larger than one binding may be.

layout(constant_id = 6) const uint XTYPE = 0;
layout(constant_id = 7) const uint WTYPE = 0;

layout(std430, set = 0, binding = 0) readonly buffer Xb { uint xw[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wb { uint ww[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bb { float bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Gb { float gate[]; };
ACT_BUFFER(4, readonly, res);
ACT_BUFFER(5, , y);

layout(push_constant) uniform Push {
    uint M, N, K, ldy;             // this dispatch's sizes; ldy: row stride of Y and Residual
    uint xOff, wOff, yOff, rOff;   // element offsets inside the bindings
    uint bOff, gOff;               // first column's element in Bias and Gate
    uint flags, tilesN;            // LIN_* bits and act<<4; N tiles (matmul.comp)
    uint gRow0, gRows;             // the gate has one row per gRows rows of y (a batch of samples,
                                   // each with its own modulation); gRow0: this dispatch's first row
} p;

#define LIN_BIAS 1u
#define LIN_RES 2u     // residual from binding 4
#define LIN_RES_Y 4u   // residual is Y itself (in place)
#define LIN_GATE 8u

float lin_x(uint row, uint k) {
    uint e = p.xOff + row * p.K + k;
    return mm_word_elem(xw[mm_word_index(e, XTYPE)], e, XTYPE);
}

float lin_w(uint col, uint k) {
    uint e = p.wOff + col * p.K + k;
    return mm_word_elem(ww[mm_word_index(e, WTYPE)], e, WTYPE);
}

void lin_store(uint row, uint col, float acc) {
    uint f = p.flags;
    float v = acc;
    if ((f & LIN_BIAS) != 0u) v += bias[p.bOff + col];
    v = mm_act(v, (f >> 4) & 3u);
    uint yi = p.yOff + row * p.ldy + col;
    if ((f & (LIN_RES | LIN_RES_Y)) != 0u) {
        if ((f & LIN_GATE) != 0u) v *= gate[p.gOff + ((p.gRow0 + row) / p.gRows) * p.ldy + col];
        float r = (f & LIN_RES_Y) != 0u ? LOAD_ACT(y, yi) : LOAD_ACT(res, p.rOff + row * p.ldy + col);
        v += r;
    }
    STORE_ACT(y, yi, v);
}
