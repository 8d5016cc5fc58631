/* Fast int8 kernels of TinyML Studio's generated code, bit-exact with studio/int8/reference.py.
 *
 * Why a header of static inline functions: the code generator emits one small function per layer that calls
 * these with the layer's shape as literal constants, so the compiler specialises every loop to that layer
 * (constant trip counts and strides, unrolled 1x1 and 3x3 bodies, the clamp folded away when it is a no-op).
 * What makes them fast, while computing exactly what the reference computes:
 * - convolutions are blocked 2 output pixels x 2 output channels, so each loaded input word serves two
 *   channels and each weight word two pixels; on DSP cores (M4, M7, M33) four int8 values are widened with
 *   SXTB16/SXTAB16 (the input zero point subtracted in the same instruction) and multiplied pairwise with
 *   SMLAD (two MACs per instruction); other cores (M0+, M3) run the same blocking in plain C;
 * - no per-MAC test for padding: each output pixel's valid kernel rows and columns are computed once, interior
 *   pixels take a path whose bounds are constants, and a row of valid taps is one contiguous run of bytes;
 * - requantization in one 32x32->64 multiply-accumulate and one shift (studio_rq, exact for right shifts);
 * - element-wise Add and Concatenation through per-input lookup tables (exact: each depends on one int8 code);
 * - max pooling four channels per instruction (SSUB8 + SEL) on DSP cores.
 * With STUDIO_EMULATE_DSP (host builds in tests) the DSP instructions are C functions with their exact Arm
 * semantics, so the SIMD paths are checked against the reference without an emulator. */
#ifndef STUDIO_KERNELS_FAST_H
#define STUDIO_KERNELS_FAST_H
#include <stdint.h>

#include "studio_kernels.h"
#if defined(__ARM_FEATURE_SAT)
#include <arm_acle.h>
#endif

#define S_INLINE static inline __attribute__((always_inline))

/* One output channel's requantization. fast: y = (acc * m + r - (acc < 0) * 2^31) >> (32 + sh), which equals
 * RDBPOT(SRDHM(acc, m), sh + 1) for every int32 acc and 0 <= m < 2^31 (the two roundings folded into one
 * constant r = 2^30 + 2^(31 + sh), see studio/deploy/codegen/requant.py). exact: sh is the IR's shift and
 * studio_mbqm is used (layers with a left shift or a zero right shift). */
typedef struct {
    int64_t r;
    int32_t m, sh;
} studio_rq;

S_INLINE int32_t s_requant(int32_t acc, const studio_rq *q, const int fast) {
    if (!fast) return studio_mbqm(acc, q->m, q->sh);
    const int64_t t = (int64_t)acc * q->m + q->r - (int64_t)(((uint32_t)acc >> 31) << 31);
    return (int32_t)(t >> 32) >> q->sh;
}

S_INLINE int32_t s_clamp(int32_t y, const int32_t lo, const int32_t hi) {
#if defined(__ARM_FEATURE_SAT)
    y = __ssat(y, 8); /* one instruction for [-128, 127]; lo and hi are constants, so the rest often folds away */
    if (lo > -128) y = y < lo ? lo : y;
    if (hi < 127) y = y > hi ? hi : y;
    return y;
#else
    y = y < lo ? lo : y;
    return y > hi ? hi : y;
#endif
}

S_INLINE int8_t s_out(int32_t acc, const studio_rq *q, const int fast, const int32_t zp, const int32_t lo,
                      const int32_t hi) {
    return (int8_t)s_clamp(s_requant(acc, q, fast) + zp, lo, hi);
}

