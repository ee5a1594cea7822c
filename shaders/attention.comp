#version 450
// Tiled flash attention with online softmax: O = softmax(scale·Q·Kᵀ + bias)·V
// for one head and BR query rows per workgroup, walking the keys in tiles of
// BC. The BR×Lk score matrix is never stored: each tile's scores live in
// registers, its probabilities in shared memory for one PV step, and every
// query row keeps a running max m and sum l (f32), so memory is O(L).
//
// Thread layout: the WG threads form NTR×NTC (tr, tc). Thread (tr, tc) owns
// query rows tr + i·NTR (i < SR), keys 4·tc..4·tc+3 of each tile (BC =
// 4·NTC) and the output channel groups 4·(tc + k·NTC)..+3 (k < OC4) of its
// rows, so the rescale factor of its rows is local; shared-memory loads are
// vec4 and either broadcast (rows) or consecutive (columns). K rows are
// staged in the order (key % 4)·NTC + key / 4 so that the threads of a row
// read consecutive rows. Any head dim works: D is a specialization
// constant, QKᵀ is staged in head-dim chunks of DK and PV in key chunks of
// JK rows (D = 512 fits lavapipe's 32 KiB of shared memory).
//
// The optional bias tile is staged into the probability array (one vec4 per
// thread and row); the probabilities overwrite it, each thread its own slots.
// Logits are prescaled by log2(e) (p.scale2 = scale·log2 e) so the
// exponentials are exp2. Element of head h, token i, channel c is at
// off + i·stride + h·D + c of its buffer (fused QKV layouts); grid z walks a
// batch of sequences stacked by rows.
#extension GL_EXT_control_flow_attributes : enable
#include "act.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BR = 64;  // query rows per workgroup
layout(constant_id = 2) const uint NTC = 16; // threads per query row; BC = 4·NTC keys per tile
layout(constant_id = 3) const uint D = 128;  // head dim
layout(constant_id = 4) const uint SR = 4;   // query rows per thread
layout(constant_id = 5) const uint DK = 32;  // head-dim chunk staged for QKᵀ (multiple of 4)
layout(constant_id = 6) const uint JK = 16;  // keys per V chunk (multiple of 4, divides BC)
layout(constant_id = 7) const uint QRES = 0; // 1: the whole Q tile stays in shared memory
layout(constant_id = 8) const uint PAD = 0;  // 1: pad shared rows by a vec4 (bank conflicts on GPUs)
layout(constant_id = 9) const uint VEC = 0;  // 1: offsets, strides and D are multiples of 4: vec4 global access

const uint WG = gl_WorkGroupSize.x;
const uint NTR = BR / SR;                         // thread rows (NTR·NTC = WG)
const uint BC = 4 * NTC;                          // keys per tile
const uint DK4 = DK / 4;
const uint NDK = (D + DK - 1) / DK;               // head-dim chunks
const uint OC4 = (D + 4 * NTC - 1) / (4 * NTC);  // vec4 output channel groups per thread
const uint DP4 = OC4 * NTC;                       // D/4 padded to the thread columns
const uint QS4 = DK4 + QRES * (NDK - 1) * DK4 + PAD;
const uint KS4 = DK4 + PAD;
const uint PS4 = NTC + PAD;
const uint RS4 = NTC / 4;
const uint KVN = BC * KS4 > JK * DP4 ? BC * KS4 : JK * DP4;

ACT_BUFFER(0, writeonly, obuf);
ACT_BUFFER(1, readonly, qbuf);
ACT_BUFFER(2, readonly, kbuf);
ACT_BUFFER(3, readonly, vbuf);
layout(std430, set = 0, binding = 4) readonly buffer Bias { float bias[]; };
// The same buffers as vec4s, used when VEC says every access is aligned.
layout(std430, set = 0, binding = 0) writeonly buffer O4 { ACT4_T obuf4[]; };
layout(std430, set = 0, binding = 1) readonly buffer Q4 { ACT4_T qbuf4[]; };
layout(std430, set = 0, binding = 2) readonly buffer K4 { ACT4_T kbuf4[]; };
layout(std430, set = 0, binding = 3) readonly buffer V4 { ACT4_T vbuf4[]; };

layout(push_constant) uniform Push {
    uint heads, lq, lk;
    uint qstride, kstride, vstride, ostride;
    uint qoff, koff, voff, ooff;
    float scale2; // scale · log2(e)
    uint causal, hasbias;
} p;

// Shared memory is vec4 so that each load moves four values (on lavapipe
// every shared access is a per-lane loop; on GPUs a 128-bit access).
shared vec4 Qs[BR * QS4];  // [row][d/4]
shared vec4 KV[KVN];       // K chunk [permuted key][d/4], then V chunk [key][d/4]
shared vec4 Ps[BR * PS4];  // probabilities [row][key/4]
shared vec4 Red[BR * RS4]; // per-thread row partials [row][tc/4]

