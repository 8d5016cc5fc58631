/* Arm CMSDK APB timer 0, free-running down-counter from 0xFFFFFFFF; counter_read() counts up.
 * On QEMU with -icount it ticks with the virtual clock, so ticks are proportional to instructions. */
#include "studio_fw.h"

#define TIMER_CTRL (*(volatile uint32_t *)(STUDIO_TIMER_BASE + 0x0))
#define TIMER_VALUE (*(volatile uint32_t *)(STUDIO_TIMER_BASE + 0x4))
#define TIMER_RELOAD (*(volatile uint32_t *)(STUDIO_TIMER_BASE + 0x8))

void counter_init(void) {
    TIMER_CTRL = 0;
    TIMER_RELOAD = 0xFFFFFFFFu;
    TIMER_VALUE = 0xFFFFFFFFu;
    TIMER_CTRL = 0x1;
}

uint32_t counter_read(void) { return 0xFFFFFFFFu - TIMER_VALUE; }
