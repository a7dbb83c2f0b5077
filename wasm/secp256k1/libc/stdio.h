/* Declarations only: libsecp256k1 names these in code the WebAssembly build never links (its default
 * callbacks are replaced, see shim.c). A live use fails at link time. */
#ifndef SHH_STDIO_H
#define SHH_STDIO_H
typedef struct shh_file FILE;
extern FILE *stderr;
int fprintf(FILE *f, const char *fmt, ...);
int printf(const char *fmt, ...);
#endif
