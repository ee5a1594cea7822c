#version 450
// Linear, tiled: y[M,N] = residual + gate ⊙ act(x[M,K]·W[N,K]ᵀ + bias), with
// shared-memory tiles and register blocking (include/matmul_tile.glsl).
// Variants: matmul (Y f32), matmul_f16 (Y f16). X and W types are
// specialization constants 6 and 7.
#include "act.glsl"
#include "matmul_io.glsl"
#include "matmul_linear.glsl"

#define mm_M p.M
#define mm_N p.N
#define mm_K p.K
#define mm_tilesN p.tilesN
#define MM_B_KCONTIG 1
float mm_loadA(uint row, uint k) { return lin_x(row, k); }
float mm_loadB(uint k, uint col) { return lin_w(col, k); }
void mm_store(uint row, uint col, float acc) { lin_store(row, col, acc); }

#include "matmul_tile.glsl"
