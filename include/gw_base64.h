/*
 * gw_base64.h - strict base64 and base64url codecs.
 *
 * Decoders reject anything a canonical encoder would not produce: characters
 * outside the alphabet, wrong padding, and non-zero trailing bits. Two
 * different strings therefore never decode to the same bytes, which matters
 * for JWT segments. Callers own all buffers.
 */
#ifndef GW_BASE64_H
#define GW_BASE64_H

#include <stddef.h>

/* Returns the buffer size needed to decode `len` input characters. */
#define GW_BASE64_DECODED_MAX(len) (((len) / 4 + 1) * 3)

/* Returns the buffer size (with NUL) needed to encode `len` bytes. */
#define GW_BASE64_ENCODED_SIZE(len) ((((len) + 2) / 3) * 4 + 1)

/* Decode unpadded base64url (RFC 4648 section 5, as JWS uses it). Returns 0
 * and sets *out_len, or -1 when the input is not canonical or `cap` is too
 * small. */
int gw_base64url_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *out_len);

/* Encodes to unpadded base64url; `out` needs GW_BASE64_ENCODED_SIZE(len).
 * Returns the length written, without the NUL. */
size_t gw_base64url_encode(const unsigned char *in, size_t len, char *out);

/* Decodes padded standard base64 (RFC 4648 section 4), as HTTP Basic uses. */
int gw_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *out_len);

/* Encodes to padded standard base64. Returns the length without the NUL. */
size_t gw_base64_encode(const unsigned char *in, size_t len, char *out);

#endif
