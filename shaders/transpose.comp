#version 450
// y[c, r] = x[r, c] for a rows×cols matrix, through a 16×16 shared tile so
// both the reads and the writes are row-contiguous (VAE channel-major ↔
// token-major).
#include "act.glsl"
layout(local_size_x = 16, local_size_y = 16) in;
ACT_BUFFER(0, writeonly, y);
ACT_BUFFER(1, readonly, x);
layout(push_constant) uniform Push { uint rows, cols; } p;

shared float tile[16][17];

void main() {
    uint c = gl_WorkGroupID.x * 16 + gl_LocalInvocationID.x;
    uint r = gl_WorkGroupID.y * 16 + gl_LocalInvocationID.y;
    if (r < p.rows && c < p.cols) tile[gl_LocalInvocationID.y][gl_LocalInvocationID.x] = LOAD_ACT(x, r * p.cols + c);
    barrier();
    uint orow = gl_WorkGroupID.x * 16 + gl_LocalInvocationID.y; // a column of x
    uint ocol = gl_WorkGroupID.y * 16 + gl_LocalInvocationID.x; // a row of x
    if (orow < p.cols && ocol < p.rows) STORE_ACT(y, orow * p.rows + ocol, tile[gl_LocalInvocationID.x][gl_LocalInvocationID.y]);
}
