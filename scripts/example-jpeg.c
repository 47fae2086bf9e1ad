// Writes examples/images/palette-four.jpg (quality 92) from examples/images/palette-four.ppm; see
// scripts/example-images.py.
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(void) {
    FILE *in = fopen("examples/images/palette-four.ppm", "rb");
    int width, height, max;
    if (!in || fscanf(in, "P6 %d %d %d", &width, &height, &max) != 3) return 1;
    fgetc(in);
    unsigned char *pixels = malloc((size_t)width * height * 3);
    if (fread(pixels, 3, (size_t)width * height, in) != (size_t)width * height) return 1;
    FILE *out = fopen("examples/images/palette-four.jpg", "wb");
    struct jpeg_compress_struct info;
    struct jpeg_error_mgr errors;
    info.err = jpeg_std_error(&errors);
    jpeg_create_compress(&info);
    jpeg_stdio_dest(&info, out);
    info.image_width = width;
    info.image_height = height;
    info.input_components = 3;
    info.in_color_space = JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, 92, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW line = pixels + (size_t)info.next_scanline * width * 3;
        jpeg_write_scanlines(&info, &line, 1);
    }
    jpeg_finish_compress(&info);
    fclose(out);
    return 0;
}
