/* test_base64.c - strict base64 and base64url codecs (gw_base64.h). */
#include "unit_table.h"

#include <stdlib.h>
#include <string.h>

#include "gw_base64.h"

/* RFC 4648 section 10 test vectors, plus bytes whose encodings use the
 * characters that differ between the two alphabets (62 and 63). */
typedef struct vector_case {
    const char *name;
    const char *bytes;
    size_t len;
    const char *base64;
    const char *base64url;
} vector_case;

static const vector_case vectors[] = {
    {"vector_empty", "", 0, "", ""},
    {"vector_f", "f", 1, "Zg==", "Zg"},
    {"vector_fo", "fo", 2, "Zm8=", "Zm8"},
    {"vector_foo", "foo", 3, "Zm9v", "Zm9v"},
    {"vector_foob", "foob", 4, "Zm9vYg==", "Zm9vYg"},
    {"vector_fooba", "fooba", 5, "Zm9vYmE=", "Zm9vYmE"},
    {"vector_foobar", "foobar", 6, "Zm9vYmFy", "Zm9vYmFy"},
    {"vector_alphabet_62_63", "\xfb\xef\xff", 3, "++//", "--__"},
    {"vector_alphabet_two_bytes", "\xfb\xff", 2, "+/8=", "-_8"},
    {"vector_zero_bytes", "\0\0\0\0", 4, "AAAAAA==", "AAAAAA"},
};

static void vector_encodes_and_decodes(void **state)
{
    const vector_case *c = *state;
    char encoded[64];
    unsigned char decoded[64];
    size_t decoded_len = 99;
    size_t n;

    n = gw_base64_encode((const unsigned char *)c->bytes, c->len, encoded);
    assert_string_equal(encoded, c->base64);
    assert_int_equal(n, strlen(c->base64));

    n = gw_base64url_encode((const unsigned char *)c->bytes, c->len, encoded);
    assert_string_equal(encoded, c->base64url);
    assert_int_equal(n, strlen(c->base64url));

    assert_int_equal(gw_base64_decode(c->base64, strlen(c->base64), decoded, sizeof decoded, &decoded_len), 0);
    assert_int_equal(decoded_len, c->len);
    assert_memory_equal(decoded, c->bytes, c->len);

    decoded_len = 99;
    assert_int_equal(gw_base64url_decode(c->base64url, strlen(c->base64url), decoded, sizeof decoded,
                                         &decoded_len), 0);
    assert_int_equal(decoded_len, c->len);
    assert_memory_equal(decoded, c->bytes, c->len);
}

/* Inputs that a canonical encoder never produces. */
typedef struct reject_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen(input) */
} reject_case;

static const reject_case base64_rejects[] = {
    {"base64_rejects_bad_char", "Zm9*", 0},
    {"base64_rejects_space", "Zm 9v", 0},
    {"base64_rejects_newline", "Zm9v\n", 0},
    {"base64_rejects_url_chars", "Zm-_", 0},
    {"base64_rejects_high_byte", "Zm9\xc3", 0},
    {"base64_rejects_nul_byte", "Zm9\0", 4},
    {"base64_rejects_missing_padding", "Zg", 0},
    {"base64_rejects_short_padding", "Zg=", 0},
    {"base64_rejects_extra_padding", "Zm8==", 0},
    {"base64_rejects_three_pad_chars", "Z===", 0},
    {"base64_rejects_only_padding", "====", 0},
    {"base64_rejects_padding_inside", "Zg=A", 0},
    {"base64_rejects_padded_block_inside", "Zg==Zm9v", 0},
    {"base64_rejects_trailing_bits_one", "Zh==", 0},
    {"base64_rejects_trailing_bits_two", "Zm9=", 0},
    {"base64_rejects_length_mod4_1", "Zm9vY", 0},
};

static const reject_case base64url_rejects[] = {
    {"base64url_rejects_bad_char", "Zm9*", 0},
    {"base64url_rejects_std_chars", "Zm+/", 0},
    {"base64url_rejects_padding_two", "Zg==", 0},
    {"base64url_rejects_padding_one", "Zm8=", 0},
    {"base64url_rejects_padding_short", "Zg=", 0},
    {"base64url_rejects_space", "Zm9v ", 0},
    {"base64url_rejects_nul_byte", "Zm9v\0", 5},
    {"base64url_rejects_high_byte", "Zm\xff", 0},
    {"base64url_rejects_length_mod4_1", "Z", 0},
    {"base64url_rejects_length_5", "Zm9vY", 0},
    {"base64url_rejects_trailing_bits_one", "Zh", 0},
    {"base64url_rejects_trailing_bits_two", "Zm9", 0},
};

static void base64_rejects_input(void **state)
{
    const reject_case *c = *state;
    size_t len = c->len ? c->len : strlen(c->input);
    unsigned char out[64];
    size_t out_len = 0;

    assert_int_equal(gw_base64_decode(c->input, len, out, sizeof out, &out_len), -1);
}

static void base64url_rejects_input(void **state)
{
    const reject_case *c = *state;
    size_t len = c->len ? c->len : strlen(c->input);
    unsigned char out[64];
    size_t out_len = 0;

    assert_int_equal(gw_base64url_decode(c->input, len, out, sizeof out, &out_len), -1);
}

/* The decoders must fail, not write past `cap`: the buffers are heap blocks
 * of exactly `cap` bytes so ASan and valgrind see any overflow. */
