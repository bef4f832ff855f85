/*
 * gw_token_request.h - parsing of OAuth 2.0 client-credentials requests
 * (RFC 6749 section 4.4) sent to POST /token.
 *
 * Pure: takes the Authorization header and the form body, returns the
 * client id and secret. The secret is heap memory owned by the request and
 * wiped by gw_token_request_clear.
 */
#ifndef GW_TOKEN_REQUEST_H
#define GW_TOKEN_REQUEST_H

#include <stddef.h>

#include "gw_error.h"

#define GW_CLIENT_ID_MAX 128

typedef struct gw_token_request {
    char client_id[GW_CLIENT_ID_MAX + 1];
    char *client_secret; /* owned, wiped on clear */
    size_t client_secret_len;
    int used_basic; /* credentials came from the Authorization header */
} gw_token_request;

/* Parses the request. `authorization` is the Authorization header or NULL;
 * `body` is the application/x-www-form-urlencoded body.
 * Errors: GW_ERR_INVALID_REQUEST (malformed, repeated parameter, two
 * authentication methods), GW_ERR_UNSUPPORTED_GRANT_TYPE, and
 * GW_ERR_INVALID_CLIENT when no client credentials were sent at all. */
gw_err gw_token_request_parse(const char *authorization, const char *body, size_t len,
                              gw_token_request *out, gw_error_detail *err);

void gw_token_request_clear(gw_token_request *req);

/* Decodes application/x-www-form-urlencoded text ('+' is a space) into
 * `out` (capacity `cap`, NUL-terminated). Returns the length or -1 on a bad
 * escape, an embedded NUL or a too small buffer. */
long gw_form_decode(const char *in, size_t len, char *out, size_t cap);

#endif
