/* STM32F7 USART (polled), on the 16 MHz HSI clock the chip boots with. On the Nucleo-F746ZG, USART3 on
 * PD8 (TX) / PD9 (RX), alternate function 7, is the ST-Link's virtual COM port.
 * Not verified on hardware by the studio's test suite (no board attached there). */
#include "studio_fw.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB1ENR REG(0x40023840u)
#define GPIOD_MODER REG(0x40020C00u)
#define GPIOD_AFRH REG(0x40020C24u)
#define USART_CR1 REG(STUDIO_UART_BASE + 0x00)
#define USART_BRR REG(STUDIO_UART_BASE + 0x0C)
#define USART_ISR REG(STUDIO_UART_BASE + 0x1C)
#define USART_ICR REG(STUDIO_UART_BASE + 0x20)
#define USART_RDR REG(STUDIO_UART_BASE + 0x24)
#define USART_TDR REG(STUDIO_UART_BASE + 0x28)

void serial_init(void) {
    RCC_AHB1ENR |= 1u << 3;  /* GPIOD */
    RCC_APB1ENR |= 1u << 18; /* USART3 */
    (void)RCC_APB1ENR;
    GPIOD_MODER = (GPIOD_MODER & ~(0xFu << 16)) | (0xAu << 16);  /* PD8, PD9: alternate function */
    GPIOD_AFRH = (GPIOD_AFRH & ~0xFFu) | 0x77u;                   /* AF7 = USART3 */
    USART_BRR = (STUDIO_CLOCK_HZ + STUDIO_BAUD / 2) / STUDIO_BAUD;
    USART_CR1 = (1u << 3) | (1u << 2) | 1u; /* TE, RE, UE */
}

void serial_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        while (!(USART_ISR & (1u << 7))) {
        }
        USART_TDR = data[i];
    }
}

int serial_read_byte(void) {
    for (;;) {
        uint32_t isr = USART_ISR;
        if (isr & (1u << 5)) return (int)(USART_RDR & 0xFF);
        if (isr & (1u << 3)) USART_ICR = 1u << 3; /* clear an overrun so reception goes on */
    }
}