/* ---- DSP primitives: the ACLE intrinsics on DSP cores, exact C models of them with STUDIO_EMULATE_DSP ---- */
#if defined(__ARM_FEATURE_DSP) && defined(STUDIO_HAS_DSP)
#include <arm_acle.h>
#define S_SIMD 1
#define s_sxtb16(x) __sxtb16(x)
#define s_sxtab16(a, x) __sxtab16((a), (x))
#define s_smlad(a, b, acc) __smlad((a), (b), (acc))
/* Bytes 1 and 3 widened: the rotation is free inside the instruction, which GCC does not see by itself. */
S_INLINE uint32_t s_sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
S_INLINE uint32_t s_sxtab16_ror8(uint32_t a, uint32_t x) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
#define s_ssub8(a, b) __ssub8((a), (b))
#define s_sel(a, b) __sel((a), (b))
#elif defined(STUDIO_EMULATE_DSP)
#define S_SIMD 1
static uint32_t s_ge_flags; /* the APSR.GE bits SSUB8 sets and SEL reads */
S_INLINE uint32_t s_ror8(uint32_t x) { return (x >> 8) | (x << 24); }
S_INLINE uint32_t s_halves(int32_t lo, int32_t hi) { return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16); }
S_INLINE uint32_t s_sxtb16(uint32_t x) { return s_halves((int8_t)(x & 0xFF), (int8_t)((x >> 16) & 0xFF)); }
S_INLINE uint32_t s_sxtab16(uint32_t a, uint32_t x) {
    return s_halves((int16_t)(a & 0xFFFF) + (int8_t)(x & 0xFF), (int16_t)(a >> 16) + (int8_t)((x >> 16) & 0xFF));
}
S_INLINE int32_t s_smlad(uint32_t a, uint32_t b, int32_t acc) {
    const int32_t p = (int32_t)(int16_t)(a & 0xFFFF) * (int16_t)(b & 0xFFFF);
    const int32_t q = (int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)p + (uint32_t)q); /* wraps like the instruction */
}
S_INLINE uint32_t s_ssub8(uint32_t a, uint32_t b) {
    uint32_t r = 0;
    s_ge_flags = 0;
    for (int i = 0; i < 4; i++) {
        const int32_t d = (int8_t)(a >> (8 * i)) - (int8_t)(b >> (8 * i));
        r |= ((uint32_t)d & 0xFFu) << (8 * i);
        if (d >= 0) s_ge_flags |= 1u << i;
    }
    return r;
}
S_INLINE uint32_t s_sel(uint32_t a, uint32_t b) {
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) r |= (((s_ge_flags >> i) & 1u) ? a : b) & (0xFFu << (8 * i));
    return r;
}
S_INLINE uint32_t s_sxtb16_ror8(uint32_t x) { return s_sxtb16(s_ror8(x)); }
S_INLINE uint32_t s_sxtab16_ror8(uint32_t a, uint32_t x) { return s_sxtab16(a, s_ror8(x)); }
#endif

S_INLINE uint32_t s_ld32(const int8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4); /* one LDR on cores with unaligned access (only used by the SIMD paths) */
    return v;
}

#if defined(S_SIMD)
/* x - zp of bytes 0 and 2 (even) or 1 and 3 (odd) as two int16; zp is a constant, 0 needs no add. */
S_INLINE uint32_t s_even(uint32_t v, uint32_t nzp, const int32_t zp) { return zp ? s_sxtab16(nzp, v) : s_sxtb16(v); }
S_INLINE uint32_t s_odd(uint32_t v, uint32_t nzp, const int32_t zp) {
    return zp ? s_sxtab16_ror8(nzp, v) : s_sxtb16_ror8(v);
}
#endif

/* ---- dot products blocked 2 pixels (xa, xb) x 2 channels (w0, w1), over n contiguous int8 pairs ---- */
typedef struct {
    int32_t a0, a1, b0, b1; /* pixel a/b, channel 0/1 */
} s_acc4;

S_INLINE void s_mac_2x2(s_acc4 *acc, const int8_t *xa, const int32_t dx, const int8_t *w0, const int32_t dw,
                        const int32_t n, const int32_t zp) {
    /* Pixel b's bytes are dx after pixel a's, channel 1's weights dw after channel 0's: constant offsets. */
    const int8_t *xb = xa + dx, *w1 = w0 + dw;
    int32_t a0 = acc->a0, a1 = acc->a1, b0 = acc->b0, b1 = acc->b1, i = 0;
#if defined(S_SIMD)
    const uint32_t nzp = ((uint32_t)(-zp) & 0xFFFFu) * 0x10001u; /* -zp in both halves */
    for (; i + 4 <= n; i += 4) {
        const uint32_t va = s_ld32(xa + i), vb = s_ld32(xb + i);
        const uint32_t ae = s_even(va, nzp, zp), ao = s_odd(va, nzp, zp);
        const uint32_t be = s_even(vb, nzp, zp), bo = s_odd(vb, nzp, zp);
        uint32_t w = s_ld32(w0 + i);
        uint32_t we = s_sxtb16(w), wo = s_sxtb16_ror8(w);
        a0 = s_smlad(ae, we, a0);
        a0 = s_smlad(ao, wo, a0);
        b0 = s_smlad(be, we, b0);
        b0 = s_smlad(bo, wo, b0);
        w = s_ld32(w1 + i);
        we = s_sxtb16(w);
        wo = s_sxtb16_ror8(w);
        a1 = s_smlad(ae, we, a1);
        a1 = s_smlad(ao, wo, a1);
        b1 = s_smlad(be, we, b1);
        b1 = s_smlad(bo, wo, b1);
    }
#endif
    for (; i < n; i++) {
        const int32_t x = xa[i] - zp, y = xb[i] - zp, u = w0[i], v = w1[i];
        a0 += x * u;
        a1 += x * v;
        b0 += y * u;
        b1 += y * v;
    }
    acc->a0 = a0;
    acc->a1 = a1;
    acc->b0 = b0;
    acc->b1 = b1;
}

