/* The WebAssembly face of libsecp256k1 for Whisper (docs/PROTOCOL.md §2: ECIES ECDH, recoverable
 * ECDSA). Freestanding: no libc, no malloc; one context in static memory and one I/O buffer that the
 * JavaScript loader (src/core/secp256k1-wasm.ts) fills and reads, plus a chunk buffer for ECIES's tag. Every entry point returns 0 (or -1)
 * on bad input and never traps on it: libsecp256k1's illegal-argument callback only counts. Built by
 * scripts/build-secp256k1-wasm.mjs, which records the libsecp256k1 tag, commit and flags. */

#include <stddef.h>
#include <stdint.h>

/* One translation unit with the library, so the shim can use its SHA-256 and HMAC for ECIES. */
#include "secp256k1.c"

/* clang may emit calls to these for struct copies and loops; bulk memory gives memory.copy/fill. */
void *memcpy(void *d, const void *s, size_t n) { return __builtin_memcpy(d, s, n), d; }
void *memmove(void *d, const void *s, size_t n) { return __builtin_memmove(d, s, n), d; }
void *memset(void *d, int c, size_t n) { return __builtin_memset(d, c, n), d; }
int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/* Only libsecp256k1's context_create/destroy name these; the shim uses a preallocated context. */
void *malloc(size_t n) { (void)n; return NULL; }
void free(void *p) { (void)p; }
void abort(void) { __builtin_trap(); }

#ifdef __SIZEOF_INT128__
/* 64x64 multiply with the 128-bit result, for libsecp256k1's native int128 (5x52 field) build:
 * wasm32 has no compiler-rt here. Only the low 128 bits are returned, as the ABI requires. */
typedef unsigned __int128 u128;
u128 __multi3(u128 a, u128 b) {
  uint64_t al = (uint64_t)a, ah = (uint64_t)(a >> 64), bl = (uint64_t)b, bh = (uint64_t)(b >> 64);
  uint64_t a0 = (uint32_t)al, a1 = al >> 32, b0 = (uint32_t)bl, b1 = bl >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
  uint64_t lo = (mid << 32) | (uint32_t)p00;
  uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32) + al * bh + ah * bl;
  return ((u128)hi << 64) | lo;
}
#endif

static unsigned illegal_calls;
void secp256k1_default_illegal_callback_fn(const char *str, void *data) {
  (void)str;
  (void)data;
  illegal_calls++;
}
void secp256k1_default_error_callback_fn(const char *str, void *data) {
  (void)str;
  (void)data;
  __builtin_trap();
}

#define CONTEXT_BYTES 1024
static _Alignas(16) unsigned char context_memory[CONTEXT_BYTES];
static secp256k1_context *ctx;
static _Alignas(16) unsigned char io[256];

__attribute__((export_name("io"))) unsigned char *io_buffer(void) { return io; }
__attribute__((export_name("illegal_calls"))) unsigned illegal_count(void) { return illegal_calls; }

/* Creates the context and randomizes it with the 32 bytes at io[0]. 1 on success. */
__attribute__((export_name("init"))) int init(void) {
  if (!ctx) {
    if (secp256k1_context_preallocated_size(SECP256K1_CONTEXT_NONE) > CONTEXT_BYTES) return 0;
    ctx = secp256k1_context_preallocated_create(context_memory, SECP256K1_CONTEXT_NONE);
    if (!ctx) return 0;
  }
  return secp256k1_context_randomize(ctx, io);
}

/* io[0..32] is a valid secret key. */
__attribute__((export_name("seckey_verify"))) int seckey_verify(void) {
  return ctx && secp256k1_ec_seckey_verify(ctx, io);
}

static int parse_uncompressed(secp256k1_pubkey *pk, const unsigned char *in) {
  /* 0x04 only: libsecp256k1 also parses the hybrid 0x06/0x07 forms, which Whisper never sends. */
  return in[0] == 0x04 && secp256k1_ec_pubkey_parse(ctx, pk, in, 65);
}

/* io[0..65] is an uncompressed point on the curve. */
__attribute__((export_name("pubkey_check"))) int pubkey_check(void) {
  secp256k1_pubkey pk;
  return ctx && parse_uncompressed(&pk, io);
}

/* Secret key io[0..32] -> uncompressed public key io[32..97]. */
__attribute__((export_name("pubkey_create"))) int pubkey_create(void) {
  secp256k1_pubkey pk;
  size_t len = 65;
  if (!ctx || !secp256k1_ec_pubkey_create(ctx, &pk, io)) return 0;
  return secp256k1_ec_pubkey_serialize(ctx, io + 32, &len, &pk, SECP256K1_EC_UNCOMPRESSED) && len == 65;
}

static int copy_x(unsigned char *out, const unsigned char *x, const unsigned char *y, void *data) {
  (void)y;
  (void)data;
  memcpy(out, x, 32);
  return 1;
}

