/* token_request.c - POST /token request parsing (see gw_token_request.h). */
#include "gw_token_request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "gw_base64.h"

#define SECRET_MAX 1024
#define GRANT_MAX 64

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long gw_form_decode(const char *in, size_t len, char *out, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = in[i];

        if (c == '%') {
            int hi, lo;

            if (i + 2 >= len)
                return -1;
            hi = hex_value(in[i + 1]);
            lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == '\0' || n + 1 >= cap)
            return -1;
        out[n++] = c;
    }
    if (n >= cap)
        return -1; /* No room for the NUL, which happens only when cap is 0. */
    out[n] = '\0';
    return (long)n;
}

typedef struct form_fields {
    char grant_type[GRANT_MAX + 1];
    int has_grant_type;
    char client_id[GW_CLIENT_ID_MAX + 1];
    int has_client_id;
    char *client_secret;
    long client_secret_len;
} form_fields;

static gw_err set_once(int *seen, const char *name, gw_error_detail *err)
{
    if (*seen)
        return gw_error_set(err, GW_ERR_INVALID_REQUEST, "parameter '%s' is repeated; send it once", name);
    *seen = 1;
    return GW_OK;
}

static gw_err parse_form(const char *body, size_t len, form_fields *f, gw_error_detail *err)
{
    const char *p = body, *end = body + len;
    int secret_seen = 0;

    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pair_end = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pair_end - p));
        const char *value = eq ? eq + 1 : pair_end;
        size_t name_len = (size_t)((eq ? eq : pair_end) - p);
        size_t value_len = (size_t)(pair_end - value);
        gw_err rc;

        if (name_len == 10 && memcmp(p, "grant_type", 10) == 0) {
            if ((rc = set_once(&f->has_grant_type, "grant_type", err)) != GW_OK)
                return rc;
            if (gw_form_decode(value, value_len, f->grant_type, sizeof f->grant_type) < 0)
                return gw_error_set(err, GW_ERR_INVALID_REQUEST, "parameter 'grant_type' is not valid form encoding");
        } else if (name_len == 9 && memcmp(p, "client_id", 9) == 0) {
            if ((rc = set_once(&f->has_client_id, "client_id", err)) != GW_OK)
                return rc;
            if (gw_form_decode(value, value_len, f->client_id, sizeof f->client_id) <= 0)
                return gw_error_set(err, GW_ERR_INVALID_REQUEST,
                                    "parameter 'client_id' is empty, too long or not valid form encoding");
        } else if (name_len == 13 && memcmp(p, "client_secret", 13) == 0) {
            if ((rc = set_once(&secret_seen, "client_secret", err)) != GW_OK)
                return rc;
            f->client_secret = malloc(SECRET_MAX + 1);
            if (!f->client_secret)
                return GW_ERR_NOMEM;
            f->client_secret_len = gw_form_decode(value, value_len, f->client_secret, SECRET_MAX + 1);
            if (f->client_secret_len <= 0)
                return gw_error_set(err, GW_ERR_INVALID_REQUEST,
                                    "parameter 'client_secret' is empty, too long or not valid form encoding");
        }
        /* Other parameters (scope, ...) are ignored: this gateway grants
         * what the client's configuration allows. */
        p = amp ? amp + 1 : end;
    }
    return GW_OK;
}

/* Splits "Basic base64(id:secret)" into `out`. Each part is form-encoded
 * before base64 (RFC 6749 2.3.1), so it is decoded here too. */
