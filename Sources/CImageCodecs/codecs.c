/* PNG and JPEG through libpng and libjpeg-turbo.
 *
 * libjpeg reports errors by calling error_exit, which by default ends the process; Swift cannot
 * use setjmp/longjmp, so the decoding lives here: error_exit longjmps back and the message is
 * returned to Swift as an error. libpng's simplified API reports errors in the image struct. */
#include "fovea_codecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

static void set_error(char *error, size_t size, const char *message) {
    if (error && size) { snprintf(error, size, "%s", message); }
}

void fovea_free(void *pointer) { free(pointer); }

int fovea_decode_png(const uint8_t *data, size_t size, fovea_image *out, char *error, size_t error_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        set_error(error, error_size, image.message);
        return -1;
    }
    /* Keep gray as gray and colour as colour; palettes expand to RGB(A); keep alpha if present. */
    image.format &= (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA);
    size_t bytes = PNG_IMAGE_SIZE(image);
    if (image.width == 0 || image.height == 0 || bytes / image.height / image.width > 4) {
        png_image_free(&image);
        set_error(error, error_size, "PNG has an invalid size");
        return -1;
    }
    uint8_t *pixels = malloc(bytes);
    if (!pixels) {
        png_image_free(&image);
        set_error(error, error_size, "out of memory");
        return -1;
    }
    if (!png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
        set_error(error, error_size, image.message);
        free(pixels);
        png_image_free(&image);
        return -1;
    }
    out->pixels = pixels;
    out->width = (int)image.width;
    out->height = (int)image.height;
    out->channels = (int)PNG_IMAGE_PIXEL_CHANNELS(image.format);
    return 0;
}

struct jpeg_error_context {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void jpeg_error_exit(j_common_ptr info) {
    struct jpeg_error_context *context = (struct jpeg_error_context *)info->err;
    (*info->err->format_message)(info, context->message);
    longjmp(context->jump, 1);
}

/* Prints nothing, but counts warnings (level -1) as the default handler does. */
static void jpeg_silence(j_common_ptr info, int level) {
    if (level < 0) { info->err->num_warnings++; }
}

int fovea_decode_jpeg(const uint8_t *data, size_t size, fovea_image *out, char *error, size_t error_size) {
    struct jpeg_decompress_struct info;
    struct jpeg_error_context context;
    uint8_t *volatile pixels = NULL;
    memset(&info, 0, sizeof info);
    info.err = jpeg_std_error(&context.manager);
    context.manager.error_exit = jpeg_error_exit;
    context.manager.emit_message = jpeg_silence;
    if (setjmp(context.jump)) {
        set_error(error, error_size, context.message);
        jpeg_destroy_decompress(&info);
        free(pixels);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&info);
    size_t stride = (size_t)info.output_width * (size_t)info.output_components;
    pixels = malloc(stride * info.output_height);
    if (!pixels) {
        jpeg_destroy_decompress(&info);
        set_error(error, error_size, "out of memory");
        return -1;
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    /* A truncated file makes libjpeg pad with grey and warn; treat any warning as an error. */
    if (context.manager.num_warnings > 0) {
        (*context.manager.format_message)((j_common_ptr)&info, context.message);
        set_error(error, error_size, context.message);
        jpeg_destroy_decompress(&info);
        free(pixels);
        return -1;
    }
    out->pixels = pixels;
    out->width = (int)info.output_width;
    out->height = (int)info.output_height;
    out->channels = info.output_components;
    jpeg_destroy_decompress(&info);
    return 0;
}

int fovea_encode_png(const uint8_t *pixels, int width, int height, int channels,
                     uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = channels == 1 ? PNG_FORMAT_GRAY : channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, NULL)) {
        set_error(error, error_size, image.message);
        return -1;
    }
    uint8_t *buffer = malloc(size);
    if (!buffer) { set_error(error, error_size, "out of memory"); return -1; }
    if (!png_image_write_to_memory(&image, buffer, &size, 0, pixels, 0, NULL)) {
        set_error(error, error_size, image.message);
        free(buffer);
        return -1;
    }
    *out = buffer;
    *out_size = size;
    return 0;
}
