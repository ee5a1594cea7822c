#version 450
// Tiled flash attention with online softmax: O = softmax(scale·Q·Kᵀ + bias)·V
// for one head and BR query rows per workgroup, walking the keys in tiles of
// BC. The BR×Lk score matrix is never stored: each tile's scores live in
// registers, its probabilities in shared memory for one PV step, and every
// query row keeps a running max m and sum l (f32), so memory is O(L).
//
// Thread layout: the WG threads form NTR×NTC (tr, tc). Thread (tr, tc) owns
// query rows tr + i·NTR (i < SR), the score columns tc + j·NTC (j < SC) of
// each tile and the output channels tc + k·NTC (k < OC) of its rows, so the
// rescale factor of its rows is local and loads from shared memory are
// broadcast (rows) or consecutive (columns). Any head dim works: D is a
// specialization constant, QKᵀ is staged in head-dim chunks of DK and PV in
// key chunks of JK rows (D = 512 fits lavapipe's 32 KiB of shared memory).
//
// Logits are prescaled by log2(e) (p.scale2 = scale·log2 e) so the
// exponentials are exp2. Element of head h, token i, channel c is at
// off + i·stride + h·D + c of its buffer (fused QKV layouts).
#extension GL_EXT_control_flow_attributes : enable
#include "act.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BR = 64;  // query rows per workgroup
layout(constant_id = 2) const uint BC = 32;  // keys per tile
layout(constant_id = 3) const uint D = 128;  // head dim
layout(constant_id = 4) const uint SR = 4;   // query rows per thread
layout(constant_id = 5) const uint DK = 32;  // head-dim chunk staged for QKᵀ
layout(constant_id = 6) const uint JK = 16;  // keys per V chunk (divides BC)
layout(constant_id = 7) const uint QRES = 0; // 1: the whole Q tile stays in shared memory

const uint WG = gl_WorkGroupSize.x;
const uint NTR = BR / SR;            // thread rows
const uint NTC = WG / NTR;           // thread columns
const uint SC = BC / NTC;            // score columns per thread
const uint OC = (D + NTC - 1) / NTC; // output channels per thread
const uint DP = OC * NTC;            // D padded to the thread columns
const uint NDK = (D + DK - 1) / DK;  // head-dim chunks
const uint QROWS = DK + QRES * (NDK - 1) * DK;
const uint KVN = DK * BC > JK * DP ? DK * BC : JK * DP;

ACT_BUFFER(0, writeonly, obuf);
ACT_BUFFER(1, readonly, qbuf);
ACT_BUFFER(2, readonly, kbuf);
ACT_BUFFER(3, readonly, vbuf);
layout(std430, set = 0, binding = 4) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push {
    uint heads, lq, lk;
    uint qstride, kstride, vstride, ostride;
    uint qoff, koff, voff, ooff;
    float scale2; // scale · log2(e)
    uint causal, hasbias;
} p;

shared float Qs[QROWS * BR]; // [d][row]
shared float KV[KVN];        // K chunk [d][key], then V chunk [key][DP]
shared float Ps[BC * BR];    // probabilities [key][row]
shared float Red[BR * NTC];  // per-thread row partials [row][tc]

const float LOG2E = 1.4426950408889634;
// Masked logits: finite so that max/exp2 never see inf - inf; key 0 is in
// every row's first tile, so a row's max is real after tile 0 and
// exp2(NEG - m) is 0.
const float NEG = -1e30;

// stageQ puts Q rows r0.. of head channels d0..d0+n into Qs[(base+dd)·BR + r].
void stageQ(uint r0, uint hd, uint d0, uint n, uint base) {
    for (uint idx = gl_LocalInvocationIndex; idx < BR * n; idx += WG) {
        uint r = idx / n, dd = idx % n, row = r0 + r, d = d0 + dd;
        float x = 0.0;
        if (row < p.lq && d < D) x = LOAD_ACT(qbuf, p.qoff + row * p.qstride + hd + d);
        Qs[(base + dd) * BR + r] = x;
    }
}

// stageK puts keys k0..k0+BC of channels d0..d0+DK into KV[dd·BC + j].
void stageK(uint k0, uint hd, uint d0) {
    for (uint idx = gl_LocalInvocationIndex; idx < BC * DK; idx += WG) {
        uint j = idx / DK, dd = idx % DK, key = k0 + j, d = d0 + dd;
        float x = 0.0;
        if (key < p.lk && d < D) x = LOAD_ACT(kbuf, p.koff + key * p.kstride + hd + d);
        KV[dd * BC + j] = x;
    }
}

// stageV puts value rows k0..k0+JK into KV[jj·DP + d] (zero past Lk and D:
// a masked key's p is 0, but 0·garbage could be NaN).
void stageV(uint k0, uint hd) {
    for (uint idx = gl_LocalInvocationIndex; idx < JK * DP; idx += WG) {
        uint jj = idx / DP, d = idx % DP, key = k0 + jj;
        float x = 0.0;
        if (key < p.lk && d < D) x = LOAD_ACT(vbuf, p.voff + key * p.vstride + hd + d);
        KV[jj * DP + d] = x;
    }
}