static gw_err parse_basic(const char *authorization, gw_token_request *out, gw_error_detail *err)
{
    const char *b64 = authorization + 5;
    size_t b64_len;
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    const unsigned char *colon;
    gw_err rc = GW_ERR_INVALID_CLIENT;
    long n;

    while (*b64 == ' ')
        b64++;
    b64_len = strlen(b64);
    while (b64_len > 0 && b64[b64_len - 1] == ' ')
        b64_len--;
    if (b64_len == 0 || b64_len > 4 * (SECRET_MAX + GW_CLIENT_ID_MAX))
        return gw_error_set(err, GW_ERR_INVALID_CLIENT, "the Basic credentials are empty or too long");

    raw = malloc(GW_BASE64_DECODED_MAX(b64_len));
    if (!raw)
        return GW_ERR_NOMEM;
    if (gw_base64_decode(b64, b64_len, raw, GW_BASE64_DECODED_MAX(b64_len), &raw_len) != 0) {
        gw_error_set(err, GW_ERR_INVALID_CLIENT, "the Basic credentials are not valid base64");
        goto out;
    }
    colon = memchr(raw, ':', raw_len);
    if (!colon) {
        gw_error_set(err, GW_ERR_INVALID_CLIENT, "the Basic credentials have no ':' between client id and secret");
        goto out;
    }
    n = gw_form_decode((const char *)raw, (size_t)(colon - raw), out->client_id, sizeof out->client_id);
    if (n <= 0) {
        gw_error_set(err, GW_ERR_INVALID_CLIENT, "the client id in the Basic credentials is empty or invalid");
        goto out;
    }
    out->client_secret = malloc(SECRET_MAX + 1);
    if (!out->client_secret) {
        rc = GW_ERR_NOMEM;
        goto out;
    }
    n = gw_form_decode((const char *)colon + 1, raw_len - (size_t)(colon + 1 - raw), out->client_secret,
                       SECRET_MAX + 1);
    if (n <= 0) {
        gw_error_set(err, GW_ERR_INVALID_CLIENT, "the client secret in the Basic credentials is empty or invalid");
        goto out;
    }
    out->client_secret_len = (size_t)n;
    out->used_basic = 1;
    rc = GW_OK;

out:
    if (raw) {
        OPENSSL_cleanse(raw, GW_BASE64_DECODED_MAX(b64_len));
        free(raw);
    }
    return rc;
}

gw_err gw_token_request_parse(const char *authorization, const char *body, size_t len,
                              gw_token_request *out, gw_error_detail *err)
{
    form_fields form;
    gw_err rc;

    memset(out, 0, sizeof *out);
    memset(&form, 0, sizeof form);

    rc = parse_form(body, len, &form, err);
    if (rc != GW_OK)
        goto out;
    if (!form.has_grant_type) {
        rc = gw_error_set(err, GW_ERR_INVALID_REQUEST,
                          "parameter 'grant_type' is missing; send grant_type=client_credentials");
        goto out;
    }
    if (strcmp(form.grant_type, "client_credentials") != 0) {
        rc = gw_error_set(err, GW_ERR_UNSUPPORTED_GRANT_TYPE,
                          "only grant_type=client_credentials is supported");
        goto out;
    }

    if (authorization && strncasecmp(authorization, "Basic ", 6) == 0) {
        /* RFC 6749 2.3: a client must not use more than one method. */
        if (form.has_client_id || form.client_secret) {
            rc = gw_error_set(err, GW_ERR_INVALID_REQUEST,
                              "send client credentials either with HTTP Basic or in the form, not both");
            goto out;
        }
        rc = parse_basic(authorization, out, err);
        goto out;
    }
    if (authorization && authorization[0] != '\0') {
        rc = gw_error_set(err, GW_ERR_INVALID_CLIENT,
                          "POST /token accepts HTTP Basic client authentication only");
        goto out;
    }
    if (!form.has_client_id || !form.client_secret) {
        rc = gw_error_set(err, GW_ERR_INVALID_CLIENT,
                          "client credentials are missing; use HTTP Basic with client_id:client_secret");
        goto out;
    }
    memcpy(out->client_id, form.client_id, sizeof out->client_id);
    out->client_secret = form.client_secret;
    out->client_secret_len = (size_t)form.client_secret_len;
    form.client_secret = NULL;
    rc = GW_OK;

out:
    if (form.client_secret) {
        OPENSSL_cleanse(form.client_secret, SECRET_MAX + 1);
        free(form.client_secret);
    }
    if (rc != GW_OK)
        gw_token_request_clear(out);
    return rc;
}

void gw_token_request_clear(gw_token_request *req)
{
    if (req->client_secret) {
        OPENSSL_cleanse(req->client_secret, SECRET_MAX + 1);
        free(req->client_secret);
    }
    memset(req, 0, sizeof *req);
}
