/* TinyML Studio firmware: the interfaces between the protocol loop, the board's drivers and the model.
 * Generated model code (model.c) implements studio_model_*; a board supplies serial_* and counter_*. */
#ifndef STUDIO_FW_H
#define STUDIO_FW_H
#include <stdint.h>
#include <stddef.h>

/* Serial link (one UART per board, polled). */
void serial_init(void);
void serial_write(const uint8_t *data, size_t len);
int serial_read_byte(void); /* blocks; returns 0..255 */

/* Counter: ticks of the board's inference timer (cycles on DWT boards, timer ticks on QEMU). */
void counter_init(void);
uint32_t counter_read(void); /* counts up; wraps at 2^32 */

/* The generated model. */
extern const uint32_t studio_model_input_bytes;
extern const uint32_t studio_model_output_bytes;
extern const uint32_t studio_model_arena_bytes;
extern const uint32_t studio_model_hash;
extern const uint32_t studio_model_layer_count;
extern const uint32_t studio_model_layer_offset[]; /* arena offset of each op's output */
extern const uint32_t studio_model_layer_bytes[];
void studio_model_run_layers(uint32_t n); /* the first n ops, on the input buffer */
void studio_model_run_range(uint32_t first, uint32_t end); /* ops first .. end - 1 (per-layer timing) */
int8_t *studio_model_arena(void);
int8_t *studio_model_input_buffer(void);
int8_t *studio_model_output_buffer(void);

/* Platform: end the session (QEMU: semihosting exit with the status; hardware: reset and boot again). */
void platform_exit(int status) __attribute__((noreturn));

#endif
