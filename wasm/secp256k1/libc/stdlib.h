/* Freestanding stand-in for the WebAssembly build of libsecp256k1 (see shim.c). */
#ifndef SHH_STDLIB_H
#define SHH_STDLIB_H
#include <stddef.h>
void *malloc(size_t n);
void free(void *p);
void abort(void);
#endif