static void base64_decode_buffer_too_small(void **state)
{
    unsigned char *exact = malloc(6);
    unsigned char *short_buf = malloc(5);
    size_t out_len = 0;

    (void)state;
    assert_non_null(exact);
    assert_non_null(short_buf);
    assert_int_equal(gw_base64_decode("Zm9vYmFy", 8, short_buf, 5, &out_len), -1);
    assert_int_equal(gw_base64_decode("Zm9vYmFy", 8, exact, 6, &out_len), 0);
    assert_int_equal(out_len, 6);
    assert_int_equal(gw_base64_decode("Zm9vYmE=", 8, short_buf, 4, &out_len), -1);
    assert_int_equal(gw_base64_decode("Zm9vYmE=", 8, short_buf, 5, &out_len), 0);
    assert_int_equal(out_len, 5);
    free(exact);
    free(short_buf);
}

static void base64url_decode_buffer_too_small(void **state)
{
    unsigned char *buf = malloc(5);
    size_t out_len = 0;

    (void)state;
    assert_non_null(buf);
    assert_int_equal(gw_base64url_decode("Zm9vYmE", 7, buf, 4, &out_len), -1);
    assert_int_equal(gw_base64url_decode("Zm9vYmE", 7, buf, 5, &out_len), 0);
    assert_int_equal(out_len, 5);
    assert_int_equal(gw_base64url_decode("Zm9vYg", 6, buf, 3, &out_len), -1);
    assert_int_equal(gw_base64url_decode("Zm9vYg", 6, buf, 4, &out_len), 0);
    assert_int_equal(out_len, 4);
    free(buf);
}

static void base64url_decode_zero_capacity(void **state)
{
    unsigned char buf[1] = {0x5a};
    size_t out_len = 99;

    (void)state;
    assert_int_equal(gw_base64url_decode("", 0, buf, 0, &out_len), 0);
    assert_int_equal(out_len, 0);
    assert_int_equal(gw_base64url_decode("Zg", 2, buf, 0, &out_len), -1);
    assert_int_equal(buf[0], 0x5a);
}

/* Every length from 0 to 64 and every byte value survive a round trip, and
 * the output sizes match the macros in gw_base64.h. */
static void round_trip_all_lengths(void **state)
{
    unsigned char input[256];
    char encoded[GW_BASE64_ENCODED_SIZE(256)];
    unsigned char decoded[GW_BASE64_DECODED_MAX(sizeof encoded)];

    (void)state;
    for (size_t i = 0; i < sizeof input; i++)
        input[i] = (unsigned char)(255 - i);

    for (size_t len = 0; len <= 64; len++) {
        size_t n, decoded_len = 0;

        n = gw_base64_encode(input, len, encoded);
        assert_int_equal(n + 1, GW_BASE64_ENCODED_SIZE(len));
        assert_in_range(GW_BASE64_DECODED_MAX(n), len, SIZE_MAX);
        assert_int_equal(gw_base64_decode(encoded, n, decoded, GW_BASE64_DECODED_MAX(n), &decoded_len), 0);
        assert_int_equal(decoded_len, len);
        assert_memory_equal(decoded, input, len);

        n = gw_base64url_encode(input, len, encoded);
        assert_in_range(n + 1, 1, GW_BASE64_ENCODED_SIZE(len));
        assert_null(memchr(encoded, '=', n));
        assert_int_equal(gw_base64url_decode(encoded, n, decoded, GW_BASE64_DECODED_MAX(n), &decoded_len), 0);
        assert_int_equal(decoded_len, len);
        assert_memory_equal(decoded, input, len);
    }
}

static void round_trip_every_byte(void **state)
{
    unsigned char input[256];
    char encoded[GW_BASE64_ENCODED_SIZE(256)];
    unsigned char decoded[256];
    size_t n, decoded_len = 0;

    (void)state;
    for (size_t i = 0; i < sizeof input; i++)
        input[i] = (unsigned char)i;

    n = gw_base64_encode(input, sizeof input, encoded);
    assert_int_equal(n, 344);
    assert_int_equal(gw_base64_decode(encoded, n, decoded, sizeof decoded, &decoded_len), 0);
    assert_int_equal(decoded_len, sizeof input);
    assert_memory_equal(decoded, input, sizeof input);

    n = gw_base64url_encode(input, sizeof input, encoded);
    assert_int_equal(n, 342);
    assert_int_equal(gw_base64url_decode(encoded, n, decoded, sizeof decoded, &decoded_len), 0);
    assert_int_equal(decoded_len, sizeof input);
    assert_memory_equal(decoded, input, sizeof input);
}

int main(void)
{
    static unit_list list;

    UNIT_ADD_ROWS(&list, vectors, vector_encodes_and_decodes);
    UNIT_ADD_ROWS(&list, base64_rejects, base64_rejects_input);
    UNIT_ADD_ROWS(&list, base64url_rejects, base64url_rejects_input);
    UNIT_ADD(&list, base64_decode_buffer_too_small);
    UNIT_ADD(&list, base64url_decode_buffer_too_small);
    UNIT_ADD(&list, base64url_decode_zero_capacity);
    UNIT_ADD(&list, round_trip_all_lengths);
    UNIT_ADD(&list, round_trip_every_byte);
    return unit_run("base64", &list);
}
