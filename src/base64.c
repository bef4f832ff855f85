/* base64.c - strict base64 / base64url (see gw_base64.h). */
#include "gw_base64.h"

#include <stdint.h>

static const char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int sextet(unsigned char c, int url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Decodes `len` characters without padding. */
static int decode_unpadded(const char *in, size_t len, unsigned char *out, size_t cap,
                           size_t *out_len, int url)
{
    size_t full = len / 4, rest = len % 4, n = 0;

    if (rest == 1)
        return -1;
    if (full * 3 + (rest ? rest - 1 : 0) > cap)
        return -1;

    for (size_t i = 0; i < full; i++) {
        int a = sextet((unsigned char)in[4 * i], url), b = sextet((unsigned char)in[4 * i + 1], url);
        int c = sextet((unsigned char)in[4 * i + 2], url), d = sextet((unsigned char)in[4 * i + 3], url);
        uint32_t v;

        if ((a | b | c | d) < 0)
            return -1;
        v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[n++] = (unsigned char)(v >> 16);
        out[n++] = (unsigned char)(v >> 8);
        out[n++] = (unsigned char)v;
    }

    if (rest >= 2) {
        const char *tail = in + 4 * full;
        int a = sextet((unsigned char)tail[0], url), b = sextet((unsigned char)tail[1], url);
        int c = rest == 3 ? sextet((unsigned char)tail[2], url) : 0;

        if ((a | b | c) < 0)
            return -1;
        /* The bits past the last whole byte must be zero to be canonical. */
        if (rest == 2 && (b & 0x0f))
            return -1;
        if (rest == 3 && (c & 0x03))
            return -1;
        out[n++] = (unsigned char)((a << 2) | (b >> 4));
        if (rest == 3)
            out[n++] = (unsigned char)(((b & 0x0f) << 4) | (c >> 2));
    }
    *out_len = n;
    return 0;
}

int gw_base64url_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *out_len)
{
    return decode_unpadded(in, len, out, cap, out_len, 1);
}

int gw_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *out_len)
{
    size_t pad = 0;

    if (len % 4 != 0)
        return -1;
    if (len >= 1 && in[len - 1] == '=')
        pad++;
    if (len >= 2 && in[len - 2] == '=')
        pad++;
    return decode_unpadded(in, len - pad, out, cap, out_len, 0);
}

static size_t encode(const unsigned char *in, size_t len, char *out, const char *alphabet, int pad)
{
    size_t n = 0, i = 0;

    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

        out[n++] = alphabet[(v >> 18) & 63];
        out[n++] = alphabet[(v >> 12) & 63];
        out[n++] = alphabet[(v >> 6) & 63];
        out[n++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;

        out[n++] = alphabet[(v >> 18) & 63];
        out[n++] = alphabet[(v >> 12) & 63];
        if (pad) {
            out[n++] = '=';
            out[n++] = '=';
        }
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

        out[n++] = alphabet[(v >> 18) & 63];
        out[n++] = alphabet[(v >> 12) & 63];
        out[n++] = alphabet[(v >> 6) & 63];
        if (pad)
            out[n++] = '=';
    }
    out[n] = '\0';
    return n;
}

size_t gw_base64url_encode(const unsigned char *in, size_t len, char *out)
{
    return encode(in, len, out, url_alphabet, 0);
}

size_t gw_base64_encode(const unsigned char *in, size_t len, char *out)
{
    return encode(in, len, out, std_alphabet, 1);
}