/* ECDH, x coordinate only (geth's ECIES): secret key io[0..32], point io[32..97] -> x at io[97..129].
 * secp256k1_ecdh multiplies in constant time; a zero or overflowing scalar is refused before the work
 * (whether a key is valid is no secret). */
__attribute__((export_name("ecdh_x"))) int ecdh_x(void) {
  secp256k1_pubkey pk;
  if (!ctx || !secp256k1_ec_seckey_verify(ctx, io) || !parse_uncompressed(&pk, io + 32)) return 0;
  return secp256k1_ecdh(ctx, io + 97, &pk, io, copy_x, NULL);
}

/* Recoverable signature of the hash io[0..32] with the secret key io[32..64] (RFC 6979, low S):
 * r ‖ s at io[64..128]; returns the recovery id, or -1. */
__attribute__((export_name("sign_recoverable"))) int sign_recoverable(void) {
  secp256k1_ecdsa_recoverable_signature sig;
  int recid = -1;
  if (!ctx || !secp256k1_ecdsa_sign_recoverable(ctx, &sig, io, io + 32, NULL, NULL)) return -1;
  if (!secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, io + 64, &recid, &sig)) return -1;
  return recid;
}

/* Public key that signed the hash io[0..32] with r ‖ s io[32..96] and recovery id `recid`:
 * uncompressed at io[96..161]. */
__attribute__((export_name("recover"))) int recover(int recid) {
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pk;
  size_t len = 65;
  if (!ctx || recid < 0 || recid > 3) return 0;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, io + 32, recid)) return 0;
  if (!secp256k1_ecdsa_recover(ctx, &pk, &sig, io)) return 0;
  return secp256k1_ec_pubkey_serialize(ctx, io + 96, &len, &pk, SECP256K1_EC_UNCOMPRESSED) && len == 65;
}

/* geth's ECIES up to the tag check (docs/PROTOCOL.md §2), so that a trial with the wrong key never
 * leaves the module: z = x(k·R), K = sha256(00000001 ‖ z), Ke = K[0:16], Km = sha256(K[16:32]),
 * tag = HMAC-SHA256(Km, IV ‖ ciphertext). Begin, feed IV ‖ ciphertext in chunks, finish. */
#define CHUNK_BYTES 65536
static _Alignas(16) unsigned char chunk[CHUNK_BYTES];
static secp256k1_hmac_sha256 mac;
static unsigned char ke[16];
static int mac_open;

__attribute__((export_name("chunk"))) unsigned char *chunk_buffer(void) { return chunk; }
__attribute__((export_name("chunk_bytes"))) unsigned chunk_size(void) { return CHUNK_BYTES; }

/* Secret key io[0..32], ephemeral key io[32..97]. 1: keys derived and the MAC started; 0: either key invalid. */
__attribute__((export_name("ecies_begin"))) int ecies_begin(void) {
  const secp256k1_hash_ctx *h;
  secp256k1_sha256 sha;
  unsigned char block[36] = {0, 0, 0, 1}, k[32], km[32];
  mac_open = 0;
  if (!ecdh_x()) return 0;
  h = secp256k1_get_hash_context(ctx);
  memcpy(block + 4, io + 97, 32);
  secp256k1_sha256_initialize(&sha);
  secp256k1_sha256_write(h, &sha, block, 36);
  secp256k1_sha256_finalize(h, &sha, k);
  memcpy(ke, k, 16);
  secp256k1_sha256_initialize(&sha);
  secp256k1_sha256_write(h, &sha, k + 16, 16);
  secp256k1_sha256_finalize(h, &sha, km);
  secp256k1_hmac_sha256_initialize(h, &mac, km, 32);
  secp256k1_memclear_explicit(block, sizeof block);
  secp256k1_memclear_explicit(k, sizeof k);
  secp256k1_memclear_explicit(km, sizeof km);
  secp256k1_memclear_explicit(io + 97, 32);
  mac_open = 1;
  return 1;
}

/* Feeds chunk[0..n] to the MAC. */
__attribute__((export_name("ecies_update"))) int ecies_update(unsigned n) {
  if (!mac_open || n > CHUNK_BYTES) return 0;
  secp256k1_hmac_sha256_write(secp256k1_get_hash_context(ctx), &mac, chunk, n);
  return 1;
}

/* Compares the MAC with the tag at io[0..32] in constant time. 1: it matches, Ke is at io[32..48]. */
__attribute__((export_name("ecies_finish"))) int ecies_finish(void) {
  unsigned char t[32], diff = 0;
  int i;
  if (!mac_open) return 0;
  mac_open = 0;
  secp256k1_hmac_sha256_finalize(secp256k1_get_hash_context(ctx), &mac, t);
  for (i = 0; i < 32; i++) diff |= t[i] ^ io[i];
  secp256k1_memclear_explicit(t, sizeof t);
  if (diff == 0) memcpy(io + 32, ke, 16);
  secp256k1_memclear_explicit(ke, sizeof ke);
  return diff == 0;
}