const float LOG2E = 1.4426950408889634;
// Masked logits: finite so that max/exp2 never see inf - inf; key 0 is in
// every row's first tile, so a row's max is real after tile 0 and
// exp2(NEG - m) is 0.
const float NEG = -1e30;

// LOAD4 sets x to the channels d..d+3 at element a of buf (zero past D).
#define LOAD4(x, buf, buf4, a, d)                                            \
    if (VEC != 0) {                                                          \
        if ((d) < D) x = LOAD_ACT4(buf4, (a) / 4);                           \
    } else if (D % 4 == 0) {                                                 \
        if ((d) < D) x = vec4(LOAD_ACT(buf, a), LOAD_ACT(buf, (a) + 1), LOAD_ACT(buf, (a) + 2), LOAD_ACT(buf, (a) + 3)); \
    } else {                                                                 \
        [[unroll]] for (uint e_ = 0; e_ < 4; e_++) {                         \
            if ((d) + e_ < D) x[e_] = LOAD_ACT(buf, (a) + e_);               \
        }                                                                    \
    }

// Element offsets of this workgroup's sample (grid z): a batch of
// independent sequences stacked by rows, each Lq (Lk) rows long.
uint zq, zk, zv, zo;

// stageQ puts Q rows r0.. of head channels d0..d0+4·n4 into Qs[r·QS4 + g].
void stageQ(uint r0, uint hd, uint d0, uint n4) {
    for (uint idx = gl_LocalInvocationIndex; idx < BR * n4; idx += WG) {
        const uint r = idx / n4, g = idx % n4, row = r0 + r, d = d0 + 4 * g;
        vec4 x = vec4(0.0);
        if (row < p.lq) { LOAD4(x, qbuf, qbuf4, p.qoff + zq + row * p.qstride + hd + d, d) }
        Qs[r * QS4 + g] = x;
    }
}

// stageK puts keys k0..k0+BC of channels d0..d0+DK into KV, key j at row
// (j % 4)·NTC + j / 4.
void stageK(uint k0, uint hd, uint d0) {
    for (uint idx = gl_LocalInvocationIndex; idx < BC * DK4; idx += WG) {
        const uint j = idx / DK4, g = idx % DK4, key = k0 + j, d = d0 + 4 * g;
        vec4 x = vec4(0.0);
        if (key < p.lk) { LOAD4(x, kbuf, kbuf4, p.koff + zk + key * p.kstride + hd + d, d) }
        KV[((j % 4) * NTC + j / 4) * KS4 + g] = x;
    }
}

// stageV puts value rows k0..k0+JK into KV[jj·DP4 + g] (zero past Lk and D:
// a masked key's p is 0, but 0·garbage could be NaN).
void stageV(uint k0, uint hd) {
    for (uint idx = gl_LocalInvocationIndex; idx < JK * DP4; idx += WG) {
        const uint jj = idx / DP4, g = idx % DP4, key = k0 + jj, d = 4 * g;
        vec4 x = vec4(0.0);
        if (key < p.lk) { LOAD4(x, vbuf, vbuf4, p.voff + zv + key * p.vstride + hd + d, d) }
        KV[jj * DP4 + g] = x;
    }
}

// stageBias puts the bias of rows r0.. and keys k0..k0+BC into Ps[r·PS4 + j/4]
// (the probabilities overwrite it later, each thread only its own slots),
// so the logits read it as one vec4 per row instead of four scattered loads.
void stageBias(uint r0, uint k0, uint h) {
    for (uint idx = gl_LocalInvocationIndex; idx < BR * BC; idx += WG) {
        const uint r = idx / BC, j = idx % BC, row = r0 + r, key = k0 + j;
        float x = 0.0;
        if (row < p.lq && key < p.lk) x = bias[(h * p.lq + row) * p.lk + key];
        Ps[r * PS4 + j / 4][j % 4] = x;
    }
}

float max4(vec4 v) { return max(max(v.x, v.y), max(v.z, v.w)); }

