"""STM32 Nucleo-F746ZG: Cortex-M7 with 1 MiB flash and 320 KiB SRAM, an on-board ST-Link.

Flashed through the ST-Link with pyOCD, or by copying the binary onto the ST-Link's mass-storage drive
(``NODE_F746ZG``). The ST-Link's virtual COM port is USART3 (PD8/PD9). The firmware runs on the 16 MHz HSI
oscillator it boots with (no PLL set-up), so cycle counts are the chip's, at a lower clock than its 216 MHz.
"""

from __future__ import annotations

from studio.deploy.board import Board, MemoryRegion

BOARDS = (
    Board(
        id="nucleo-f746zg",
        name="STM32 Nucleo-F746ZG (Cortex-M7)",
        core="cortex-m7",
        clock_hz=16_000_000,
        flash=MemoryRegion(0x0800_0000, 1024 * 1024),
        sram=MemoryRegion(0x2000_0000, 320 * 1024),
        cflags=("-mcpu=cortex-m7", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
        serial_driver="stm32_usart",
        uart_base=0x4000_4800,  # USART3
        counter="dwt_cycles",
        flashers=("pyocd", "mass_storage"),
        usb_ids=((0x0483, 0x374B), (0x0483, 0x374E), (0x0483, 0x3752)),  # ST-Link/V2-1, V3
        uf2_board_id="NODE_F746ZG",
        has_dsp=True,
        has_fpu=True,
        pyocd_target="stm32f746zgtx",
        vendor="STMicroelectronics",
        extra_defines=(("STUDIO_STM32_USART3_PD8_PD9", "1"),),
        notes="ST-Link VCP on USART3; runs on the 16 MHz HSI clock.",
    ),
)
