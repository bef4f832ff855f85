/*
 * fuzz.h - helpers shared by the libFuzzer harnesses in this directory.
 *
 * Each harness defines LLVMFuzzerTestOneInput and checks the contracts of
 * the headers under include/ with FUZZ_CHECK. A failed check aborts, so
 * libFuzzer saves the input as a crash, as it does for sanitizer reports.
 */
#ifndef GW_FUZZ_H
#define GW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: contract check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* Returns a NUL-terminated heap copy of `len` bytes, aborting when out of
 * memory. The copy is exactly len + 1 bytes, so ASan reports any read past
 * the terminator. */
static inline char *fuzz_strndup(const uint8_t *data, size_t len)
{
    char *copy = malloc(len + 1);

    if (!copy)
        abort();
    if (len > 0)
        memcpy(copy, data, len);
    copy[len] = '\0';
    return copy;
}

/* Returns nonzero when `text` is NUL-terminated within its `cap` bytes. */
static inline int fuzz_terminated(const char *text, size_t cap)
{
    return memchr(text, '\0', cap) != NULL;
}

#endif
