/* Fast int8 kernels of TinyML Studio's generated code, bit-exact with studio/int8/reference.py.
 *
 * Why a header of static inline functions: the code generator emits one small function per layer that calls
 * these with the layer's shape as literal constants, so the compiler specialises every loop to that layer
 * (constant trip counts and strides, unrolled 1x1 and 3x3 bodies, the clamp folded away when it is a no-op).
 * What makes them fast, while computing exactly what the reference computes:
 * - convolutions are blocked 2 output pixels x 2 output channels (1 pixel x 4 channels where a pixel has no
 *   partner with the same valid taps), so each loaded input word serves several channels and each weight word
 *   two pixels; on DSP cores (M4, M7, M33) four int8 values are widened with SXTB16/SXTAB16 (the input zero
 *   point subtracted in the same instruction) and multiplied pairwise with SMLAD (two MACs per instruction);
 *   other cores (M0+, M3) run the same blocking in plain C (studio_fast_conv.h);
 * - depthwise: four channels per word, SMLABB/SMLATT per channel, weights stored tap-major
 *   (studio_fast_depthwise.h);
 * - no per-MAC test for padding: each output pixel's valid kernel rows and columns are computed once, interior
 *   pixels take a path whose bounds are constants, and a row of valid taps is one contiguous run of bytes;
 * - requantization in one 32x32->64 multiply-accumulate and one shift (studio_rq, exact for right shifts;
 *   studio_fast_common.h);
 * - element-wise Add and Concatenation through per-input lookup tables (exact: each depends on one int8 code;
 *   studio_fast_tables.h);
 * - max pooling (SSUB8 + SEL) and average pooling (SXTAB16 sums) four channels per instruction
 *   (studio_fast_pool.h).
 * With STUDIO_EMULATE_DSP (host builds in tests) the DSP instructions are C functions with their exact Arm
 * semantics, so the SIMD paths are checked against the reference without an emulator. */
#ifndef STUDIO_KERNELS_FAST_H
#define STUDIO_KERNELS_FAST_H
#include "studio_fast_common.h"
#include "studio_fast_conv.h"
#include "studio_fast_depthwise.h"
#include "studio_fast_pool.h"
#include "studio_fast_tables.h"
#endif
