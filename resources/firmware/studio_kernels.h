/* Int8 kernels of TinyML Studio's generated code. Each computes exactly what studio/int8/reference.py does
 * (the single source of truth): int32 accumulation, TFLite's MultiplyByQuantizedMultiplier requantization
 * (SRDHM + rounding divide by a power of two), then the fused clamp. Layout NHWC, one sample.
 * C99, no libc; used on the device and, for tests, compiled for the host. */
#ifndef STUDIO_KERNELS_H
#define STUDIO_KERNELS_H
#include <stdint.h>

typedef struct {
    int16_t in_h, in_w, in_c, out_h, out_w, out_c;
    int8_t kh, kw, stride_h, stride_w, dil_h, dil_w;
    int8_t pad_top, pad_left;
    int16_t groups;
    int32_t in_zp, out_zp, act_min, act_max;
    const int8_t *weights; /* OHWI */
    const int32_t *bias, *multiplier, *shift;
} studio_conv_params;

typedef struct {
    int32_t in_size, out_size;
    int32_t in_zp, out_zp, act_min, act_max;
    const int8_t *weights; /* (out, in) */
    const int32_t *bias;
    const int32_t *multiplier, *shift;
} studio_fc_params;

typedef struct {
    int16_t in_h, in_w, c, out_h, out_w;
    int8_t kh, kw, stride_h, stride_w, pad_top, pad_left;
    int32_t act_min, act_max;
} studio_pool_params;

typedef struct {
    int32_t size, zp1, zp2, out_zp, left_shift;
    int32_t m1, s1, m2, s2, m_out, s_out, act_min, act_max;
} studio_add_params;

int32_t studio_mbqm(int64_t x, int32_t multiplier, int32_t shift);

void studio_conv2d(const studio_conv_params *p, const int8_t *in, int8_t *out);
void studio_dwconv_inplace(const studio_conv_params *p, int8_t *buf, int8_t *channel);
void studio_fully_connected(const studio_fc_params *p, const int8_t *in, int8_t *out);
void studio_max_pool(const studio_pool_params *p, const int8_t *in, int8_t *out);
void studio_avg_pool(const studio_pool_params *p, const int8_t *in, int8_t *out);
void studio_add(const studio_add_params *p, const int8_t *a, const int8_t *b, int8_t *out);
void studio_concat_part(const int8_t *in, int8_t *out, int32_t outer, int32_t chunk, int32_t out_stride,
                        int32_t zp_in, int32_t zp_out, int32_t multiplier, int32_t shift);
void studio_copy(const int8_t *in, int8_t *out, int32_t n);

#endif