/* One pixel x 4 channels (w0, w0 + dw, w0 + 2 dw, w0 + 3 dw): a pixel without a partner, and fully connected
 * layers. Each input word serves four channels. */
S_INLINE void s_mac_1x4(s_acc4 *acc, const int8_t *x, const int8_t *w, const int32_t dw, const int32_t n,
                        const int32_t zp) {
    int32_t a0 = acc->a0, a1 = acc->a1, a2 = acc->b0, a3 = acc->b1, i = 0;
#if defined(S_SIMD)
    const uint32_t nzp = ((uint32_t)(-zp) & 0xFFFFu) * 0x10001u;
    /* Moving pointers with the other channels at constant offsets: five registers, not eight. */
    const int8_t *xp = x, *wp = w;
    for (; i + 4 <= n; i += 4, xp += 4, wp += 4) {
        const uint32_t v = s_ld32(xp);
        const uint32_t e = s_even(v, nzp, zp), o = s_odd(v, nzp, zp);
        uint32_t u = s_ld32(wp);
        a0 = s_smlad(e, s_sxtb16(u), a0);
        a0 = s_smlad(o, s_sxtb16_ror8(u), a0);
        u = s_ld32(wp + dw);
        a1 = s_smlad(e, s_sxtb16(u), a1);
        a1 = s_smlad(o, s_sxtb16_ror8(u), a1);
        u = s_ld32(wp + 2 * dw);
        a2 = s_smlad(e, s_sxtb16(u), a2);
        a2 = s_smlad(o, s_sxtb16_ror8(u), a2);
        u = s_ld32(wp + 3 * dw);
        a3 = s_smlad(e, s_sxtb16(u), a3);
        a3 = s_smlad(o, s_sxtb16_ror8(u), a3);
    }
#endif
    for (; i < n; i++) {
        const int32_t v = x[i] - zp;
        a0 += v * w[i];
        a1 += v * w[i + dw];
        a2 += v * w[i + 2 * dw];
        a3 += v * w[i + 3 * dw];
    }
    acc->a0 = a0;
    acc->a1 = a1;
    acc->b0 = a2;
    acc->b1 = a3;
}

/* ---- convolution, groups 1, dilation 1: any kernel, stride and padding ---- */

/* Output pixels a (and b = a + SW columns when `pair`) whose valid kernel rows are [ky0, ky1) and columns
 * [kx0, kx1); x points at pixel a's first valid input byte, y at its first output byte. */
/* Channels c .. c + n - 1 (n = 2 for a pair of pixels, 4 for one pixel; n = 1 with dw = 0 for the last
 * OC % n channels: every lane then computes channel c and one result is kept). */
S_INLINE void s_conv_group(const int pair, const int n, const int32_t dw, const int c, const int8_t *x, int8_t *y,
                           const int ky0, const int ky1, const int32_t run, const int32_t woff, const int W,
                           const int C, const int OC, const int KW, const int SW, const int32_t K,
                           const int32_t in_zp, const int32_t out_zp, const int32_t lo, const int32_t hi,
                           const int fast, const int8_t *wts, const int32_t *bias, const studio_rq *rq) {
    const int k = n > 1;
    s_acc4 acc;
    if (pair) {
        acc.a0 = acc.b0 = bias[c];
        acc.a1 = acc.b1 = bias[c + k];
    } else {
        acc.a0 = bias[c];
        acc.a1 = bias[c + k];
        acc.b0 = bias[c + 2 * k];
        acc.b1 = bias[c + 3 * k];
    }
    const int8_t *w0 = wts + (int32_t)c * K + woff, *xr = x;
    for (int ky = ky0; ky < ky1; ky++) {
        if (pair)
            s_mac_2x2(&acc, xr, SW * C, w0, dw, run, in_zp);
        else
            s_mac_1x4(&acc, xr, w0, dw, run, in_zp);
        xr += (int32_t)W * C;
        w0 += KW * C;
    }
    y[c] = s_out(acc.a0, rq + c, fast, out_zp, lo, hi);
    if (pair) y[OC + c] = s_out(acc.b0, rq + c, fast, out_zp, lo, hi);
    if (n == 1) return;
    y[c + 1] = s_out(acc.a1, rq + c + 1, fast, out_zp, lo, hi);
    if (pair) {
        y[OC + c + 1] = s_out(acc.b1, rq + c + 1, fast, out_zp, lo, hi);
    } else {
        y[c + 2] = s_out(acc.b0, rq + c + 2, fast, out_zp, lo, hi);
        y[c + 3] = s_out(acc.b1, rq + c + 3, fast, out_zp, lo, hi);
    }
}

