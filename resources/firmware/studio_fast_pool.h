/* Fast max and average pooling (no padding), four channels per SIMD word. See studio_kernels_fast.h. */
#ifndef STUDIO_FAST_POOL_H
#define STUDIO_FAST_POOL_H
#include "studio_fast_common.h"

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

S_INLINE int8_t s_avg(int32_t sum, const int32_t n, const int32_t lo, const int32_t hi) {
    const int32_t avg = sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
    return (int8_t)(avg < lo ? lo : (avg > hi ? hi : avg));
}

S_INLINE void studio_avg_pool_fast(const int8_t *in, int8_t *out, const int W, const int C, const int OH,
                                   const int OW, const int KH, const int KW, const int SH, const int SW,
                                   const int32_t lo, const int32_t hi) {
    const int32_t n = (int32_t)KH * KW;
    for (int oy = 0; oy < OH; oy++) {
        for (int ox = 0; ox < OW; ox++) {
            const int8_t *x = in + ((int32_t)oy * SH * W + ox * SW) * C;
            int8_t *y = out + ((int32_t)oy * OW + ox) * C;
            int c = 0;
#if defined(S_SIMD)
            /* Four channels per word, summed in 16-bit lanes by SXTAB16: exact while n * 128 fits int16. */
            if (n <= 255)
                for (; c + 4 <= C; c += 4) {
                    uint32_t even = 0, odd = 0;
                    for (int ky = 0; ky < KH; ky++)
                        for (int kx = 0; kx < KW; kx++) {
                            const uint32_t v = s_ld32(x + ((int32_t)ky * W + kx) * C + c);
                            even = s_sxtab16(even, v);
                            odd = s_sxtab16_ror8(odd, v);
                        }
                    y[c] = s_avg((int16_t)(even & 0xFFFF), n, lo, hi);
                    y[c + 1] = s_avg((int16_t)(odd & 0xFFFF), n, lo, hi);
                    y[c + 2] = s_avg((int16_t)(even >> 16), n, lo, hi);
                    y[c + 3] = s_avg((int16_t)(odd >> 16), n, lo, hi);
                }
#endif
            for (; c < C; c++) {
                int32_t sum = 0;
                for (int ky = 0; ky < KH; ky++)
                    for (int kx = 0; kx < KW; kx++) sum += x[((int32_t)ky * W + kx) * C + c];
                y[c] = s_avg(sum, n, lo, hi);
            }
        }
    }
}

#endif
