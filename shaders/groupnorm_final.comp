#version 450
// GroupNorm, pass 2 of 3: workgroup g merges its group's chunk statistics
// exactly (mean = Σ n_k·mean_k / N, M2 = Σ M2_k + n_k·(mean_k − mean)²) and
// writes (mean, 1/sqrt(M2/N + eps)) to stat[g].
#include "opsred.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Part { vec2 part[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Stat { vec2 stat[]; };

layout(push_constant) uniform Push { uint gsize, chunk, chunks; float eps; } pc;

float count(uint k) { return float(min(pc.chunk, pc.gsize - k * pc.chunk)); }

void main() {
    uint tid = gl_LocalInvocationID.x, g = gl_WorkGroupID.x;
    float n = float(pc.gsize);
    float s = 0.0;
    for (uint k = tid; k < pc.chunks; k += WG) s += count(k) * part[g * pc.chunks + k].x;
    float mean = segsum(s) / n;
    float q = 0.0;
    for (uint k = tid; k < pc.chunks; k += WG) {
        vec2 p = part[g * pc.chunks + k];
        float d = p.x - mean;
        q += p.y + count(k) * d * d;
    }
    q = segsum(q);
    if (tid == 0) stat[g] = vec2(mean, 1.0 / sqrt(q / n + pc.eps));
}
