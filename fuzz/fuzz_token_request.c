/*
 * fuzz_token_request.c - libFuzzer harness for POST /token request parsing.
 *
 * The input is split at its first newline: the bytes before it are the
 * Authorization header and the bytes after it the form body. An input
 * without a newline is a form body sent without an Authorization header.
 * The header is passed as a C string, as libmicrohttpd hands headers over,
 * so it ends at its first NUL byte.
 */
#include "fuzz.h"

#include "gw_token_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *newline = memchr(data, '\n', size);
    char *authorization = NULL;
    const uint8_t *body = data;
    size_t body_len = size;
    gw_token_request req;
    gw_error_detail err;
    gw_err rc;

    if (newline) {
        authorization = fuzz_strndup(data, (size_t)(newline - data));
        body = newline + 1;
        body_len = size - (size_t)(body - data);
    }

    memset(&err, 0, sizeof err);
    rc = gw_token_request_parse(authorization, (const char *)body, body_len, &req, &err);
    if (rc == GW_OK) {
        size_t id_len = strnlen(req.client_id, sizeof req.client_id);

        FUZZ_CHECK(id_len > 0 && id_len <= GW_CLIENT_ID_MAX);
        FUZZ_CHECK(req.client_secret != NULL && req.client_secret_len > 0);
        /* The decoder rejects NUL bytes, so the secret is a C string too. */
        FUZZ_CHECK(strlen(req.client_secret) == req.client_secret_len);
        FUZZ_CHECK(req.used_basic == (authorization != NULL && authorization[0] != '\0'));
    } else {
        FUZZ_CHECK(rc == GW_ERR_INVALID_REQUEST || rc == GW_ERR_UNSUPPORTED_GRANT_TYPE ||
                   rc == GW_ERR_INVALID_CLIENT || rc == GW_ERR_NOMEM);
        FUZZ_CHECK(req.client_secret == NULL && req.client_id[0] == '\0');
        FUZZ_CHECK(fuzz_terminated(err.message, sizeof err.message));
        FUZZ_CHECK(rc == GW_ERR_NOMEM || err.message[0] != '\0');
    }
    gw_token_request_clear(&req);
    free(authorization);
    return 0;
}
