// matmul_io.glsl: typed element loads from buffers declared as 32-bit words,
// and the activations of the fused epilogues (matmul, matmul_vec, conv).
//
// Inputs are read as uint words so that one shader serves f32, f16 and bf16
// without 16-bit storage: element e of a 16-bit tensor is the low (e even)
// or high (e odd) half of word e/2. Types are the kernels.DType values:
// 0 f32, 1 f16, 2 bf16, and for Linear's weights 3 q8_0, 4 q4_0 (decoded
// in matmul_linear.glsl, which binds their scales).
#ifndef MATMUL_IO_GLSL
#define MATMUL_IO_GLSL

#define DT_F32 0u
#define DT_F16 1u
#define DT_BF16 2u
#define DT_Q8_0 3u
#define DT_Q4_0 4u

// mm_word_elem decodes element e of a tensor of type t from the word holding it.
float mm_word_elem(uint word, uint e, uint t) {
    if (t == DT_F32) return uintBitsToFloat(word);
    uint h = (e & 1u) == 0u ? (word & 0xffffu) : (word >> 16);
    if (t == DT_BF16) return uintBitsToFloat(h << 16);
    return unpackHalf2x16(h).x;
}

// mm_word_index is the word holding element e.
uint mm_word_index(uint e, uint t) { return t == DT_F32 ? e : (e >> 1); }

// mm_quad16 decodes four 16-bit elements of type t packed in two words.
vec4 mm_quad16(uvec2 w, uint t) {
    if (t == DT_BF16)
        return vec4(uintBitsToFloat(w.x << 16), uintBitsToFloat(w.x & 0xffff0000u),
                    uintBitsToFloat(w.y << 16), uintBitsToFloat(w.y & 0xffff0000u));
    return vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y));
}

// Activations (kernels.Act): 0 none, 1 GELU (tanh approximation), 2 SiLU.
// GELU-tanh is written as x·sigmoid(2u), the same function as
// 0.5x(1+tanh(u)), so that no tanh overflows to NaN for large |x|.
float mm_act(float x, uint act) {
    if (act == 1u) {
        float u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
        return x / (1.0 + exp(-2.0 * u));
    }
    if (act == 2u) return x / (1.0 + exp(-x));
    return x;
}

#endif
