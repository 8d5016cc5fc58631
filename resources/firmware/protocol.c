/* The framed serial protocol the host's validator speaks (studio/deploy/protocol.py is the other side).
 *
 * Frame: 'T' 'M' | type u8 | length u32 LE | payload | CRC-32 (IEEE, LE) over type, length and payload.
 * Host -> device: PING (0x01), INFER (0x02, payload = input tensor, int8), EXIT (0x03),
 * PROBE (0x04, payload = u32 layer count n, then the input tensor: run the first n ops only),
 * PROFILE (0x05, payload = the input tensor: run every op, timing each one on its own).
 * Device -> host: INFO (0x81), RESULT (0x82: u32 counter ticks, then the output tensor), BYE (0x83),
 * LAYER (0x84: u32 ticks, then the output of op n-1; how the host finds the first differing layer),
 * PROFILED (0x85: u32 ticks of each op; sent while the ops run, each op's time excludes the sending),
 * ERROR (0xEE: u8 code). A frame with a bad CRC or length is answered with ERROR and otherwise ignored, so
 * a glitch on the line never leaves the device in a half state. */
#include "studio_fw.h"

enum { PING = 0x01, INFER = 0x02, EXIT = 0x03, PROBE = 0x04, PROFILE = 0x05, INFO = 0x81, RESULT = 0x82, BYE = 0x83,
       LAYER = 0x84, PROFILED = 0x85, ERROR = 0xEE };
enum { ERR_CRC = 1, ERR_LENGTH = 2, ERR_TYPE = 3 };
#define PROTOCOL_VERSION 2u

static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len) {
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t read_u32(uint32_t *crc) {
    uint8_t b[4];
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)serial_read_byte();
    *crc = crc32_update(*crc, b, 4);
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

/* Sends a frame whose payload is head (n_head bytes) followed by body (n_body bytes). */
static void send_frame(uint8_t type, const uint8_t *head, uint32_t n_head, const uint8_t *body, uint32_t n_body) {
    uint8_t hdr[7] = {'T', 'M', type, 0, 0, 0, 0};
    put_u32(hdr + 3, n_head + n_body);
    uint32_t crc = crc32_update(0, hdr + 2, 5);
    crc = crc32_update(crc, head, n_head);
    crc = crc32_update(crc, body, n_body);
    uint8_t tail[4];
    put_u32(tail, crc);
    serial_write(hdr, 7);
    serial_write(head, n_head);
    serial_write(body, n_body);
    serial_write(tail, 4);
}

static void send_error(uint8_t code) { send_frame(ERROR, &code, 1, 0, 0); }

/* PROFILED: the frame's length is known up front, so each op's ticks are sent (and folded into the CRC) as
 * soon as the op has run; only the op itself is between the two counter reads. */
static void send_profile(void) {
    uint8_t hdr[7] = {'T', 'M', PROFILED, 0, 0, 0, 0};
    put_u32(hdr + 3, 4u * studio_model_layer_count);
    uint32_t crc = crc32_update(0, hdr + 2, 5);
    serial_write(hdr, 7);
    for (uint32_t i = 0; i < studio_model_layer_count; i++) {
        uint32_t t0 = counter_read();
        studio_model_run_range(i, i + 1);
        uint32_t t1 = counter_read();
        uint8_t ticks[4];
        put_u32(ticks, t1 - t0);
        crc = crc32_update(crc, ticks, 4);
        serial_write(ticks, 4);
    }
    uint8_t tail[4];
    put_u32(tail, crc);
    serial_write(tail, 4);
}

static void wait_for_sync(void) {
    int prev = -1;
    for (;;) {
        int c = serial_read_byte();
        if (prev == 'T' && c == 'M') return;
        prev = c;
    }
}

int main(void) {
    static uint8_t scratch[16];
    serial_init();
    counter_init();
    for (;;) {
        wait_for_sync();
        uint8_t type = (uint8_t)serial_read_byte();
        uint32_t crc = crc32_update(0, &type, 1);
        uint32_t len = read_u32(&crc);
        uint8_t *dst = scratch;
        uint32_t room = sizeof scratch, head = 0;
        if (((type == INFER || type == PROFILE) && len == studio_model_input_bytes) ||
            (type == PROBE && len == 4 + studio_model_input_bytes)) {
            head = type == PROBE ? 4 : 0; /* PROBE's layer count goes to scratch, the tensor to the input */
            dst = (uint8_t *)studio_model_input_buffer();
            room = studio_model_input_bytes;
        }
        if (len > (1u << 20)) { /* a corrupt length: resynchronise instead of draining it */
            send_error(ERR_LENGTH);
            continue;
        }
        for (uint32_t i = 0; i < len; i++) {
            uint8_t b = (uint8_t)serial_read_byte();
            crc = crc32_update(crc, &b, 1);
            if (i < head)
                scratch[i] = b;
            else if (i - head < room)
                dst[i - head] = b;
        }
        (void)read_u32(&crc);
        /* read_u32 folded the CRC bytes into crc: a correct frame leaves the CRC-32 residue. */
        if (crc != 0x2144DF1Cu) {
            send_error(ERR_CRC);
            continue;
        }
        if (type == PING) {
            uint8_t info[20];
            put_u32(info, PROTOCOL_VERSION);
            put_u32(info + 4, studio_model_hash);
            put_u32(info + 8, studio_model_input_bytes);
            put_u32(info + 12, studio_model_output_bytes);
            put_u32(info + 16, studio_model_arena_bytes);
            send_frame(INFO, info, sizeof info, (const uint8_t *)STUDIO_BOARD_ID, sizeof STUDIO_BOARD_ID - 1);
        } else if (type == INFER) {
            if (len != studio_model_input_bytes) {
                send_error(ERR_LENGTH);
                continue;
            }
            uint32_t t0 = counter_read();
            studio_model_run_layers(studio_model_layer_count);
            uint32_t t1 = counter_read();
            uint8_t ticks[4];
            put_u32(ticks, t1 - t0);
            send_frame(RESULT, ticks, 4, (const uint8_t *)studio_model_output_buffer(), studio_model_output_bytes);
        } else if (type == PROBE) {
            uint32_t n = (uint32_t)scratch[0] | ((uint32_t)scratch[1] << 8) | ((uint32_t)scratch[2] << 16) |
                         ((uint32_t)scratch[3] << 24);
            if (head != 4 || n < 1 || n > studio_model_layer_count) {
                send_error(ERR_LENGTH);
                continue;
            }
            uint32_t t0 = counter_read();
            studio_model_run_layers(n);
            uint32_t t1 = counter_read();
            uint8_t ticks[4];
            put_u32(ticks, t1 - t0);
            send_frame(LAYER, ticks, 4, (const uint8_t *)studio_model_arena() + studio_model_layer_offset[n - 1],
                       studio_model_layer_bytes[n - 1]);
        } else if (type == PROFILE) {
            if (len != studio_model_input_bytes) {
                send_error(ERR_LENGTH);
                continue;
            }
            send_profile();
        } else if (type == EXIT) {
            send_frame(BYE, 0, 0, 0, 0);
            return 0;
        } else {
            send_error(ERR_TYPE);
        }
    }
}