void main() {
    const uint tid = gl_LocalInvocationIndex;
    const uint tr = tid / NTC, tc = tid % NTC;
    const uint h = gl_WorkGroupID.y, hd = h * D;
    const uint r0 = gl_WorkGroupID.x * BR;
    const uint z = gl_WorkGroupID.z;
    zq = z * p.lq * p.qstride;
    zk = z * p.lk * p.kstride;
    zv = z * p.lk * p.vstride;
    zo = z * p.lq * p.ostride;

    float m[SR], l[SR];
    vec4 o[SR * OC4];
    [[unroll]] for (uint i = 0; i < SR; i++) { m[i] = NEG; l[i] = 0.0; }
    [[unroll]] for (uint i = 0; i < SR * OC4; i++) o[i] = vec4(0.0);

    // With the causal mask, keys past the tile's last row are hidden from all its rows.
    uint nk = p.lk;
    if (p.causal != 0) nk = min(nk, r0 + BR);
    const uint ntiles = (nk + BC - 1) / BC;

    if (QRES != 0) stageQ(r0, hd, 0, NDK * DK4);
    for (uint t = 0; t < ntiles; t++) {
        const uint k0 = t * BC;
        vec4 s[SR]; // scores of keys k0 + 4·tc + e
        [[unroll]] for (uint i = 0; i < SR; i++) s[i] = vec4(0.0);
        for (uint c = 0; c < NDK; c++) {
            barrier(); // Qs/KV free: every thread is done with the last chunk
            if (QRES == 0) stageQ(r0, hd, c * DK, DK4);
            stageK(k0, hd, c * DK);
            if (c == 0 && p.hasbias != 0) stageBias(r0, k0, h);
            barrier();
            const uint qb = QRES != 0 ? c * DK4 : 0;
            for (uint g = 0; g < DK4; g++) {
                vec4 qv[SR];
                [[unroll]] for (uint i = 0; i < SR; i++) qv[i] = Qs[(tr + i * NTR) * QS4 + qb + g];
                [[unroll]] for (uint e = 0; e < 4; e++) {
                    const vec4 kv = KV[(e * NTC + tc) * KS4 + g];
                    [[unroll]] for (uint i = 0; i < SR; i++) s[i][e] += dot(qv[i], kv);
                }
            }
        }

        // Logits (log2 domain) and each thread's partial row max.
        [[unroll]] for (uint i = 0; i < SR; i++) {
            const uint r = tr + i * NTR, row = r0 + r;
            s[i] *= p.scale2;
            if (p.hasbias != 0) s[i] += LOG2E * Ps[r * PS4 + tc];
            [[unroll]] for (uint e = 0; e < 4; e++) {
                const uint key = k0 + 4 * tc + e;
                if (key >= p.lk || (p.causal != 0 && key > row)) s[i][e] = NEG;
            }
            Red[r * RS4 + tc / 4][tc % 4] = max4(s[i]);
        }
        barrier();

        // Online softmax: new max, rescale the running sum and output, P to shared.
        [[unroll]] for (uint i = 0; i < SR; i++) {
            const uint r = tr + i * NTR;
            float mn = m[i];
            [[unroll]] for (uint u = 0; u < RS4; u++) mn = max(mn, max4(Red[r * RS4 + u]));
            const float alpha = exp2(m[i] - mn);
            m[i] = mn;
            const vec4 pv = exp2(s[i] - mn);
            Ps[r * PS4 + tc] = pv;
            l[i] = l[i] * alpha + dot(pv, vec4(1.0));
            [[unroll]] for (uint k = 0; k < OC4; k++) o[i * OC4 + k] *= alpha;
        }

        // O += P·V, V staged JK keys at a time.
        for (uint j0 = 0; j0 < BC; j0 += JK) {
            barrier(); // KV free, Ps complete
            stageV(k0 + j0, hd);
            barrier();
            for (uint g = 0; g < JK / 4; g++) {
                vec4 pv[SR];
                [[unroll]] for (uint i = 0; i < SR; i++) pv[i] = Ps[(tr + i * NTR) * PS4 + j0 / 4 + g];
                [[unroll]] for (uint u = 0; u < 4; u++) {
                    [[unroll]] for (uint k = 0; k < OC4; k++) {
                        const vec4 vv = KV[(4 * g + u) * DP4 + tc + k * NTC];
                        [[unroll]] for (uint i = 0; i < SR; i++) o[i * OC4 + k] = fma(vec4(pv[i][u]), vv, o[i * OC4 + k]);
                    }
                }
            }
        }
    }

    // Each thread summed only its own keys: total the row sums, normalise, store.
    [[unroll]] for (uint i = 0; i < SR; i++) Red[(tr + i * NTR) * RS4 + tc / 4][tc % 4] = l[i];
    barrier();
    [[unroll]] for (uint i = 0; i < SR; i++) {
        const uint r = tr + i * NTR, row = r0 + r;
        float lt = 0.0;
        [[unroll]] for (uint u = 0; u < RS4; u++) lt += dot(Red[r * RS4 + u], vec4(1.0));
        const float inv = 1.0 / lt;
        if (row < p.lq) {
            [[unroll]] for (uint k = 0; k < OC4; k++) {
                const uint d = 4 * (tc + k * NTC), a = p.ooff + zo + row * p.ostride + hd + d;
                const vec4 y = o[i * OC4 + k] * inv;
                if (VEC != 0) {
                    if (d < D) STORE_ACT4(obuf4, a / 4, y);
                } else {
                    [[unroll]] for (uint e = 0; e < 4; e++) {
                        if (d + e < D) STORE_ACT(obuf, a + e, y[e]);
                    }
                }
            }
        }
    }
}
