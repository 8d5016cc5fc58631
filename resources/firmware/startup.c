/* Vector table and reset handler: copy .data to RAM, zero .bss, run main, exit with its status.
 * Why our own: newlib's start-up files put the stack outside these boards' RAM; this one uses the linker
 * script's symbols only. */
#include <stdint.h>
#include "studio_fw.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void Reset_Handler(void);
static void Fault_Handler(void) { platform_exit(3); }
/* The SysTick counter (counter_systick.c) defines the real one; elsewhere SysTick never fires. */
__attribute__((weak)) void SysTick_Handler(void) { platform_exit(4); }

__attribute__((section(".isr_vector"), used)) const void *const studio_vectors[16] = {
    &_estack, (void *)Reset_Handler, (void *)Fault_Handler, (void *)Fault_Handler, (void *)Fault_Handler,
    (void *)Fault_Handler, (void *)Fault_Handler, 0, 0, 0, 0, (void *)Fault_Handler, (void *)Fault_Handler, 0,
    (void *)Fault_Handler, (void *)SysTick_Handler,
};

void Reset_Handler(void) {
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata) *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
#if defined(__ARM_FP)
    /* Enable the FPU (CP10, CP11) before any code may touch it. */
    *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20);
    __asm volatile("dsb\n isb");
#endif
    platform_exit(main());
}

/* The compiler may emit calls to these for struct copies and zeroing. */
void *memcpy(void *dst, const void *src, unsigned int n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--) *d++ = *s++;
    return dst;
}
void *memset(void *dst, int c, unsigned int n) {
    uint8_t *d = dst;
    while (n--) *d++ = (uint8_t)c;
    return dst;
}
