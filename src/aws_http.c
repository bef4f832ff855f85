/* aws_http.c - HTTP exchanges with AWS endpoints (see gw_aws_http.h). */
#include "gw_aws_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#ifndef GW_VERSION
#define GW_VERSION "0.1.0"
#endif

void gw_aws_http_response_clear(gw_aws_http_response *response)
{
    if (response->body) {
        OPENSSL_cleanse(response->body, response->cap);
        free(response->body);
    }
    memset(response, 0, sizeof *response);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    gw_aws_http_response *r = userdata;
    size_t n = size * nmemb;

    if (r->len + n > r->max_len) {
        r->too_large = 1;
        return 0;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        char *grown;

        while (cap < r->len + n + 1)
            cap *= 2;
        /* realloc could leave a copy of secret bytes behind, so move them by hand. */
        grown = malloc(cap);
        if (!grown) {
            r->out_of_memory = 1;
            return 0;
        }
        if (r->body) {
            memcpy(grown, r->body, r->len);
            OPENSSL_cleanse(r->body, r->cap);
            free(r->body);
        }
        r->body = grown;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* Copies the value of header `name` from `line` into `out` when the line
 * is that header. */
static void take_header(const char *line, size_t len, const char *name, char *out, size_t size)
{
    size_t name_len = strlen(name);
    size_t start, end;

    if (len <= name_len || line[name_len] != ':' || strncasecmp(line, name, name_len) != 0)
        return;
    start = name_len + 1;
    while (start < len && (line[start] == ' ' || line[start] == '\t'))
        start++;
    end = len;
    while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
        end--;
    if (end - start >= size)
        end = start + size - 1;
    memcpy(out, line + start, end - start);
    out[end - start] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    gw_aws_http_response *r = userdata;
    size_t n = size * nmemb;

    take_header(data, n, "x-amzn-RequestId", r->request_id, sizeof r->request_id);
    take_header(data, n, "x-amzn-ErrorType", r->error_type, sizeof r->error_type);
    return n;
}

static gw_aws_err transport_error(CURLcode code)
{
    switch (code) {
    case CURLE_OUT_OF_MEMORY:
        return GW_AWS_ERR_NOMEM;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return GW_AWS_ERR_CONFIG;
    default:
        return GW_AWS_ERR_CONNECT;
    }
}

gw_aws_err gw_aws_http_perform(CURL *easy, const gw_aws_http_request *request, gw_aws_http_response *response)
{
    struct timespec started, ended;
    CURLcode code;

    gw_aws_http_response_clear(response);
    response->max_len = request->max_response_bytes;

    curl_easy_reset(easy);
    curl_easy_setopt(easy, CURLOPT_URL, request->url);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, request->connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, request->timeout_ms);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "cypher-gateway/" GW_VERSION);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, response->transport_error);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, response);
    if (request->headers)
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, request->headers);
    if (request->body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request->body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_len);
    }
    if (request->sigv4) {
        curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, request->sigv4);
        curl_easy_setopt(easy, CURLOPT_USERNAME, request->username);
        curl_easy_setopt(easy, CURLOPT_PASSWORD, request->password);
    }

    clock_gettime(CLOCK_MONOTONIC, &started);
    code = curl_easy_perform(easy);
    clock_gettime(CLOCK_MONOTONIC, &ended);
    response->elapsed_us = (long)(ended.tv_sec - started.tv_sec) * 1000000L +
                           (long)(ended.tv_nsec - started.tv_nsec) / 1000L;

    /* Drop libcurl's copy of the secret key as soon as it is not needed. */
    if (request->sigv4)
        curl_easy_setopt(easy, CURLOPT_PASSWORD, "");

    if (response->too_large)
        return GW_AWS_ERR_BAD_RESPONSE;
    if (response->out_of_memory)
        return GW_AWS_ERR_NOMEM;
    if (code != CURLE_OK) {
        if (response->transport_error[0] == '\0')
            snprintf(response->transport_error, sizeof response->transport_error, "%s", curl_easy_strerror(code));
        return transport_error(code);
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response->status);
    return GW_AWS_OK;
}

gw_aws_err gw_aws_http_header_add(struct curl_slist **list, const char *name, const char *value)
{
    size_t len = strlen(name) + 2 + strlen(value) + 1;
    char *line = malloc(len);
    struct curl_slist *grown;

    if (!line)
        return GW_AWS_ERR_NOMEM;
    snprintf(line, len, "%s: %s", name, value);
    grown = curl_slist_append(*list, line);
    OPENSSL_cleanse(line, len);
    free(line);
    if (!grown)
        return GW_AWS_ERR_NOMEM;
    *list = grown;
    return GW_AWS_OK;
}

void gw_aws_http_headers_free(struct curl_slist *list)
{
    for (struct curl_slist *item = list; item; item = item->next) {
        if (item->data)
            OPENSSL_cleanse(item->data, strlen(item->data));
    }
    curl_slist_free_all(list);
}
