/* Real boards have no host to exit to: stop here (a debugger sees the status in r0). */
#include "studio_fw.h"

void platform_exit(int status) {
    (void)status;
    for (;;) {
        __asm volatile("wfi");
    }
}
