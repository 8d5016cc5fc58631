/* Element-wise Add and Concatenation through per-input lookup tables (exact: each table entry depends on one
 * int8 code). See studio_kernels_fast.h. */
#ifndef STUDIO_FAST_TABLES_H
#define STUDIO_FAST_TABLES_H
#include "studio_fast_common.h"

/* ---- Add through tables: t1[a + 128] = MBQM((a - zp1) << left_shift, m1, s1), t2 likewise (exact) ---- */
S_INLINE void studio_add_lut(const int8_t *a, const int8_t *b, int8_t *out, const int32_t n, const int32_t *t1,
                             const int32_t *t2, const studio_rq *rq, const int mode, const int32_t out_zp,
                             const int32_t lo, const int32_t hi) {
    for (int32_t i = 0; i < n; i++) out[i] = s_out(t1[a[i] + 128] + t2[b[i] + 128], rq, mode, out_zp, lo, hi);
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
