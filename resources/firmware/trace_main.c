/* Cycle-model firmware (studio/deploy/cycles.py): one inference on a baked-in input, one layer at a time
 * between calls of studio_trace_mark, then exit through semihosting. No UART and no polling, so QEMU's
 * per-instruction trace holds start-up, the inference and the exit only; the marks split it into layers. */
#include "studio_fw.h"

extern const int8_t studio_trace_input[];

void __attribute__((noinline)) studio_trace_mark(uint32_t layer) {
    (void)layer;
    __asm volatile("" ::: "memory");
}

int main(void) {
    int8_t *x = studio_model_input_buffer();
    for (uint32_t i = 0; i < studio_model_input_bytes; i++) x[i] = studio_trace_input[i];
    for (uint32_t i = 0; i < studio_model_layer_count; i++) {
        studio_trace_mark(i);
        studio_model_run_range(i, i + 1);
    }
    studio_trace_mark(studio_model_layer_count);
    return 0;
}