/* Output pixels a (and b = a + SW columns when `pair`) whose valid kernel rows are [ky0, ky1) and columns
 * [kx0, kx1); x points at pixel a's first valid input byte, y at its first output byte. */
S_INLINE void s_conv_pixels(const int pair, const int8_t *x, int8_t *y, const int ky0, const int ky1, const int kx0,
                            const int kx1, const int W, const int C, const int OC, const int KW, const int SW,
                            const int32_t K, const int32_t in_zp, const int32_t out_zp, const int32_t lo,
                            const int32_t hi, const int fast, const int8_t *wts, const int32_t *bias,
                            const studio_rq *rq) {
    const int32_t run = (kx1 - kx0) * C, woff = ((int32_t)ky0 * KW + kx0) * C;
    const int n = pair ? 2 : 4;
    int c = 0;
    for (; c + n <= OC; c += n)
        s_conv_group(pair, n, K, c, x, y, ky0, ky1, run, woff, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, fast, wts,
                     bias, rq);
    for (; c < OC; c++)
        s_conv_group(pair, 1, 0, c, x, y, ky0, ky1, run, woff, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, fast, wts,
                     bias, rq);
}

S_INLINE void studio_conv_fast(const int8_t *in, int8_t *out, const int H, const int W, const int C, const int OH,
                               const int OW, const int OC, const int KH, const int KW, const int SH, const int SW,
                               const int PT, const int PL, const int32_t in_zp, const int32_t out_zp,
                               const int32_t lo, const int32_t hi, const int fast, const int8_t *wts,
                               const int32_t *bias, const studio_rq *rq) {
    const int32_t K = (int32_t)KH * KW * C;
    for (int oy = 0; oy < OH; oy++) {
        const int iy0 = oy * SH - PT;
        const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + KH > H ? H - iy0 : KH;
        for (int ox = 0; ox < OW;) {
            const int ix0 = ox * SW - PL;
            const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > W ? W - ix0 : KW;
            const int ixb = ix0 + SW;
            const int pair = ox + 1 < OW && (ixb < 0 ? -ixb : 0) == kx0 && (ixb + KW > W ? W - ixb : KW) == kx1;
            const int8_t *x = in + ((int32_t)(iy0 + ky0) * W + ix0 + kx0) * C;
            int8_t *y = out + ((int32_t)oy * OW + ox) * OC;
            if (pair && ky0 == 0 && ky1 == KH && kx0 == 0 && kx1 == KW) /* interior: every bound a constant */
                s_conv_pixels(1, x, y, 0, KH, 0, KW, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, fast, wts, bias, rq);
            else if (pair)
                s_conv_pixels(1, x, y, ky0, ky1, kx0, kx1, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, fast, wts,
                              bias, rq);
            else
                s_conv_pixels(0, x, y, ky0, ky1, kx0, kx1, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, fast, wts,
                              bias, rq);
            ox += pair ? 2 : 1;
        }
    }
}

/* ---- depthwise convolution (one input channel per output channel), dilation 1 ----
 * Interior pixels use fbias = bias - in_zp * sum(w) and multiply raw codes (the generator checks that no
 * partial sum can leave int32); border pixels subtract the zero point at each valid tap. */
S_INLINE int32_t s_dw_channel(const int8_t *x, const int8_t *w, int32_t acc, const int ky0, const int ky1,
                              const int kx0, const int kx1, const int W, const int C, const int KW,
                              const int32_t zp) {
    for (int ky = ky0; ky < ky1; ky++)
        for (int kx = kx0; kx < kx1; kx++) acc += (x[((int32_t)(ky - ky0) * W + kx - kx0) * C] - zp) * w[ky * KW + kx];
    return acc;
}

