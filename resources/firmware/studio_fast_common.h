/* What every fast kernel shares: the requantization of one output (studio_rq), the clamp, and the DSP
 * instructions they use (the ACLE intrinsics on DSP cores; exact C models of them with STUDIO_EMULATE_DSP, so
 * host builds in tests run the SIMD paths too). See studio_kernels_fast.h. */
#ifndef STUDIO_FAST_COMMON_H
#define STUDIO_FAST_COMMON_H

#include <stdint.h>

#include "studio_kernels.h"
#if defined(__ARM_FEATURE_SAT)
#include <arm_acle.h>
#endif

#define S_INLINE static inline __attribute__((always_inline))

/* One output channel's requantization (studio/deploy/codegen/requant.py derives it). mode 1:
 * y = (acc * m + r - (acc < 0) * 2^31) >> (32 + sh), which equals RDBPOT(SRDHM(acc, m), sh + 1) for every int32
 * acc and 0 <= m < 2^31, with r = 2^30 + 2^(31 + sh) (plus the output zero point times 2^(32 + sh) when the
 * generator folds it in); mode 2: the same without the sign term (a fused ReLU clamps those outputs anyway);
 * mode 0: sh is the IR's shift and studio_mbqm is used (layers with a left shift or a zero right shift). */
typedef struct {
    int64_t r;
    int32_t m, sh;
} studio_rq;

S_INLINE int32_t s_requant(int32_t acc, const studio_rq *q, const int mode) {
    if (mode == 0) return studio_mbqm(acc, q->m, q->sh);
    int64_t t = (int64_t)acc * q->m + q->r;
    if (mode == 1) t -= (int64_t)(((uint32_t)acc >> 31) << 31);
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

S_INLINE int8_t s_out(int32_t acc, const studio_rq *q, const int mode, const int32_t zp, const int32_t lo,
                      const int32_t hi) {
    return (int8_t)s_clamp(s_requant(acc, q, mode) + zp, lo, hi);
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
#define s_smlabb(a, b, acc) __smlabb((int32_t)(a), (int32_t)(b), (acc))
#define s_smlatt(a, b, acc) __smlatt((int32_t)(a), (int32_t)(b), (acc))
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
S_INLINE int32_t s_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a & 0xFFFF) * (int16_t)(b & 0xFFFF)));
}
S_INLINE int32_t s_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16)));
}
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

#endif
