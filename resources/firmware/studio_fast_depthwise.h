/* Fast depthwise convolution, four channels per SIMD word, and its in-place variant. See
 * studio_kernels_fast.h. */
#ifndef STUDIO_FAST_DEPTHWISE_H
#define STUDIO_FAST_DEPTHWISE_H
#include "studio_fast_common.h"

/* ---- depthwise convolution (one input channel per output channel), dilation 1 ----
 * Weights in HWC order (tap-major, wts[(ky * KW + kx) * C + c]) so four channels' weights of a tap are one
 * word, like the four input channels of a pixel: SXTB16 splits both into channels (c, c+2) and (c+1, c+3)
 * and SMLABB/SMLATT multiply-accumulate each channel on its own. Interior pixels use fbias = bias - in_zp *
 * sum(w) and multiply raw codes (the generator checks that no partial sum can leave int32); border pixels
 * subtract the zero point at each valid tap. */
S_INLINE int32_t s_dw_channel(const int8_t *x, const int8_t *w, int32_t acc, const int ky0, const int ky1,
                              const int kx0, const int kx1, const int W, const int C, const int KW, const int ws,
                              const int32_t zp) {
    /* x: this channel's byte at the first valid tap; w: its weight at tap (ky0, kx0), taps ws bytes apart. */
#pragma GCC unroll 8
    for (int ky = 0; ky < ky1 - ky0; ky++)
#pragma GCC unroll 8
        for (int kx = 0; kx < kx1 - kx0; kx++) acc += (x[((int32_t)ky * W + kx) * C] - zp) * w[(ky * KW + kx) * ws];
    return acc;
}

S_INLINE void s_dw_pixel(const int8_t *x, const int8_t *w, const int32_t *b, int8_t *y, const int ky0,
                         const int ky1, const int kx0, const int kx1, const int W, const int C, const int KW,
                         const int32_t zp, const int32_t out_zp, const int32_t lo, const int32_t hi, const int mode,
                         const studio_rq *rq) {
    int c = 0;
#if defined(S_SIMD)
    const uint32_t nzp = ((uint32_t)(-zp) & 0xFFFFu) * 0x10001u;
    for (; c + 4 <= C; c += 4) {
        int32_t a0 = b[c], a1 = b[c + 1], a2 = b[c + 2], a3 = b[c + 3];
#pragma GCC unroll 8
        for (int ky = 0; ky < ky1 - ky0; ky++)
#pragma GCC unroll 8
            for (int kx = 0; kx < kx1 - kx0; kx++) {
                const uint32_t v = s_ld32(x + ((int32_t)ky * W + kx) * C + c);
                const uint32_t u = s_ld32(w + (ky * KW + kx) * C + c);
                const uint32_t e = s_even(v, nzp, zp), o = s_odd(v, nzp, zp);
                const uint32_t ue = s_sxtb16(u), uo = s_sxtb16_ror8(u);
                a0 = s_smlabb(e, ue, a0);
                a2 = s_smlatt(e, ue, a2);
                a1 = s_smlabb(o, uo, a1);
                a3 = s_smlatt(o, uo, a3);
            }
        y[c] = s_out(a0, rq + c, mode, out_zp, lo, hi);
        y[c + 1] = s_out(a1, rq + c + 1, mode, out_zp, lo, hi);
        y[c + 2] = s_out(a2, rq + c + 2, mode, out_zp, lo, hi);
        y[c + 3] = s_out(a3, rq + c + 3, mode, out_zp, lo, hi);
    }
#endif
    for (; c < C; c++)
        y[c] = s_out(s_dw_channel(x + c, w + c, b[c], ky0, ky1, kx0, kx1, W, C, KW, C, zp), rq + c, mode, out_zp, lo,
                     hi);
}

S_INLINE void studio_dw_fast(const int8_t *in, int8_t *out, const int H, const int W, const int C, const int OH,
                             const int OW, const int KH, const int KW, const int SH, const int SW, const int PT,
                             const int PL, const int32_t in_zp, const int32_t out_zp, const int32_t lo,
                             const int32_t hi, const int mode, const int8_t *wts, const int32_t *bias,
                             const int32_t *fbias, const studio_rq *rq) {
    for (int oy = 0; oy < OH; oy++) {
        const int iy0 = oy * SH - PT;
        const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + KH > H ? H - iy0 : KH;
        for (int ox = 0; ox < OW; ox++) {
            const int ix0 = ox * SW - PL;
            const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > W ? W - ix0 : KW;
            const int8_t *x = in + ((int32_t)(iy0 + ky0) * W + ix0 + kx0) * C;
            const int8_t *w = wts + (ky0 * KW + kx0) * C;
            int8_t *y = out + ((int32_t)oy * OW + ox) * C;
            if (ky0 == 0 && ky1 == KH && kx0 == 0 && kx1 == KW) /* interior: every bound a constant */
                s_dw_pixel(x, wts, fbias, y, 0, KH, 0, KW, W, C, KW, 0, out_zp, lo, hi, mode, rq);
            else
                s_dw_pixel(x, w, bias, y, ky0, ky1, kx0, kx1, W, C, KW, in_zp, out_zp, lo, hi, mode, rq);
        }
    }
}

/* In place (TinyEngine's trick): channel c of the output needs only channel c of the input, so it is computed
 * into `chan` (OH*OW bytes) and then stored over channel c of `buf`. */
S_INLINE void studio_dw_inplace_fast(int8_t *buf, int8_t *chan, const int H, const int W, const int C, const int OH,
                                     const int OW, const int KH, const int KW, const int SH, const int SW,
                                     const int PT, const int PL, const int32_t in_zp, const int32_t out_zp,
                                     const int32_t lo, const int32_t hi, const int mode, const int8_t *wts,
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
                    acc = s_dw_channel(x, w, fbias[c], 0, KH, 0, KW, W, C, KW, 1, 0);
                else
                    acc = s_dw_channel(x, w + ky0 * KW + kx0, bias[c], ky0, ky1, kx0, kx1, W, C, KW, 1, in_zp);
                chan[oy * OW + ox] = s_out(acc, rq + c, mode, out_zp, lo, hi);
            }
        }
        for (int32_t px = 0; px < (int32_t)OH * OW; px++) buf[px * C + c] = chan[px];
    }
}

#endif
