// Shared between the kernel files; not part of the module's interface.
#ifndef OMNICHAT_KERNELS_INTERNAL_H
#define OMNICHAT_KERNELS_INTERNAL_H

#include "omnichat_kernels.h"
#include <string.h>

/// Activation rows that share one pass over a weight row.
#define OK_MAX_ROWS_PER_PASS 4

static inline float ok_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}


#endif
