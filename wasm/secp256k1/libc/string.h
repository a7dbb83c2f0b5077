/* Freestanding stand-in for the WebAssembly build of libsecp256k1; shim.c defines these. */
#ifndef SHH_STRING_H
#define SHH_STRING_H
#include <stddef.h>
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif
