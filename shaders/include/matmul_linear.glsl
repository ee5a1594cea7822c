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
//
// A quantized W (WTYPE q8_0 or q4_0, kernels/quant.go) binds its values at 1
// and its f16 scales at 6, one per 32 consecutive elements of a row: q8_0
// holds int8 values four a word, q4_0 values biased by 8 eight a word
// (element e in bits 4·(e%8) of word e/8); w = q·scale.

layout(constant_id = 6) const uint XTYPE = 0;
layout(constant_id = 7) const uint WTYPE = 0;

layout(std430, set = 0, binding = 0) readonly buffer Xb { uint xw[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wb { uint ww[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bb { float bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Gb { float gate[]; };
ACT_BUFFER(4, readonly, res);
ACT_BUFFER(5, , y);
layout(std430, set = 0, binding = 6) readonly buffer Sb { uint sw[]; };

layout(push_constant) uniform Push {
    uint M, N, K, ldy;             // this dispatch's sizes; ldy: row stride of Y and Residual
    uint xOff, wOff, yOff, rOff;   // element offsets inside the bindings
    uint bOff, gOff;               // first column's element in Bias and Gate
    uint flags, tilesN;            // LIN_* bits and act<<4; N tiles (matmul.comp)
    uint gRow0, gRows;             // the gate has one row per gRows rows of y (a batch of samples,
                                   // each with its own modulation); gRow0: this dispatch's first row
    uint sOff;                     // first scale's f16 index in binding 6 (quantized W)
} p;

#define LIN_BIAS 1u
#define LIN_RES 2u     // residual from binding 4
#define LIN_RES_Y 4u   // residual is Y itself (in place)
#define LIN_GATE 8u

float lin_x(uint row, uint k) {
    uint e = p.xOff + row * p.K + k;
    return mm_word_elem(xw[mm_word_index(e, XTYPE)], e, XTYPE);
}

const bool LIN_QUANT = WTYPE == DT_Q8_0 || WTYPE == DT_Q4_0;

// lin_qscale is the scale of W's element e (e counts from the binding's
// start; rows are whole blocks, so the block is (e − wOff)/32 from sOff).
float lin_qscale(uint e) {
    uint s = p.sOff + (e - p.wOff) / 32u;
    uint w = sw[s >> 1];
    return unpackHalf2x16((s & 1u) == 0u ? w : (w >> 16)).x;
}

// lin_wq is element e of a quantized W.
float lin_wq(uint e) {
    int q = WTYPE == DT_Q8_0 ? bitfieldExtract(int(ww[e >> 2]), int(8u * (e & 3u)), 8)
                             : int(bitfieldExtract(ww[e >> 3], int(4u * (e & 7u)), 4)) - 8;
    return float(q) * lin_qscale(e);
}

// lin_wq4 is elements e..e+3 (e % 4 == 0) of a quantized W.
vec4 lin_wq4(uint e) {
    ivec4 q;
    if (WTYPE == DT_Q8_0) {
        int w = int(ww[e >> 2]);
        q = ivec4(bitfieldExtract(w, 0, 8), bitfieldExtract(w, 8, 8), bitfieldExtract(w, 16, 8), bitfieldExtract(w, 24, 8));
    } else {
        uint w = ww[e >> 3] >> (4u * (e & 4u));
        q = ivec4(w & 15u, (w >> 4) & 15u, (w >> 8) & 15u, (w >> 12) & 15u) - 8;
    }
    return vec4(q) * lin_qscale(e);
}

float lin_w(uint col, uint k) {
    uint e = p.wOff + col * p.K + k;
    if (LIN_QUANT) return lin_wq(e);
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
