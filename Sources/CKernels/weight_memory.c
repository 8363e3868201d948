// Memory for weight matrices. Decoding streams every weight once per token, and one thread here
// streams about 15 GB/s from 4 KB pages against 29-31 GB/s from 2 MB pages; large matrices are
// therefore placed on 2 MB boundaries and offered to the kernel as transparent huge pages
// (madvise, since this machine's THP mode is "madvise"). OMNICHAT_HUGEPAGES=off turns it off.
#define _GNU_SOURCE
#include "omnichat_kernels.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define OK_HUGE_PAGE (2u << 20)

static int huge_pages_wanted = 1;

/// Reads OMNICHAT_HUGEPAGES once at start, as dispatch.c reads OMNICHAT_KERNELS.
__attribute__((constructor)) static void read_huge_page_setting(void) {
    const char *setting = getenv("OMNICHAT_HUGEPAGES");
    huge_pages_wanted = !(setting && strcmp(setting, "off") == 0);
}

void *ok_allocate_weights(size_t bytes) {
    if (bytes == 0) bytes = 64;
    void *memory = NULL;
    if (bytes >= OK_HUGE_PAGE && huge_pages_wanted) {
        size_t rounded = (bytes + OK_HUGE_PAGE - 1) / OK_HUGE_PAGE * OK_HUGE_PAGE;
        if (posix_memalign(&memory, OK_HUGE_PAGE, rounded) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(memory, rounded, MADV_HUGEPAGE);  // advice only: a refusal leaves 4 KB pages
#endif
        return memory;
    }
    if (posix_memalign(&memory, 64, bytes) != 0) return NULL;
    return memory;
}

void ok_free_weights(void *memory) { free(memory); }
