#ifndef FOVEA_CODECS_H
#define FOVEA_CODECS_H
#include <stddef.h>
#include <stdint.h>

/* Decoded 8-bit pixels, interleaved (HWC), `channels` = 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA).
   Free `pixels` with fovea_free. Functions return 0 on success, or -1 with a message in `error`. */
typedef struct {
    uint8_t *pixels;
    int width, height, channels;
} fovea_image;

int fovea_decode_png(const uint8_t *data, size_t size, fovea_image *out, char *error, size_t error_size);
int fovea_decode_jpeg(const uint8_t *data, size_t size, fovea_image *out, char *error, size_t error_size);
/* Encodes interleaved 8-bit pixels (channels 1, 3 or 4) as PNG into a malloc'd buffer. */
int fovea_encode_png(const uint8_t *pixels, int width, int height, int channels,
                     uint8_t **out, size_t *out_size, char *error, size_t error_size);
void fovea_free(void *pointer);

#endif
