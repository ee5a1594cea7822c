// matmul_tile.glsl: the shared-memory tiled matrix product C[M,N] = A[M,K]·B[K,N]
// used by matmul.comp (Linear) and conv.comp (implicit-GEMM convolution).
//
// A workgroup of WG threads computes one BM×BN tile of C, stepping over K in
// slices of BK: it stages A[BM,BK] and B[BK,BN] in shared memory, then each
// thread accumulates a TM×TN block of C in registers (TM+TN shared loads for
// TM·TN FMAs). A thread's rows are strided by BM/TM and its columns by BN/TN,
// so neighbouring threads read neighbouring shared words and write
// neighbouring output columns. Accumulation is f32 whatever the storage types.
//
// The including shader defines, before including this file:
//   float mm_loadA(uint row, uint k)   element A[row,k] (row < M, k < K)
//   float mm_loadB(uint k, uint col)   element B[k,col] (k < K, col < N)
//   void  mm_store(uint row, uint col, float acc)   epilogue (row < M, col < N)
//   MM_B_KCONTIG  1 when B is K-contiguous (Linear's W[N,K]), 0 when it is
//                 N-contiguous (conv's im2col view of the image)
//   mm_M, mm_N, mm_K, mm_tilesN        uint expressions (push constants)
// and gets specialization constants 0..5: WG, BM, BN, BK, TM, TN, with
// WG = (BM/TM)·(BN/TN) and BM·BK, BN·BK multiples of WG (checked in Go).
// The grid is (tilesN folded into x and z, ceil(M/BM)).

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;

const uint MM_TX = BN / TN; // threads along N
const uint MM_RS = BM / TM; // row stride of a thread's rows
const uint MM_WG = (BM / TM) * (BN / TN);

shared float mm_As[BK * BM]; // [k][row]
shared float mm_Bs[BK * BN]; // [k][col]

void mm_fill(uint m0, uint n0, uint k0, uint tid) {
    for (uint i = tid; i < BM * BK; i += MM_WG) {
        uint r = i / BK, kk = i % BK;
        float v = 0.0;
        if (m0 + r < mm_M && k0 + kk < mm_K) v = mm_loadA(m0 + r, k0 + kk);
        mm_As[kk * BM + r] = v;
    }
    for (uint i = tid; i < BN * BK; i += MM_WG) {
#if MM_B_KCONTIG
        uint c = i / BK, kk = i % BK;
#else
        uint kk = i / BN, c = i % BN;
#endif
        float v = 0.0;
        if (n0 + c < mm_N && k0 + kk < mm_K) v = mm_loadB(k0 + kk, n0 + c);
        mm_Bs[kk * BN + c] = v;
    }
}

void main() {
    uint tile = gl_WorkGroupID.x + gl_WorkGroupID.z * gl_NumWorkGroups.x;
    if (tile >= mm_tilesN) return; // uniform over the workgroup
    uint n0 = tile * BN, m0 = gl_WorkGroupID.y * BM;
    uint tid = gl_LocalInvocationID.x;
    uint tx = tid % MM_TX, ty = tid / MM_TX;

    float acc[TM * TN];
    for (uint i = 0; i < TM * TN; i++) acc[i] = 0.0;
    float a[TM], b[TN];
    for (uint k0 = 0; k0 < mm_K; k0 += BK) {
        mm_fill(m0, n0, k0, tid);
        barrier();
        for (uint kk = 0; kk < BK; kk++) {
            for (uint i = 0; i < TM; i++) a[i] = mm_As[kk * BM + ty + i * MM_RS];
            for (uint j = 0; j < TN; j++) b[j] = mm_Bs[kk * BN + tx + j * MM_TX];
            for (uint i = 0; i < TM; i++)
                for (uint j = 0; j < TN; j++) acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]);
        }
        barrier();
    }
    for (uint i = 0; i < TM; i++) {
        uint row = m0 + ty + i * MM_RS;
        if (row >= mm_M) break;
        for (uint j = 0; j < TN; j++) {
            uint col = n0 + tx + j * MM_TX;
            if (col < mm_N) mm_store(row, col, acc[i * TN + j]);
        }
    }
}
