#ifndef CIMAGECODECS_SHIM_H
#define CIMAGECODECS_SHIM_H
// libpng's simplified API and libjpeg, each decoding a whole image from memory to 8-bit RGBA in one call, so that
// Swift never sees libjpeg's setjmp/longjmp error handling. Both refuse images past `max_pixels` before allocating.
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

enum { CIMAGE_OK = 0, CIMAGE_INVALID = 1, CIMAGE_TOO_LARGE = 2, CIMAGE_NO_MEMORY = 3 };

// Decodes a PNG to RGBA. On CIMAGE_OK, *pixels is width × height × 4 bytes to free with free().
static inline int cimage_decode_png(const void *data, size_t size, size_t max_pixels, unsigned char **pixels,
                                    unsigned *width, unsigned *height, char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(message, message_size, "%s", image.message);
        return CIMAGE_INVALID;
    }
    if ((size_t)image.width * image.height > max_pixels) {
        png_image_free(&image);
        return CIMAGE_TOO_LARGE;
    }
    image.format = PNG_FORMAT_RGBA;
    unsigned char *buffer = malloc(PNG_IMAGE_SIZE(image));
    if (buffer == NULL) {
        png_image_free(&image);
        return CIMAGE_NO_MEMORY;
    }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        free(buffer);
        png_image_free(&image);
        return CIMAGE_INVALID;
    }
    *pixels = buffer;
    *width = image.width;
    *height = image.height;
    return CIMAGE_OK;
}

struct cimage_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
};

static void cimage_jpeg_exit(j_common_ptr info) {
    longjmp(((struct cimage_jpeg_error *)info->err)->jump, 1);
}

static void cimage_jpeg_silence(j_common_ptr info) { (void)info; }

// Decodes a JPEG to RGBA (alpha 255), scaled down by libjpeg (1/2, 1/4 or 1/8) while the result is still at
// least `min_pixels`, which is all a palette needs. On CIMAGE_OK, *pixels is width × height × 4 bytes to free.
static inline int cimage_decode_jpeg(const void *data, size_t size, size_t max_pixels, size_t min_pixels,
                                     unsigned char **pixels, unsigned *width, unsigned *height, char *message,
                                     size_t message_size) {
    struct jpeg_decompress_struct info;
    struct cimage_jpeg_error error;
    unsigned char *volatile buffer = NULL;
    unsigned char *volatile row = NULL;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = cimage_jpeg_exit;
    error.manager.output_message = cimage_jpeg_silence;
    if (setjmp(error.jump)) {
        char text[JMSG_LENGTH_MAX];
        (*info.err->format_message)((j_common_ptr)&info, text);
        snprintf(message, message_size, "%s", text);
        jpeg_destroy_decompress(&info);
        free(buffer);
        free(row);
        return CIMAGE_INVALID;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    if ((size_t)info.image_width * info.image_height > max_pixels) {
        jpeg_destroy_decompress(&info);
        return CIMAGE_TOO_LARGE;
    }
    info.out_color_space = JCS_RGB;
    info.scale_num = 1;
    info.scale_denom = 1;
    while (info.scale_denom < 8 && ((size_t)info.image_width / (info.scale_denom * 2)) *
                                           ((size_t)info.image_height / (info.scale_denom * 2)) >= min_pixels) {
        info.scale_denom *= 2;
    }
    jpeg_start_decompress(&info);
    size_t stride = (size_t)info.output_width * 4;
    buffer = malloc(stride * info.output_height);
    row = malloc((size_t)info.output_width * 3);
    if (buffer == NULL || row == NULL) {
        jpeg_destroy_decompress(&info);
        free(buffer);
        free(row);
        return CIMAGE_NO_MEMORY;
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW line = row;
        size_t y = info.output_scanline;
        jpeg_read_scanlines(&info, &line, 1);
        for (size_t x = 0; x < info.output_width; x++) {
            buffer[y * stride + x * 4] = row[x * 3];
            buffer[y * stride + x * 4 + 1] = row[x * 3 + 1];
            buffer[y * stride + x * 4 + 2] = row[x * 3 + 2];
            buffer[y * stride + x * 4 + 3] = 255;
        }
    }
    *width = info.output_width;
    *height = info.output_height;
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free(row);
    *pixels = buffer;
    return CIMAGE_OK;
}
#endif