S_INLINE void studio_dw_fast(const int8_t *in, int8_t *out, const int H, const int W, const int C, const int OH,
                             const int OW, const int KH, const int KW, const int SH, const int SW, const int PT,
                             const int PL, const int32_t in_zp, const int32_t out_zp, const int32_t lo,
                             const int32_t hi, const int fast, const int8_t *wts, const int32_t *bias,
                             const int32_t *fbias, const studio_rq *rq) {
    for (int oy = 0; oy < OH; oy++) {
        const int iy0 = oy * SH - PT;
        const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + KH > H ? H - iy0 : KH;
        for (int ox = 0; ox < OW; ox++) {
            const int ix0 = ox * SW - PL;
            const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > W ? W - ix0 : KW;
            const int8_t *x = in + ((int32_t)(iy0 + ky0) * W + ix0 + kx0) * C;
            int8_t *y = out + ((int32_t)oy * OW + ox) * C;
            if (ky0 == 0 && ky1 == KH && kx0 == 0 && kx1 == KW) {
                for (int c = 0; c < C; c++)
                    y[c] = s_out(s_dw_channel(x + c, wts + c * KH * KW, fbias[c], 0, KH, 0, KW, W, C, KW, 0), rq + c,
                                 fast, out_zp, lo, hi);
            } else {
                for (int c = 0; c < C; c++)
                    y[c] = s_out(s_dw_channel(x + c, wts + c * KH * KW, bias[c], ky0, ky1, kx0, kx1, W, C, KW, in_zp),
                                 rq + c, fast, out_zp, lo, hi);
            }
        }
    }
}

/* In place (TinyEngine's trick): channel c of the output needs only channel c of the input, so it is computed
 * into `chan` (OH*OW bytes) and then stored over channel c of `buf`. */
S_INLINE void studio_dw_inplace_fast(int8_t *buf, int8_t *chan, const int H, const int W, const int C, const int OH,
                                     const int OW, const int KH, const int KW, const int SH, const int SW,
                                     const int PT, const int PL, const int32_t in_zp, const int32_t out_zp,
                                     const int32_t lo, const int32_t hi, const int fast, const int8_t *wts,
                                     const int32_t *bias, const int32_t *fbias, const studio_rq *rq) {
    for (int c = 0; c < C; c++) {
        const int8_t *w = wts + c * KH * KW;
        for (int oy = 0; oy < OH; oy++) {
            const int iy0 = oy * SH - PT;
            const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + KH > H ? H - iy0 : KH;
            for (int ox = 0; ox < OW; ox++) {
                const int ix0 = ox * SW - PL;
                const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > W ? W - ix0 : KW;
                const int8_t *x = buf + ((int32_t)(iy0 + ky0) * W + ix0 + kx0) * C + c;
                int32_t acc;
                if (ky0 == 0 && ky1 == KH && kx0 == 0 && kx1 == KW)
                    acc = s_dw_channel(x, w, fbias[c], 0, KH, 0, KW, W, C, KW, 0);
                else
                    acc = s_dw_channel(x, w, bias[c], ky0, ky1, kx0, kx1, W, C, KW, in_zp);
                chan[oy * OW + ox] = s_out(acc, rq + c, fast, out_zp, lo, hi);
            }
        }
        for (int32_t px = 0; px < (int32_t)OH * OW; px++) buf[px * C + c] = chan[px];
    }
}

/* ---- fully connected: four output rows per pass; fbias = bias - in_zp * sum(row) so codes are used raw ---- */
S_INLINE void studio_fc_fast(const int8_t *in, int8_t *out, const int32_t N, const int32_t M, const int32_t out_zp,
                             const int32_t lo, const int32_t hi, const int fast, const int8_t *wts,
                             const int32_t *fbias, const studio_rq *rq) {
    int32_t c = 0;
    for (; c + 4 <= M; c += 4) { /* four rows per pass */
        s_acc4 acc = {fbias[c], fbias[c + 1], fbias[c + 2], fbias[c + 3]};
        s_mac_1x4(&acc, in, wts + c * N, N, N, 0);
        out[c] = s_out(acc.a0, rq + c, fast, out_zp, lo, hi);
        out[c + 1] = s_out(acc.a1, rq + c + 1, fast, out_zp, lo, hi);
        out[c + 2] = s_out(acc.b0, rq + c + 2, fast, out_zp, lo, hi);
        out[c + 3] = s_out(acc.b1, rq + c + 3, fast, out_zp, lo, hi);
    }
    for (; c < M; c++) { /* the last M % 4 one at a time */
        s_acc4 acc = {fbias[c], 0, 0, 0};
        s_mac_1x4(&acc, in, wts + c * N, 0, N, 0);
        out[c] = s_out(acc.a0, rq + c, fast, out_zp, lo, hi);
    }
}

