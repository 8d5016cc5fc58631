/* nRF52840 UARTE0 with EasyDMA, one byte per transfer (its RX FIFO holds the next bytes meanwhile).
 * Pins from STUDIO_NRF_TX_PIN / STUDIO_NRF_RX_PIN (port 1 pins are 32 + n). Not verified on hardware by the
 * studio's test suite. */
#include "studio_fw.h"

#define REG(off) (*(volatile uint32_t *)(STUDIO_UART_BASE + (off)))
#define TASKS_STARTRX REG(0x000)
#define TASKS_STARTTX REG(0x008)
#define EVENTS_ENDRX REG(0x110)
#define EVENTS_ENDTX REG(0x120)
#define ENABLE REG(0x500)
#define PSEL_TXD REG(0x50C)
#define PSEL_RXD REG(0x514)
#define BAUDRATE REG(0x524)
#define RXD_PTR REG(0x534)
#define RXD_MAXCNT REG(0x538)
#define TXD_PTR REG(0x544)
#define TXD_MAXCNT REG(0x548)
#define CONFIG REG(0x56C)

static uint8_t rx_byte, tx_buf[64];

void serial_init(void) {
    PSEL_TXD = STUDIO_NRF_TX_PIN;
    PSEL_RXD = STUDIO_NRF_RX_PIN;
    BAUDRATE = 0x01D7E000u; /* 115200 */
    CONFIG = 0;
    ENABLE = 8;
}

void serial_write(const uint8_t *data, size_t len) {
    while (len) {
        size_t n = len < sizeof tx_buf ? len : sizeof tx_buf; /* EasyDMA reads RAM only: copy flash data */
        for (size_t i = 0; i < n; i++) tx_buf[i] = data[i];
        TXD_PTR = (uint32_t)tx_buf;
        TXD_MAXCNT = n;
        EVENTS_ENDTX = 0;
        TASKS_STARTTX = 1;
        while (!EVENTS_ENDTX) {
        }
        data += n;
        len -= n;
    }
}

int serial_read_byte(void) {
    RXD_PTR = (uint32_t)&rx_byte;
    RXD_MAXCNT = 1;
    EVENTS_ENDRX = 0;
    TASKS_STARTRX = 1;
    while (!EVENTS_ENDRX) {
    }
    return rx_byte;
}
