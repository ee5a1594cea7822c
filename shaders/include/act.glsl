// act.glsl: the activation storage type. Activations are stored as f32, or as
// f16 when the shader is compiled with -DACT_F16=1 (the `<name>_f16` variant
// in variants.txt). Only loads and stores change: all arithmetic,
// accumulation and statistics stay f32, so f16 storage needs only
// storageBuffer16BitAccess (GL_EXT_shader_16bit_storage), not shaderFloat16.
//
//   ACT_T, ACT2_T, ACT4_T      storage types (float/vec2/vec4 or float16_t/f16vec2/f16vec4)
//   ACT_BYTES                  bytes per element
//   LOAD_ACT(buf, i)           element i of an ACT_T array, as float
//   STORE_ACT(buf, i, v)       store float v into element i (rounded to nearest in f16 mode)
//   LOAD_ACT2/4, STORE_ACT2/4  the same for ACT2_T/ACT4_T arrays (vec2/vec4)
//   ACT_BUFFER(b, q, name)     declares `layout(std430, set = 0, binding = b) q buffer name_blk { ACT_T name[]; };`
//   bf16_to_f32(bits)          widens a bfloat16 held in the low 16 bits of a uint
//   half_lo/half_hi(word)      the two f16 values packed in a uint, as float
//
// Keep this file stable: other shaders include it. Add, don't change.
#ifndef ACT_GLSL
#define ACT_GLSL

#extension GL_EXT_shader_16bit_storage : require

#if defined(ACT_F16) && ACT_F16
#define ACT_T float16_t
#define ACT2_T f16vec2
#define ACT4_T f16vec4
#define ACT_BYTES 2
#else
#define ACT_T float
#define ACT2_T vec2
#define ACT4_T vec4
#define ACT_BYTES 4
#endif

#define LOAD_ACT(buf, i) float((buf)[i])
#define STORE_ACT(buf, i, v) ((buf)[i] = ACT_T(v))
#define LOAD_ACT2(buf, i) vec2((buf)[i])
#define STORE_ACT2(buf, i, v) ((buf)[i] = ACT2_T(v))
#define LOAD_ACT4(buf, i) vec4((buf)[i])
#define STORE_ACT4(buf, i, v) ((buf)[i] = ACT4_T(v))

#define ACT_BUFFER(b, q, name) layout(std430, set = 0, binding = b) q buffer name##_blk { ACT_T name[]; }

float bf16_to_f32(uint bits) { return uintBitsToFloat((bits & 0xffffu) << 16); }
float half_lo(uint word) { return unpackHalf2x16(word).x; }
float half_hi(uint word) { return unpackHalf2x16(word).y; }

#endif
