/* Arm CMSDK APB UART (the mps2 boards' UART0): data +0x0, state +0x4 (bit0 TX full, bit1 RX full),
 * ctrl +0x8 (bit0 TX enable, bit1 RX enable), baud divider +0x10. Polled. */
#include "studio_fw.h"

#define UART_DATA (*(volatile uint32_t *)(STUDIO_UART_BASE + 0x0))
#define UART_STATE (*(volatile uint32_t *)(STUDIO_UART_BASE + 0x4))
#define UART_CTRL (*(volatile uint32_t *)(STUDIO_UART_BASE + 0x8))
#define UART_BAUDDIV (*(volatile uint32_t *)(STUDIO_UART_BASE + 0x10))

void serial_init(void) {
    UART_BAUDDIV = STUDIO_CLOCK_HZ / STUDIO_BAUD;
    UART_CTRL = 0x3;
}

void serial_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        while (UART_STATE & 0x1) {
        }
        UART_DATA = data[i];
    }
}

int serial_read_byte(void) {
    while (!(UART_STATE & 0x2)) {
    }
    return (int)(UART_DATA & 0xFF);
}
