// libpng behind status codes. See include/omnichat_png.h.
//
// Pattern: each public function keeps everything it allocates in a context struct owned by its
// own frame, and calls a helper that does setjmp and the libpng calls. On a libpng error the
// error callback records the message and longjmps back into the helper, which returns a status;
// the public function then frees what the context holds. Context fields are only written through
// a pointer before opaque libpng calls, so their values are in memory when the jump lands.

#include "omnichat_png.h"

#if __has_include(<libpng16/png.h>)
#include <libpng16/png.h>
#else
#include <png.h>
#endif

#include <zlib.h>

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Ancillary chunks larger than this, or whose compressed text inflates past it, are skipped
/// (iCCP, text and friends; the image data is streamed and not subject to it).
#define OMNI_PNG_CHUNK_MALLOC_MAX (1024u * 1024u)
/// At most this many ancillary chunks are stored (text chunks, sPLT...). With the size above,
/// the text a PNG can make the reader hold stays under 64 MiB (at 8 MiB and 1000 chunks a file
/// of 8 MB could inflate to 8 GB of zTXt).
#define OMNI_PNG_CHUNK_CACHE_MAX 64u

// MARK: - Shared helpers

static void copy_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", text != NULL ? text : "unknown libpng error");
}

static uint32_t read_be32(const uint8_t *bytes) {
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) | (uint32_t)bytes[3];
}

// MARK: - Reading

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    int truncated;
    int out_of_memory;
    char *message;
    size_t message_capacity;
    // Owned allocations, freed by omni_png_decode.
    png_structp png;
    png_infop info;
    uint8_t *pixels;
    png_bytep *rows;
    omni_png_text *texts;
    int text_count;
} decode_context;

static void decode_error(png_structp png, png_const_charp text) {
    decode_context *context = (decode_context *)png_get_error_ptr(png);
    if (!context->truncated) copy_message(context->message, context->message_capacity, text);
    if (text != NULL && strstr(text, "Out of memory") != NULL) context->out_of_memory = 1;
    png_longjmp(png, 1);
}

static void decode_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;  // Warnings (unknown chunks, bad ancillary CRCs, gamma hints) do not stop a read.
}

static void decode_read(png_structp png, png_bytep out, size_t length) {
    decode_context *context = (decode_context *)png_get_io_ptr(png);
    if (length > context->size - context->offset) {
        context->truncated = 1;
        copy_message(context->message, context->message_capacity, "unexpected end of file");
        png_error(png, "unexpected end of file");
    }
    memcpy(out, context->data + context->offset, length);
    context->offset += length;
}

static char *duplicate(const char *text) {
    size_t length = strlen(text);
    char *copy = (char *)malloc(length + 1);
    if (copy != NULL) memcpy(copy, text, length + 1);
    return copy;
}

static omni_png_status decode_with_libpng(decode_context *context, uint64_t max_pixels, omni_png_image *out) {
    png_structp png = context->png;
    png_infop info = context->info;
    if (setjmp(png_jmpbuf(png))) {
        if (context->truncated) return OMNI_PNG_TRUNCATED;
        if (context->out_of_memory) return OMNI_PNG_OUT_OF_MEMORY;
        return OMNI_PNG_CORRUPT;
    }

    png_set_read_fn(png, context, decode_read);
    uint64_t side_limit = max_pixels < 0x7fffffffu ? max_pixels : 0x7fffffffu;
    png_set_user_limits(png, (png_uint_32)side_limit, (png_uint_32)side_limit);
    png_set_chunk_malloc_max(png, OMNI_PNG_CHUNK_MALLOC_MAX);
    png_set_chunk_cache_max(png, OMNI_PNG_CHUNK_CACHE_MAX);

    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->width = width;
    out->height = height;
    out->bit_depth = bit_depth;
    out->color_type = color_type;
    out->interlaced = interlace != PNG_INTERLACE_NONE;
    if ((uint64_t)width * (uint64_t)height > max_pixels) return OMNI_PNG_TOO_LARGE;

    // Everything becomes 8-bit RGB or RGBA.
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_strip_16(png);  // the high byte, as Pillow reads 16-bit colour
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    png_byte channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if ((channels != 3 && channels != 4) || png_get_bit_depth(png, info) != 8 || row_bytes != (size_t)width * channels) {
        copy_message(context->message, context->message_capacity, "unsupported pixel layout after conversion");
        return OMNI_PNG_CORRUPT;
    }
    out->channels = channels;

    context->pixels = (uint8_t *)malloc(row_bytes * height);
    context->rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (context->pixels == NULL || context->rows == NULL) {
        copy_message(context->message, context->message_capacity, "out of memory");
        return OMNI_PNG_OUT_OF_MEMORY;
    }
    for (png_uint_32 row = 0; row < height; row++) context->rows[row] = context->pixels + row_bytes * row;
    png_read_image(png, context->rows);
    png_read_end(png, info);  // checks the trailing chunks and collects text that follows the image

    png_textp texts = NULL;
    int count = 0;
    png_get_text(png, info, &texts, &count);
    if (count > 0) {
        context->texts = (omni_png_text *)calloc((size_t)count, sizeof(omni_png_text));
        if (context->texts == NULL) return OMNI_PNG_OUT_OF_MEMORY;
        for (int index = 0; index < count; index++) {
            omni_png_text *entry = &context->texts[index];
            context->text_count = index + 1;
            entry->key = duplicate(texts[index].key != NULL ? texts[index].key : "");
            entry->text = duplicate(texts[index].text != NULL ? texts[index].text : "");
            entry->is_utf8 = texts[index].compression == PNG_ITXT_COMPRESSION_NONE
                || texts[index].compression == PNG_ITXT_COMPRESSION_zTXt;
            if (entry->key == NULL || entry->text == NULL) return OMNI_PNG_OUT_OF_MEMORY;
        }
    }
    return OMNI_PNG_OK;
}

