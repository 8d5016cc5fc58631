/* Exit through Arm semihosting (QEMU with -semihosting-config enable=on): SYS_EXIT_EXTENDED carries the
 * status, so QEMU's exit status is the firmware's. */
#include <stdint.h>
#include "studio_fw.h"

void platform_exit(int status) {
    volatile uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)status};
    register uint32_t r0 __asm("r0") = 0x20; /* SYS_EXIT_EXTENDED */
    register uint32_t r1 __asm("r1") = (uint32_t)block;
    __asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {
    }
}
