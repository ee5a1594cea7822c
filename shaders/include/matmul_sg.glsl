// matmul_sg.glsl: the matrix product C[M,N] = A[M,K]·B[K,N] for CPU Vulkan
// devices (lavapipe), used by matmul_sg.comp and conv_sg.comp.
//
// On lavapipe every buffer or shared-memory access is a loop over the SIMD
// lanes with a bounds check each, tens of times dearer than an FMA, while a
// subgroupBroadcast with a constant lane is a register shuffle. So this
// kernel has no shared memory and maximises FMAs per load: each subgroup of
// SG lanes owns an R×(SG·C) block of C, lane l the columns n0+l+SG·c. Per
// SG-wide slice of K, lane l loads A[row][k0+l] for the R rows (R loads,
// later broadcast to all lanes one k at a time) and, per k, its C values of
// B: R/SG + C loads for R·C FMAs. With VEC (K and offsets multiples of 4)
// both are read four k at a time (vec4 loads cost lavapipe about 2.5 scalar
// ones): per 4·SG slice of K, R vec4 loads of A and, per 4 k, C of B.
// Rows and columns past the end are clamped for loading and skipped at the
// store; the K tail is zero-filled.
//
// The including shader defines mm_M, mm_N, mm_K, mm_tilesN (blocks along N)
// and
//   float mm_loadA(uint row, uint k)              row < M, k < K
//   float mm_loadB(uint k, uint col)              k < K, col < N
//   vec4  mm_loadA4(uint row, uint k)             A[row,k..k+3]; k % 4 == 0 (VEC only)
//   vec4  mm_loadB4(uint k, uint col)             B[k..k+3,col]; k % 4 == 0 (VEC only)
//   void  mm_store(uint row, uint col, float acc)
// B's arguments may be described once instead of per load (conv: the output
// pixel of a column, the channel and tap of a k): with MM_KINFO defined, the
// shader also defines MM_COL_T mm_colinfo(uint col), MM_K_T mm_kinfo(uint k)
// (MM_K_T a vector type subgroupBroadcast takes), and mm_loadB, mm_loadB4
// take (MM_K_T, MM_COL_T) and (MM_K_T[4], MM_COL_T); each lane computes the
// k info of its own k and the others get it by broadcast.
// Specialization constants: 0 WG (a multiple of SG), 1 SG (the subgroup
// size, checked in Go), 2 R, 3 C, 4 VEC. Grid: (blocks along N / (WG/SG),
// folded into x and z; ceil(M/R)).
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 8;
layout(constant_id = 1) const uint SG = 8;
layout(constant_id = 2) const uint R = 32;
layout(constant_id = 3) const uint C = 4;
layout(constant_id = 4) const uint VEC = 0;

#ifndef MM_KINFO
#define MM_COL_T uint
MM_COL_T mm_colinfo(uint col) { return col; }
#endif

float sg_acc[R * C];
shared float sg_out[R * C * WG];
MM_COL_T sg_cols[C];
uint sg_rows[R];

// sg_step4 accumulates the slice k0..k0+4·SG-1 of K (VEC only).
void sg_step4(uint k0, uint lane) {
    vec4 a[R];
    [[unroll]] for (uint r = 0; r < R; r++) a[r] = mm_loadA4(sg_rows[r], k0 + 4u * lane);
#ifdef MM_KINFO
    MM_K_T kl[4], kq[4];
    [[unroll]] for (uint j = 0; j < 4; j++) kl[j] = mm_kinfo(k0 + 4u * lane + j);
#endif
    // Not unrolled over q (the broadcast lane is then dynamically uniform):
    // R·C·4·SG unrolled FMAs made lavapipe's JIT take minutes for 32×64.
    [[dont_unroll]] for (uint q = 0; q < SG; q++) {
        vec4 b[C];
#ifdef MM_KINFO
        [[unroll]] for (uint j = 0; j < 4; j++) kq[j] = subgroupBroadcast(kl[j], q);
        [[unroll]] for (uint c = 0; c < C; c++) b[c] = mm_loadB4(kq, sg_cols[c]);
#else
        [[unroll]] for (uint c = 0; c < C; c++) b[c] = mm_loadB4(k0 + 4u * q, sg_cols[c]);
#endif
        [[unroll]] for (uint r = 0; r < R; r++) {
            vec4 ar = subgroupBroadcast(a[r], q);
            [[unroll]] for (uint c = 0; c < C; c++) {
                float s = sg_acc[r * C + c];
                s = fma(ar.x, b[c].x, s);
                s = fma(ar.y, b[c].y, s);
                s = fma(ar.z, b[c].z, s);
                sg_acc[r * C + c] = fma(ar.w, b[c].w, s);
            }
        }
    }
}

