// A small C face for libpng, used only by the Swift PNGCodec module.
//
// libpng reports errors by longjmp. Every function here sets its own setjmp point, turns any
// libpng error into a status code and a one-line message, and returns normally: no jump ever
// crosses into Swift. libpng's own header is included only by the .c file.

#ifndef OMNICHAT_PNG_H
#define OMNICHAT_PNG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    OMNI_PNG_OK = 0,
    /// The data does not start with the PNG signature.
    OMNI_PNG_NOT_PNG = 1,
    /// The data ends before the PNG does.
    OMNI_PNG_TRUNCATED = 2,
    /// libpng rejected the data (bad CRC, bad zlib stream, bad header, missing chunk...).
    OMNI_PNG_CORRUPT = 3,
    /// width × height is above the caller's pixel limit (or a side above libpng's user limit).
    OMNI_PNG_TOO_LARGE = 4,
    /// The header declares a zero width or height.
    OMNI_PNG_INVALID_DIMENSIONS = 5,
    OMNI_PNG_OUT_OF_MEMORY = 6,
    /// The caller passed something libpng cannot write (for example an invalid text keyword).
    OMNI_PNG_INVALID_ARGUMENT = 7,
} omni_png_status;

/// One text chunk (tEXt, zTXt or iTXt).
typedef struct {
    char *key;
    char *text;
    /// 1 for iTXt (UTF-8), 0 for tEXt and zTXt (Latin-1).
    int is_utf8;
} omni_png_text;

/// A decoded picture: 8 bits per channel, RGB (3 channels) or RGBA (4), rows top to bottom.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;
    uint8_t *pixels;
    omni_png_text *texts;
    int text_count;
    /// The file's own format, for diagnostics.
    int bit_depth;
    int color_type;
    int interlaced;
} omni_png_image;

/// Decodes a whole PNG held in memory. On OMNI_PNG_OK `out` owns malloc'd memory; release it with
/// omni_png_image_free. On OMNI_PNG_TOO_LARGE and OMNI_PNG_INVALID_DIMENSIONS `out->width` and
/// `out->height` hold the declared size. Otherwise `message` holds a one-line reason.
omni_png_status omni_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                                omni_png_image *out, char *message, size_t message_capacity);

void omni_png_image_free(omni_png_image *image);

/// A text chunk to write: `is_utf8` 1 writes iTXt, 0 writes tEXt (key and text in Latin-1).
typedef struct {
    const char *key;
    const char *text;
    int is_utf8;
} omni_png_text_input;

/// Encodes an 8-bit RGB picture (non-interlaced) with text chunks before the image data. On
/// OMNI_PNG_OK `*out_data` is a malloc'd buffer of `*out_size` bytes; release it with
/// omni_png_buffer_free.
omni_png_status omni_png_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height,
                                    const omni_png_text_input *texts, int text_count,
                                    uint8_t **out_data, size_t *out_size,
                                    char *message, size_t message_capacity);

void omni_png_buffer_free(uint8_t *data);

#endif
