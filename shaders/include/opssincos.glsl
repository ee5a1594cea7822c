// opssincos.glsl: sin and cos in f32 to about one ulp for arguments up to a
// few thousand, from add and multiply only (correctly rounded in Vulkan,
// unlike the built-in sin/cos whose error is only bounded by 2^-11 on
// [−π, π]). The argument is given as hi + mid + lo where hi and mid are
// exact products the caller formed; k = round((hi+mid)·2/π) quadrants are
// removed with a three-part π/2 (Cephes' DP1..3 doubled, of 8, 11 and 24
// significant bits) whose first two parts times k are exact for |k| < 8192
// (arguments up to about 12 800), then Cephes' sinf/cosf polynomials on
// [−π/4, π/4].
#ifndef OPSSINCOS_GLSL
#define OPSSINCOS_GLSL

void ops_sincos(float hi, float mid, float lo, out float s, out float c) {
    precise float k = roundEven((hi + mid) * 0.63661977236758134);
    precise float r = hi - k * 1.5703125;
    r = r - k * 4.837512969970703125e-4;
    r = r + mid;
    r = r - k * 7.54978995489188216e-8;
    r = r + lo;
    precise float z = r * r;
    precise float sp = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
    precise float cp = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
    int q = int(k) & 3;
    if (q == 0) { s = sp; c = cp; }
    else if (q == 1) { s = cp; c = -sp; }
    else if (q == 2) { s = -sp; c = -cp; }
    else { s = -cp; c = sp; }
}

#endif
