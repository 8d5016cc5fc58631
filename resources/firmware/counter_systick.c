/* SysTick as a 24-bit down-counter at the core clock (cores without DWT: Cortex-M0+ boards).
 * Extended in software to 32 bits by polling; inference must read it at least once per 2^24 cycles, so
 * counter_read() is also called from the kernels' outer loops on these boards. */
#include "studio_fw.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static uint32_t last, high;

void counter_init(void) {
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 0x5; /* enable, core clock */
    last = 0;
    high = 0;
}

uint32_t counter_read(void) {
    uint32_t now = 0x00FFFFFFu - (SYST_CVR & 0x00FFFFFFu);
    if (now < last) high += 0x01000000u;
    last = now;
    return high + now;
}