static void free_texts(omni_png_text *texts, int count) {
    if (texts == NULL) return;
    for (int index = 0; index < count; index++) {
        free(texts[index].key);
        free(texts[index].text);
    }
    free(texts);
}

omni_png_status omni_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                                omni_png_image *out, char *message, size_t message_capacity) {
    static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    memset(out, 0, sizeof(*out));
    copy_message(message, message_capacity, "");

    // The signature, and a zero-sized header, are judged here so the answer does not depend on
    // libpng's wording.
    size_t compared = size < 8 ? size : 8;
    if (size == 0 || memcmp(data, signature, compared) != 0) {
        copy_message(message, message_capacity, "no PNG signature");
        return OMNI_PNG_NOT_PNG;
    }
    if (size < 8) {
        copy_message(message, message_capacity, "unexpected end of file");
        return OMNI_PNG_TRUNCATED;
    }
    // The size is judged from the header before libpng allocates anything, once the header's
    // CRC shows it is what the writer meant (a damaged header is left to libpng to report).
    if (size >= 33 && read_be32(data + 8) == 13 && memcmp(data + 12, "IHDR", 4) == 0
        && (uint32_t)crc32(crc32(0L, Z_NULL, 0), data + 12, 17) == read_be32(data + 29)) {
        uint32_t width = read_be32(data + 16), height = read_be32(data + 20);
        out->width = width;
        out->height = height;
        if (width == 0 || height == 0) {
            copy_message(message, message_capacity, "zero image size in IHDR");
            return OMNI_PNG_INVALID_DIMENSIONS;
        }
        if ((uint64_t)width * (uint64_t)height > max_pixels) {
            copy_message(message, message_capacity, "image too large");
            return OMNI_PNG_TOO_LARGE;
        }
    }

    decode_context context;
    memset(&context, 0, sizeof(context));
    context.data = data;
    context.size = size;
    context.message = message;
    context.message_capacity = message_capacity;
    context.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, decode_error, decode_warning);
    if (context.png != NULL) context.info = png_create_info_struct(context.png);
    omni_png_status status;
    if (context.png == NULL || context.info == NULL) {
        copy_message(message, message_capacity, "out of memory");
        status = OMNI_PNG_OUT_OF_MEMORY;
    } else {
        status = decode_with_libpng(&context, max_pixels, out);
    }
    png_destroy_read_struct(context.png != NULL ? &context.png : NULL, context.info != NULL ? &context.info : NULL, NULL);
    free(context.rows);
    if (status == OMNI_PNG_OK) {
        out->pixels = context.pixels;
        out->texts = context.texts;
        out->text_count = context.text_count;
    } else {
        free(context.pixels);
        free_texts(context.texts, context.text_count);
    }
    return status;
}

void omni_png_image_free(omni_png_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    free_texts(image->texts, image->text_count);
    image->pixels = NULL;
    image->texts = NULL;
    image->text_count = 0;
}

// MARK: - Writing

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int out_of_memory;
    char *message;
    size_t message_capacity;
    png_structp png;
    png_infop info;
    png_bytep *rows;
    png_text *texts;
} encode_context;