/* ---- pooling without padding (the generator uses the general kernels otherwise) ---- */
S_INLINE void studio_max_pool_fast(const int8_t *in, int8_t *out, const int W, const int C, const int OH,
                                   const int OW, const int KH, const int KW, const int SH, const int SW,
                                   const int32_t lo, const int32_t hi) {
    for (int oy = 0; oy < OH; oy++) {
        for (int ox = 0; ox < OW; ox++) {
            const int8_t *x = in + ((int32_t)oy * SH * W + ox * SW) * C;
            int8_t *y = out + ((int32_t)oy * OW + ox) * C;
            int c = 0;
#if defined(S_SIMD)
            /* Four channels at a time; the output word is written after its inputs are read (safe in place). */
            const uint32_t lo4 = ((uint32_t)lo & 0xFFu) * 0x01010101u, hi4 = ((uint32_t)hi & 0xFFu) * 0x01010101u;
            for (; c + 4 <= C; c += 4) {
                uint32_t best = s_ld32(x + c);
                for (int ky = 0; ky < KH; ky++)
                    for (int kx = 0; kx < KW; kx++) {
                        const uint32_t v = s_ld32(x + ((int32_t)ky * W + kx) * C + c);
                        s_ssub8(v, best);
                        best = s_sel(v, best); /* max */
                    }
                if (lo > -128) {
                    s_ssub8(best, lo4);
                    best = s_sel(best, lo4);
                }
                if (hi < 127) {
                    s_ssub8(hi4, best);
                    best = s_sel(best, hi4);
                }
                __builtin_memcpy(y + c, &best, 4);
            }
#endif
            for (; c < C; c++) {
                int32_t best = x[c];
                for (int ky = 0; ky < KH; ky++)
                    for (int kx = 0; kx < KW; kx++) {
                        const int32_t v = x[((int32_t)ky * W + kx) * C + c];
                        best = v > best ? v : best;
                    }
                best = best < lo ? lo : best;
                y[c] = (int8_t)(best > hi ? hi : best);
            }
        }
    }
}

S_INLINE void studio_avg_pool_fast(const int8_t *in, int8_t *out, const int W, const int C, const int OH,
                                   const int OW, const int KH, const int KW, const int SH, const int SW,
                                   const int32_t lo, const int32_t hi) {
    const int32_t n = (int32_t)KH * KW;
    for (int oy = 0; oy < OH; oy++) {
        for (int ox = 0; ox < OW; ox++) {
            const int8_t *x = in + ((int32_t)oy * SH * W + ox * SW) * C;
            int8_t *y = out + ((int32_t)oy * OW + ox) * C;
            for (int c = 0; c < C; c++) {
                int32_t sum = 0;
                for (int ky = 0; ky < KH; ky++)
                    for (int kx = 0; kx < KW; kx++) sum += x[((int32_t)ky * W + kx) * C + c];
                int32_t avg = sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
                avg = avg < lo ? lo : avg;
                y[c] = (int8_t)(avg > hi ? hi : avg);
            }
        }
    }
}

/* ---- Add through tables: t1[a + 128] = MBQM((a - zp1) << left_shift, m1, s1), t2 likewise (exact) ---- */
S_INLINE void studio_add_lut(const int8_t *a, const int8_t *b, int8_t *out, const int32_t n, const int32_t *t1,
                             const int32_t *t2, const studio_rq *rq, const int fast, const int32_t out_zp,
                             const int32_t lo, const int32_t hi) {
    for (int32_t i = 0; i < n; i++) out[i] = s_out(t1[a[i] + 128] + t2[b[i] + 128], rq, fast, out_zp, lo, hi);
}

/* ---- Concatenation input through a table of the requantized codes (or a copy when it is the identity) ---- */
S_INLINE void studio_concat_lut(const int8_t *in, int8_t *out, const int32_t outer, const int32_t chunk,
                                const int32_t stride, const int8_t *lut) {
    for (int32_t o = 0; o < outer; o++) {
        const int8_t *x = in + o * chunk;
        int8_t *y = out + o * stride;
        if (lut)
            for (int32_t i = 0; i < chunk; i++) y[i] = lut[x[i] + 128];
        else
            for (int32_t i = 0; i < chunk; i++) y[i] = x[i];
    }
}

#endif
