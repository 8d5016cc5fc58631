/* Fast convolution (groups 1) and fully connected kernels: dot products blocked 2 pixels x 2 channels or
 * 1 pixel x 4 channels. See studio_kernels_fast.h. */
#ifndef STUDIO_FAST_CONV_H
#define STUDIO_FAST_CONV_H
#include "studio_fast_common.h"

/* ---- dot products blocked 2 pixels (xa, xb) x 2 channels (w0, w1), over n contiguous int8 pairs ---- */
typedef struct {
    int32_t a0, a1, b0, b1; /* pixel a/b, channel 0/1 */
} s_acc4;

#if defined(S_SIMD)
/* Four int8 pairs of both pixels and both channels: 2 + 2 loads, 8 widenings, 8 SMLAD (16 MACs). */
S_INLINE void s_step_2x2(int32_t *a0, int32_t *a1, int32_t *b0, int32_t *b1, const int8_t *xa, const int8_t *xb,
                         const int8_t *w0, const int8_t *w1, const uint32_t nzp, const int32_t zp) {
    const uint32_t va = s_ld32(xa), vb = s_ld32(xb);
    const uint32_t ae = s_even(va, nzp, zp), ao = s_odd(va, nzp, zp);
    const uint32_t be = s_even(vb, nzp, zp), bo = s_odd(vb, nzp, zp);
    uint32_t w = s_ld32(w0);
    uint32_t we = s_sxtb16(w), wo = s_sxtb16_ror8(w);
    *a0 = s_smlad(ao, wo, s_smlad(ae, we, *a0));
    *b0 = s_smlad(bo, wo, s_smlad(be, we, *b0));
    w = s_ld32(w1);
    we = s_sxtb16(w);
    wo = s_sxtb16_ror8(w);
    *a1 = s_smlad(ao, wo, s_smlad(ae, we, *a1));
    *b1 = s_smlad(bo, wo, s_smlad(be, we, *b1));
}
#endif

S_INLINE void s_mac_2x2(s_acc4 *acc, const int8_t *xa, const int32_t dx, const int8_t *w0, const int32_t dw,
                        const int32_t n, const int32_t zp) {
    /* Pixel b's bytes are dx after pixel a's, channel 1's weights dw after channel 0's: constant offsets. */
    const int8_t *xb = xa + dx, *w1 = w0 + dw;
    int32_t a0 = acc->a0, a1 = acc->a1, b0 = acc->b0, b1 = acc->b1, i = 0;
#if defined(S_SIMD)
    const uint32_t nzp = ((uint32_t)(-zp) & 0xFFFFu) * 0x10001u; /* -zp in both halves */
    if (__builtin_constant_p(n) && n <= 64) { /* a constant run (interior pixels): no loop left */
#pragma GCC unroll 16
        for (; i + 4 <= n; i += 4) s_step_2x2(&a0, &a1, &b0, &b1, xa + i, xb + i, w0 + i, w1 + i, nzp, zp);
    } else {
        for (; i + 4 <= n; i += 4) s_step_2x2(&a0, &a1, &b0, &b1, xa + i, xb + i, w0 + i, w1 + i, nzp, zp);
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
                           const int mode, const int8_t *wts, const int32_t *bias, const studio_rq *rq) {
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
    y[c] = s_out(acc.a0, rq + c, mode, out_zp, lo, hi);
    if (pair) y[OC + c] = s_out(acc.b0, rq + c, mode, out_zp, lo, hi);
    if (n == 1) return;
    y[c + 1] = s_out(acc.a1, rq + c + 1, mode, out_zp, lo, hi);
    if (pair) {
        y[OC + c + 1] = s_out(acc.b1, rq + c + 1, mode, out_zp, lo, hi);
    } else {
        y[c + 2] = s_out(acc.b0, rq + c + 2, mode, out_zp, lo, hi);
        y[c + 3] = s_out(acc.b1, rq + c + 3, mode, out_zp, lo, hi);
    }
}

/* Output pixels a (and b = a + SW columns when `pair`) whose valid kernel rows are [ky0, ky1) and columns
 * [kx0, kx1); x points at pixel a's first valid input byte, y at its first output byte. */
S_INLINE void s_conv_pixels(const int pair, const int8_t *x, int8_t *y, const int ky0, const int ky1, const int kx0,
                            const int kx1, const int W, const int C, const int OC, const int KW, const int SW,
                            const int32_t K, const int32_t in_zp, const int32_t out_zp, const int32_t lo,
                            const int32_t hi, const int mode, const int8_t *wts, const int32_t *bias,
                            const studio_rq *rq) {
    const int32_t run = (kx1 - kx0) * C, woff = ((int32_t)ky0 * KW + kx0) * C;
    const int n = pair ? 2 : 4;
    int c = 0;
    for (; c + n <= OC; c += n)
        s_conv_group(pair, n, K, c, x, y, ky0, ky1, run, woff, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, mode, wts,
                     bias, rq);
    for (; c < OC; c++)
        s_conv_group(pair, 1, 0, c, x, y, ky0, ky1, run, woff, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, mode, wts,
                     bias, rq);
}

S_INLINE void studio_conv_fast(const int8_t *in, int8_t *out, const int H, const int W, const int C, const int OH,
                               const int OW, const int OC, const int KH, const int KW, const int SH, const int SW,
                               const int PT, const int PL, const int32_t in_zp, const int32_t out_zp,
                               const int32_t lo, const int32_t hi, const int mode, const int8_t *wts,
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
                s_conv_pixels(1, x, y, 0, KH, 0, KW, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, mode, wts, bias, rq);
            else if (pair)
                s_conv_pixels(1, x, y, ky0, ky1, kx0, kx1, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, mode, wts,
                              bias, rq);
            else
                s_conv_pixels(0, x, y, ky0, ky1, kx0, kx1, W, C, OC, KW, SW, K, in_zp, out_zp, lo, hi, mode, wts,
                              bias, rq);
            ox += pair ? 2 : 1;
        }
    }
}

/* ---- fully connected: four output rows per pass; fbias = bias - in_zp * sum(row) so codes are used raw ---- */
S_INLINE void studio_fc_fast(const int8_t *in, int8_t *out, const int32_t N, const int32_t M, const int32_t out_zp,
                             const int32_t lo, const int32_t hi, const int mode, const int8_t *wts,
                             const int32_t *fbias, const studio_rq *rq) {
    int32_t c = 0;
    for (; c + 4 <= M; c += 4) { /* four rows per pass */
        s_acc4 acc = {fbias[c], fbias[c + 1], fbias[c + 2], fbias[c + 3]};
        s_mac_1x4(&acc, in, wts + c * N, N, N, 0);
        out[c] = s_out(acc.a0, rq + c, mode, out_zp, lo, hi);
        out[c + 1] = s_out(acc.a1, rq + c + 1, mode, out_zp, lo, hi);
        out[c + 2] = s_out(acc.b0, rq + c + 2, mode, out_zp, lo, hi);
        out[c + 3] = s_out(acc.b1, rq + c + 3, mode, out_zp, lo, hi);
    }
    for (; c < M; c++) { /* the last M % 4 one at a time */
        s_acc4 acc = {fbias[c], 0, 0, 0};
        s_mac_1x4(&acc, in, wts + c * N, 0, N, 0);
        out[c] = s_out(acc.a0, rq + c, mode, out_zp, lo, hi);
    }
}

#endif
