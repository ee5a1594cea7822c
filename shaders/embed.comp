#version 450
// Embedding gather y[i, :] = table[ids[i], :] for the ids in
// [rowBase, rowBase + rowCount): the table range bound here starts at row
// rowBase, so a table larger than one binding is gathered in several
// dispatches. Invalid ids (outside [0, vocab)) give zero rows in the
// dispatch flagged zeroInvalid. The table is f32, f16 or bf16 (ttype 0/1/2).
#include "act.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer T32 { float t32[]; };
layout(std430, set = 0, binding = 0) readonly buffer T16 { uint16_t t16[]; };
layout(std430, set = 0, binding = 1) readonly buffer Ids { int ids[]; };
ACT_BUFFER(2, writeonly, y);

layout(push_constant) uniform Push { uint n, dim, ttype, rowBase, rowCount, vocab, zeroInvalid; } pc;

float tab(uint e) {
    if (pc.ttype == 0) return t32[e];
    uint h = uint(t16[e]);
    return pc.ttype == 1 ? unpackHalf2x16(h).x : uintBitsToFloat(h << 16);
}

void main() {
    uint c = gl_WorkGroupID.x * WG + gl_LocalInvocationID.x;
    if (c >= pc.dim) return;
    for (uint i = gl_WorkGroupID.y; i < pc.n; i += gl_NumWorkGroups.y) {
        int id = ids[i];
        if (id < 0 || uint(id) >= pc.vocab) {
            if (pc.zeroInvalid != 0) STORE_ACT(y, i * pc.dim + c, 0.0);
            continue;
        }
        uint r = uint(id) - pc.rowBase;
        if (uint(id) < pc.rowBase || r >= pc.rowCount) continue;
        STORE_ACT(y, i * pc.dim + c, tab(r * pc.dim + c));
    }
}
