#version 450
// Image to 8-bit: x (3, h, w) → clamp to [−1, 1] → uint8(trunc(127.5·(x+1)))
// computed in f32 like BFL's save_image, written HWC and packed four bytes
// per uint (little-endian), one invocation per word.
#include "act.glsl"
#include "opsew.glsl"

ACT_BUFFER(0, readonly, x);
layout(std430, set = 0, binding = 1) writeonly buffer Y { uint y[]; };

layout(push_constant) uniform Push { uint hw, words; } pc;

void main() {
    uint wi = ew_index();
    if (wi >= pc.words) return;
    uint word = 0, total = 3 * pc.hw;
    for (uint k = 0; k < 4; k++) {
        uint b = wi * 4 + k;
        if (b >= total) break;
        uint p = b / 3, ch = b - 3 * p;
        float v = LOAD_ACT(x, ch * pc.hw + p);
        v = v < -1.0 ? -1.0 : (v > 1.0 ? 1.0 : v);
        precise float t = 127.5 * (v + 1.0);
        word |= (uint(t) & 255u) << (8 * k);
    }
    y[wi] = word;
}