void main() {
    const uint tid = gl_LocalInvocationIndex;
    const uint tr = tid / NTC, tc = tid % NTC;
    const uint h = gl_WorkGroupID.y, hd = h * D;
    const uint r0 = gl_WorkGroupID.x * BR;

    float m[SR], l[SR], o[SR * OC];
    [[unroll]] for (uint i = 0; i < SR; i++) { m[i] = NEG; l[i] = 0.0; }
    [[unroll]] for (uint i = 0; i < SR * OC; i++) o[i] = 0.0;

    // With the causal mask, keys past the tile's last row are hidden from all its rows.
    uint nk = p.lk;
    if (p.causal != 0) nk = min(nk, r0 + BR);
    const uint ntiles = (nk + BC - 1) / BC;

    if (QRES != 0) stageQ(r0, hd, 0, NDK * DK, 0);
    for (uint t = 0; t < ntiles; t++) {
        const uint k0 = t * BC;
        float s[SR * SC];
        [[unroll]] for (uint i = 0; i < SR * SC; i++) s[i] = 0.0;
        for (uint c = 0; c < NDK; c++) {
            barrier(); // Qs/KV free: every thread is done with the last chunk
            if (QRES == 0) stageQ(r0, hd, c * DK, DK, 0);
            stageK(k0, hd, c * DK);
            barrier();
            const uint qb = QRES != 0 ? c * DK : 0;
            [[unroll]] for (uint dd = 0; dd < DK; dd++) {
                float qv[SR];
                [[unroll]] for (uint i = 0; i < SR; i++) qv[i] = Qs[(qb + dd) * BR + tr + i * NTR];
                [[unroll]] for (uint j = 0; j < SC; j++) {
                    float kv = KV[dd * BC + tc + j * NTC];
                    [[unroll]] for (uint i = 0; i < SR; i++) s[i * SC + j] = fma(qv[i], kv, s[i * SC + j]);
                }
            }
        }

        // Logits (log2 domain) and each thread's partial row max.
        [[unroll]] for (uint i = 0; i < SR; i++) {
            const uint r = tr + i * NTR, row = r0 + r;
            float mx = NEG;
            [[unroll]] for (uint j = 0; j < SC; j++) {
                const uint key = k0 + tc + j * NTC;
                float x = s[i * SC + j] * p.scale2;
                if (p.hasbias != 0 && row < p.lq && key < p.lk) x += LOG2E * bias[(h * p.lq + row) * p.lk + key];
                if (key >= p.lk || (p.causal != 0 && key > row)) x = NEG;
                s[i * SC + j] = x;
                mx = max(mx, x);
            }
            Red[r * NTC + tc] = mx;
        }
        barrier();

        // Online softmax: new max, rescale the running sum and output, P to shared.
        [[unroll]] for (uint i = 0; i < SR; i++) {
            const uint r = tr + i * NTR;
            float mn = m[i];
            for (uint u = 0; u < NTC; u++) mn = max(mn, Red[r * NTC + u]);
            const float alpha = exp2(m[i] - mn);
            m[i] = mn;
            float ps = 0.0;
            [[unroll]] for (uint j = 0; j < SC; j++) {
                const float pv = exp2(s[i * SC + j] - mn);
                Ps[(tc + j * NTC) * BR + r] = pv;
                ps += pv;
            }
            l[i] = l[i] * alpha + ps;
            [[unroll]] for (uint k = 0; k < OC; k++) o[i * OC + k] *= alpha;
        }

        // O += P·V, V staged JK keys at a time.
        for (uint j0 = 0; j0 < BC; j0 += JK) {
            barrier(); // KV free, Ps complete
            stageV(k0 + j0, hd);
            barrier();
            [[unroll]] for (uint jj = 0; jj < JK; jj++) {
                float pv[SR];
                [[unroll]] for (uint i = 0; i < SR; i++) pv[i] = Ps[(j0 + jj) * BR + tr + i * NTR];
                [[unroll]] for (uint k = 0; k < OC; k++) {
                    const float vv = KV[jj * DP + tc + k * NTC];
                    [[unroll]] for (uint i = 0; i < SR; i++) o[i * OC + k] = fma(pv[i], vv, o[i * OC + k]);
                }
            }
        }
    }

    // Each thread summed only its own columns: total the row sums, normalise, store.
    [[unroll]] for (uint i = 0; i < SR; i++) Red[(tr + i * NTR) * NTC + tc] = l[i];
    barrier();
    [[unroll]] for (uint i = 0; i < SR; i++) {
        const uint r = tr + i * NTR, row = r0 + r;
        float lt = 0.0;
        for (uint u = 0; u < NTC; u++) lt += Red[r * NTC + u];
        const float inv = 1.0 / lt;
        if (row < p.lq) {
            [[unroll]] for (uint k = 0; k < OC; k++) {
                const uint d = tc + k * NTC;
                if (d < D) STORE_ACT(obuf, p.ooff + row * p.ostride + hd + d, o[i * OC + k] * inv);
            }
        }
    }
}
