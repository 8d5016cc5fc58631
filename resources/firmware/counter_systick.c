/* SysTick as the inference timer on cores without a DWT cycle counter (Cortex-M0+ boards): a 24-bit
 * down-counter at the core clock, extended to 32 bits by its wrap interrupt (SysTick_Handler adds one reload
 * period), so inferences longer than 2^24 cycles are timed right. STUDIO_SYSTICK_RELOAD (default 2^24 - 1)
 * sets the period; tests make it short to exercise the wrap. */
#include "studio_fw.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#ifndef STUDIO_SYSTICK_RELOAD
#define STUDIO_SYSTICK_RELOAD 0x00FFFFFFu
#endif

static volatile uint32_t high; /* ticks of the completed periods */

void SysTick_Handler(void) { high += STUDIO_SYSTICK_RELOAD + 1u; }

void counter_init(void) {
    SYST_CSR = 0;
    SYST_RVR = STUDIO_SYSTICK_RELOAD;
    SYST_CVR = 0;
    high = 0;
    SYST_CSR = 0x7; /* enable, wrap interrupt, core clock */
}

uint32_t counter_read(void) {
    uint32_t before, now;
    do { /* a wrap between the two reads of `high` means `now` may belong to either period: read again */
        before = high;
        now = STUDIO_SYSTICK_RELOAD - (SYST_CVR & 0x00FFFFFFu);
    } while (before != high);
    return before + now;
}
