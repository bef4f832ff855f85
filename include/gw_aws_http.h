/*
 * gw_aws_http.h - one HTTP exchange with an AWS endpoint, shared by the
 * credentials provider and the SSM client.
 *
 * Requests use CURLOPT_NOSIGNAL, http and https only, no redirects, TLS
 * verification and bounded timeouts. With `sigv4` set, libcurl signs the
 * request (CURLOPT_AWS_SIGV4) with `username` (access key id) and
 * `password` (secret access key).
 *
 * Ownership: a response owns its body, and gw_aws_http_response_clear wipes
 * and frees it, because responses carry credentials and secret values.
 * gw_aws_http_headers_free wipes every header line before freeing the list,
 * because lines carry tokens.
 *
 * NOTE: libcurl keeps its own copies of the password, the header lines and
 * the received bytes, and frees them without wiping (libcurl 7.88).
 */
#ifndef GW_AWS_HTTP_H
#define GW_AWS_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "gw_aws_credentials.h"

typedef struct gw_aws_http_request {
    const char *url;
    const char *body; /* NULL: GET; otherwise POST with `body_len` bytes */
    size_t body_len;
    struct curl_slist *headers; /* borrowed */
    const char *sigv4;          /* e.g. "aws:amz:eu-west-1:ssm"; NULL: unsigned */
    const char *username;
    const char *password;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response_bytes; /* a larger response fails with GW_AWS_ERR_BAD_RESPONSE */
} gw_aws_http_request;

typedef struct gw_aws_http_response {
    long status; /* 0 when no response arrived */
    char *body;  /* NUL-terminated; NULL when the response had no body */
    size_t len;
    size_t cap;
    size_t max_len;
    int too_large;
    int out_of_memory;
    char request_id[128]; /* x-amzn-RequestId; "" when absent */
    char error_type[128]; /* x-amzn-ErrorType; "" when absent */
    char transport_error[CURL_ERROR_SIZE];
    long elapsed_us;
} gw_aws_http_response;

/* Performs `request` on `easy`. The handle is reset first but keeps its
 * connection cache, so retries reuse the connection. Returns GW_AWS_OK when
 * an HTTP response arrived, whatever its status, and GW_AWS_ERR_CONNECT when
 * none did (transport_error states why). Returns GW_AWS_ERR_CONFIG for a URL
 * or TLS setup that no retry can fix, and GW_AWS_ERR_BAD_RESPONSE when the
 * response exceeds max_response_bytes. */
gw_aws_err gw_aws_http_perform(CURL *easy, const gw_aws_http_request *request, gw_aws_http_response *response);

/* Wipes and frees the body and resets every field. */
void gw_aws_http_response_clear(gw_aws_http_response *response);

/* Appends a header line "name: value" to *list. Returns GW_AWS_OK or
 * GW_AWS_ERR_NOMEM (then *list is unchanged). The temporary line is wiped. */
gw_aws_err gw_aws_http_header_add(struct curl_slist **list, const char *name, const char *value);

/* Wipes every line, then frees the list. */
void gw_aws_http_headers_free(struct curl_slist *list);

#endif
