#version 450
// FLUX latent packing: Patchify gathers (c, h, w) into (h/2·w/2, c·4) tokens
// (token ti·(w/2)+tj, feature ch·4 + ph·2 + pw); inverse = 1 is Unpatchify.
// One invocation per output element.
#include "act.glsl"
#include "opsew.glsl"

ACT_BUFFER(0, readonly, x);
ACT_BUFFER(1, writeonly, y);

layout(push_constant) uniform Push { uint c, h, w, inverse; } pc;

void main() {
    uint o = ew_index();
    uint n = pc.c * pc.h * pc.w;
    if (o >= n) return;
    uint hw2 = pc.w / 2, src;
    if (pc.inverse == 0) {
        uint f4 = pc.c * 4, tok = o / f4, f = o % f4;
        uint ch = f / 4, ph = (f / 2) % 2, pw = f % 2;
        uint i = (tok / hw2) * 2 + ph, j = (tok % hw2) * 2 + pw;
        src = (ch * pc.h + i) * pc.w + j;
    } else {
        uint j = o % pc.w, i = (o / pc.w) % pc.h, ch = o / (pc.w * pc.h);
        uint tok = (i / 2) * hw2 + j / 2;
        src = tok * pc.c * 4 + ch * 4 + (i % 2) * 2 + j % 2;
    }
    y[o] = x[src];
}
