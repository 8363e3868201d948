// Memory for weight matrices. Decoding streams every weight once per token, so each 4 KB page
// costs a TLB miss and the hardware prefetcher stops at every page boundary; large matrices are
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

static int huge_pages_wanted(void) {
    static int wanted = -1;
    if (wanted < 0) {
        const char *setting = getenv("OMNICHAT_HUGEPAGES");
        wanted = !(setting && strcmp(setting, "off") == 0);
    }
    return wanted;
}

void *ok_allocate_weights(size_t bytes) {
    if (bytes == 0) bytes = 64;
    void *memory = NULL;
    if (bytes >= OK_HUGE_PAGE && huge_pages_wanted()) {
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
