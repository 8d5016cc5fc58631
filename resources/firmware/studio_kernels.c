/* See studio_kernels.h. The straightforward kernels: the baseline every op kind has (the code generator's
 * "generic" kernel set); studio_kernels_fast.h holds the fast ones. The fixed-point helpers follow
 * studio/int8/reference.py's docstring to the letter. */
#include "studio_kernels.h"

#define S_INT32_MIN (-2147483647 - 1)
#define S_INT32_MAX 2147483647

static inline int32_t srdhm(int32_t a, int32_t b) {
    if (a == S_INT32_MIN && b == S_INT32_MIN) return S_INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
    return (int32_t)((ab + nudge) / (1ll << 31)); /* C division truncates toward zero */
}

static inline int32_t rdbpot(int32_t x, int32_t exponent) {
    int32_t mask = (int32_t)((1ull << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t sat32(int64_t x) {
    return x > S_INT32_MAX ? S_INT32_MAX : (x < S_INT32_MIN ? S_INT32_MIN : (int32_t)x);
}

int32_t studio_mbqm(int64_t x, int32_t multiplier, int32_t shift) {
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    return rdbpot(srdhm(sat32(x * ((int64_t)1 << left)), multiplier), right);
}

static inline int8_t clamp8(int32_t y, int32_t lo, int32_t hi) { return (int8_t)(y < lo ? lo : (y > hi ? hi : y)); }

static inline int8_t requant(int32_t acc, const int32_t *m, const int32_t *s, int c, int32_t zp, int32_t lo,
                             int32_t hi) {
    return clamp8(studio_mbqm(acc, m[c], s[c]) + zp, lo, hi);
}

/* Any convolution: groups, strides, dilation, padding (padded positions contribute 0). */
void studio_conv2d(const studio_conv_params *p, const int8_t *in, int8_t *out) {
    const int cout_g = p->out_c / p->groups, cin_g = p->in_c / p->groups;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int c = 0; c < p->out_c; c++) {
                const int g = c / cout_g;
                const int8_t *w = p->weights + (int32_t)c * p->kh * p->kw * cin_g;
                int32_t acc = p->bias[c];
                for (int ky = 0; ky < p->kh; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->kw; kx++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        if (ix < 0 || ix >= p->in_w) continue;
                        const int8_t *x = in + ((int32_t)iy * p->in_w + ix) * p->in_c + g * cin_g;
                        const int8_t *wk = w + (ky * p->kw + kx) * cin_g;
                        for (int i = 0; i < cin_g; i++) acc += ((int32_t)x[i] - p->in_zp) * wk[i];
                    }
                }
                out[((int32_t)oy * p->out_w + ox) * p->out_c + c] =
                    requant(acc, p->multiplier, p->shift, c, p->out_zp, p->act_min, p->act_max);
            }
        }
    }
}

/* In-place depthwise (TinyEngine's trick): channel c of the output needs only channel c of the input, so
 * compute it into `channel` (out_h*out_w bytes), then store it over channel c of `buf`. */
void studio_dwconv_inplace(const studio_conv_params *p, int8_t *buf, int8_t *channel) {
    const int C = p->in_c;
    for (int c = 0; c < C; c++) {
        const int8_t *w = p->weights + c * p->kh * p->kw;
        for (int oy = 0; oy < p->out_h; oy++) {
            for (int ox = 0; ox < p->out_w; ox++) {
                int32_t acc = p->bias[c];
                for (int ky = 0; ky < p->kh; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->kw; kx++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        if (ix < 0 || ix >= p->in_w) continue;
                        acc += ((int32_t)buf[((int32_t)iy * p->in_w + ix) * C + c] - p->in_zp) * w[ky * p->kw + kx];
                    }
                }
                channel[oy * p->out_w + ox] = requant(acc, p->multiplier, p->shift, c, p->out_zp, p->act_min,
                                                      p->act_max);
            }
        }
        const int32_t pixels = (int32_t)p->out_h * p->out_w;
        for (int32_t px = 0; px < pixels; px++) buf[px * C + c] = channel[px];
    }
}

/* Fully connected: acc = bias + sum (x - in_zp) * w, one MAC at a time. */
void studio_fully_connected(const studio_fc_params *p, const int8_t *in, int8_t *out) {
    for (int32_t c = 0; c < p->out_size; c++) {
        const int8_t *w = p->weights + c * p->in_size;
        int32_t acc = p->bias[c];
        for (int32_t i = 0; i < p->in_size; i++) acc += ((int32_t)in[i] - p->in_zp) * w[i];
        out[c] = requant(acc, p->multiplier, p->shift, c, p->out_zp, p->act_min, p->act_max);
    }
}

/* Pooling: reads of later outputs are never at or before an earlier output's position when there is no
 * padding, so these may run in place (out == in). */
void studio_max_pool(const studio_pool_params *p, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int c = 0; c < p->c; c++) {
                int32_t best = -129;
                for (int ky = 0; ky < p->kh; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->kw; kx++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx;
                        if (ix < 0 || ix >= p->in_w) continue;
                        const int32_t v = in[((int32_t)iy * p->in_w + ix) * p->c + c];
                        if (v > best) best = v;
                    }
                }
                out[((int32_t)oy * p->out_w + ox) * p->c + c] = clamp8(best, p->act_min, p->act_max);
            }
        }
    }
}

void studio_avg_pool(const studio_pool_params *p, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int c = 0; c < p->c; c++) {
                int32_t sum = 0, count = 0;
                for (int ky = 0; ky < p->kh; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int kx = 0; kx < p->kw; kx++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx;
                        if (ix < 0 || ix >= p->in_w) continue;
                        sum += in[((int32_t)iy * p->in_w + ix) * p->c + c];
                        count++;
                    }
                }
                const int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                out[((int32_t)oy * p->out_w + ox) * p->c + c] = clamp8(avg, p->act_min, p->act_max);
            }
        }
    }
}

/* Element-wise: out[i] depends on a[i], b[i] only, so out may be a or b. */
void studio_add(const studio_add_params *p, const int8_t *a, const int8_t *b, int8_t *out) {
    for (int32_t i = 0; i < p->size; i++) {
        const int64_t x1 = (int64_t)((int32_t)a[i] - p->zp1) * ((int64_t)1 << p->left_shift);
        const int64_t x2 = (int64_t)((int32_t)b[i] - p->zp2) * ((int64_t)1 << p->left_shift);
        const int64_t sum = (int64_t)studio_mbqm(x1, p->m1, p->s1) + studio_mbqm(x2, p->m2, p->s2);
        out[i] = clamp8(studio_mbqm(sum, p->m_out, p->s_out) + p->out_zp, p->act_min, p->act_max);
    }
}

/* One input of a concatenation: `outer` chunks of `chunk` bytes, requantized, every `out_stride` bytes. */
void studio_concat_part(const int8_t *in, int8_t *out, int32_t outer, int32_t chunk, int32_t out_stride,
                        int32_t zp_in, int32_t zp_out, int32_t multiplier, int32_t shift) {
    for (int32_t o = 0; o < outer; o++) {
        for (int32_t i = 0; i < chunk; i++) {
            const int32_t y = studio_mbqm((int32_t)in[o * chunk + i] - zp_in, multiplier, shift) + zp_out;
            out[o * out_stride + i] = clamp8(y, -128, 127);
        }
    }
}

void studio_copy(const int8_t *in, int8_t *out, int32_t n) {
    if (in == out) return;
    for (int32_t i = 0; i < n; i++) out[i] = in[i];
}
