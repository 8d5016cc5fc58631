/* RP2040 / RP2350 UART0 (an Arm PL011) on GP0 (TX) / GP1 (RX), polled; clk_peri from clk_sys, which is
 * taken to run at STUDIO_CLOCK_HZ. Not verified on hardware by the studio's test suite. */
#include "studio_fw.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#if defined(STUDIO_RP2350)
#define RESETS_BASE 0x40020000u
#define CLOCKS_BASE 0x40010000u
#define IO_BANK0_BASE 0x40028000u
#define PADS_BANK0_BASE 0x40038000u
#define RESET_BITS ((1u << 26) | (1u << 6) | (1u << 9)) /* UART0, IO_BANK0, PADS_BANK0 */
#define CLK_PERI_CTRL REG(CLOCKS_BASE + 0x6C)
#else
#define RESETS_BASE 0x4000C000u
#define CLOCKS_BASE 0x40008000u
#define IO_BANK0_BASE 0x40014000u
#define PADS_BANK0_BASE 0x4001C000u
#define RESET_BITS ((1u << 22) | (1u << 5) | (1u << 8))
#define CLK_PERI_CTRL REG(CLOCKS_BASE + 0x48)
#endif
#define RESETS_CLR REG(RESETS_BASE + 0x3000u)
#define RESETS_DONE REG(RESETS_BASE + 0x8u)
#define UART_DR REG(STUDIO_UART_BASE + 0x00)
#define UART_FR REG(STUDIO_UART_BASE + 0x18)
#define UART_IBRD REG(STUDIO_UART_BASE + 0x24)
#define UART_FBRD REG(STUDIO_UART_BASE + 0x28)
#define UART_LCR_H REG(STUDIO_UART_BASE + 0x2C)
#define UART_CR REG(STUDIO_UART_BASE + 0x30)

void serial_init(void) {
    CLK_PERI_CTRL = 1u << 11; /* enable, source clk_sys */
    RESETS_CLR = RESET_BITS;
    while ((RESETS_DONE & RESET_BITS) != RESET_BITS) {
    }
    REG(IO_BANK0_BASE + 0x04) = 2; /* GPIO0_CTRL: FUNCSEL UART */
    REG(IO_BANK0_BASE + 0x0C) = 2; /* GPIO1_CTRL */
#if defined(STUDIO_RP2350)
    REG(PADS_BANK0_BASE + 0x04) &= ~(1u << 8); /* clear the pads' isolation latch */
    REG(PADS_BANK0_BASE + 0x08) &= ~(1u << 8);
#endif
    uint32_t div = (8u * STUDIO_CLOCK_HZ) / STUDIO_BAUD; /* 64 x the divisor, halved rounding */
    UART_IBRD = div >> 7;
    UART_FBRD = ((div & 0x7Fu) + 1u) / 2u;
    UART_LCR_H = (3u << 5) | (1u << 4); /* 8 bits, FIFOs on */
    UART_CR = (1u << 9) | (1u << 8) | 1u;
}

void serial_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        while (UART_FR & (1u << 5)) {
        }
        UART_DR = data[i];
    }
}

int serial_read_byte(void) {
    while (UART_FR & (1u << 4)) {
    }
    return (int)(UART_DR & 0xFF);
}