// sg_slice accumulates the kn <= SG values of K from k0 (one copy of the
// loop body for whole slices and the tail, for the JIT's sake).
void sg_slice(uint k0, uint kn, uint lane) {
    float a[R];
    uint kl = min(k0 + lane, mm_K - 1u);
    [[unroll]] for (uint r = 0; r < R; r++) a[r] = lane < kn ? mm_loadA(sg_rows[r], kl) : 0.0;
#ifdef MM_KINFO
    MM_K_T ki = mm_kinfo(kl);
#endif
    [[dont_unroll]] for (uint kk = 0; kk < kn; kk++) {
        float b[C];
#ifdef MM_KINFO
        MM_K_T kb = subgroupBroadcast(ki, kk);
        [[unroll]] for (uint c = 0; c < C; c++) b[c] = mm_loadB(kb, sg_cols[c]);
#else
        [[unroll]] for (uint c = 0; c < C; c++) b[c] = mm_loadB(k0 + kk, sg_cols[c]);
#endif
        [[unroll]] for (uint r = 0; r < R; r++) {
            float ar = subgroupBroadcast(a[r], kk);
            [[unroll]] for (uint c = 0; c < C; c++) sg_acc[r * C + c] = fma(ar, b[c], sg_acc[r * C + c]);
        }
    }
}

void main() {
    uint nsg = WG / SG;
    uint blk = (gl_WorkGroupID.x + gl_WorkGroupID.z * gl_NumWorkGroups.x) * nsg + gl_SubgroupID;
    if (blk >= mm_tilesN) return; // uniform over the subgroup; no barriers here
    uint lane = gl_SubgroupInvocationID;
    uint n0 = blk * SG * C, m0 = gl_WorkGroupID.y * R;
    [[unroll]] for (uint c = 0; c < C; c++) sg_cols[c] = mm_colinfo(min(n0 + lane + SG * c, mm_N - 1u));
    [[unroll]] for (uint r = 0; r < R; r++) sg_rows[r] = min(m0 + r, mm_M - 1u);
    [[unroll]] for (uint i = 0; i < R * C; i++) sg_acc[i] = 0.0;
    uint k0 = 0;
    if (VEC != 0) {
        uint kv = mm_K - mm_K % (4u * SG);
        for (; k0 < kv; k0 += 4u * SG) sg_step4(k0, lane);
    }
    for (; k0 < mm_K; k0 += SG) sg_slice(k0, min(SG, mm_K - k0), lane);
    // The epilogue runs in a loop that is not unrolled (the accumulators go
    // through shared memory): R·C inlined copies of it, with f16
    // conversions, made lavapipe's JIT take tens of seconds.
    uint tid = gl_LocalInvocationID.x;
    [[unroll]] for (uint i = 0; i < R * C; i++) sg_out[i * WG + tid] = sg_acc[i];
    for (uint i = 0; i < R * C; i++) {
        uint r = i / C, col = n0 + lane + SG * (i % C);
        if (m0 + r < mm_M && col < mm_N) mm_store(m0 + r, col, sg_out[i * WG + tid]);
    }
}