static void encode_error(png_structp png, png_const_charp text) {
    encode_context *context = (encode_context *)png_get_error_ptr(png);
    if (!context->out_of_memory) copy_message(context->message, context->message_capacity, text);
    png_longjmp(png, 1);
}

static void encode_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void encode_write(png_structp png, png_bytep bytes, size_t length) {
    encode_context *context = (encode_context *)png_get_io_ptr(png);
    if (length > SIZE_MAX - context->size) {
        context->out_of_memory = 1;
        copy_message(context->message, context->message_capacity, "out of memory");
        png_error(png, "out of memory");
    }
    size_t needed = context->size + length;
    if (needed > context->capacity) {
        size_t capacity = context->capacity > 0 ? context->capacity : 4096;
        while (capacity < needed) capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
        uint8_t *grown = (uint8_t *)realloc(context->data, capacity);
        if (grown == NULL) {
            context->out_of_memory = 1;
            copy_message(context->message, context->message_capacity, "out of memory");
            png_error(png, "out of memory");
        }
        context->data = grown;
        context->capacity = capacity;
    }
    memcpy(context->data + context->size, bytes, length);
    context->size += length;
}

static void encode_flush(png_structp png) { (void)png; }

static omni_png_status encode_with_libpng(encode_context *context, const uint8_t *rgb, uint32_t width, uint32_t height,
                                          const omni_png_text_input *texts, int text_count) {
    png_structp png = context->png;
    png_infop info = context->info;
    if (setjmp(png_jmpbuf(png))) {
        if (context->out_of_memory) return OMNI_PNG_OUT_OF_MEMORY;
        return OMNI_PNG_INVALID_ARGUMENT;
    }
    png_set_write_fn(png, context, encode_write, encode_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (text_count > 0) {
        context->texts = (png_text *)calloc((size_t)text_count, sizeof(png_text));
        if (context->texts == NULL) {
            copy_message(context->message, context->message_capacity, "out of memory");
            return OMNI_PNG_OUT_OF_MEMORY;
        }
        for (int index = 0; index < text_count; index++) {
            png_text *entry = &context->texts[index];
            entry->compression = texts[index].is_utf8 ? PNG_ITXT_COMPRESSION_NONE : PNG_TEXT_COMPRESSION_NONE;
            entry->key = (png_charp)texts[index].key;
            entry->text = (png_charp)texts[index].text;
            entry->text_length = strlen(texts[index].text);
            entry->itxt_length = entry->text_length;
            entry->lang = NULL;
            entry->lang_key = NULL;
        }
        png_set_text(png, info, context->texts, text_count);
    }
    png_write_info(png, info);
    context->rows = (png_bytep *)malloc(sizeof(png_bytep) * (height > 0 ? height : 1));
    if (context->rows == NULL) {
        copy_message(context->message, context->message_capacity, "out of memory");
        return OMNI_PNG_OUT_OF_MEMORY;
    }
    // libpng does not modify rows it writes without transformations.
    for (uint32_t row = 0; row < height; row++) context->rows[row] = (png_bytep)(rgb + (size_t)row * width * 3);
    png_write_image(png, context->rows);
    png_write_end(png, info);
    return OMNI_PNG_OK;
}

omni_png_status omni_png_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height,
                                    const omni_png_text_input *texts, int text_count,
                                    uint8_t **out_data, size_t *out_size,
                                    char *message, size_t message_capacity) {
    *out_data = NULL;
    *out_size = 0;
    copy_message(message, message_capacity, "");
    if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu) {
        copy_message(message, message_capacity, "image size must be between 1 and 2^31-1 on each side");
        return OMNI_PNG_INVALID_DIMENSIONS;
    }
    encode_context context;
    memset(&context, 0, sizeof(context));
    context.message = message;
    context.message_capacity = message_capacity;
    context.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, encode_error, encode_warning);
    if (context.png != NULL) context.info = png_create_info_struct(context.png);
    omni_png_status status;
    if (context.png == NULL || context.info == NULL) {
        copy_message(message, message_capacity, "out of memory");
        status = OMNI_PNG_OUT_OF_MEMORY;
    } else {
        status = encode_with_libpng(&context, rgb, width, height, texts, text_count);
    }
    png_destroy_write_struct(context.png != NULL ? &context.png : NULL, context.info != NULL ? &context.info : NULL);
    free(context.rows);
    free(context.texts);
    if (status == OMNI_PNG_OK) {
        *out_data = context.data;
        *out_size = context.size;
    } else {
        free(context.data);
    }
    return status;
}

void omni_png_buffer_free(uint8_t *data) { free(data); }
