/* Real boards have no host to exit to: after EXIT the firmware resets the core (SYSRESETREQ in the System
 * Control Block's AIRCR, on every Cortex-M), so it boots again and answers the next session without a manual
 * reset. */
#include "studio_fw.h"

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)

void platform_exit(int status) {
    (void)status;
    __asm volatile("dsb" ::: "memory");
    SCB_AIRCR = (0x05FAu << 16) | (1u << 2); /* VECTKEY | SYSRESETREQ */
    __asm volatile("dsb" ::: "memory");
    for (;;) {
    }
}
