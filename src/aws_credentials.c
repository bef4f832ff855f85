/*
 * aws_credentials.c - the credentials provider chain with its cache and the
 * fetch from the container credentials endpoint (see gw_aws_credentials.h).
 */
#include "gw_aws_credentials.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "gw_aws_http.h"
#include "gw_log.h"

/* The ECS agent runs on the same host, so these limits only bound a stalled agent. */
#define CONTAINER_CONNECT_TIMEOUT_MS 2000L
#define CONTAINER_TIMEOUT_MS 5000L
#define CONTAINER_MAX_RESPONSE_BYTES (64 * 1024)
#define TOKEN_MAX_BYTES 8192

struct gw_aws_credentials_provider {
    pthread_mutex_t lock;
    gw_aws_credentials cached; /* container credentials; zeroed when none */
    char cached_url[1024];     /* the endpoint that returned them */
};

static gw_aws_credentials_provider default_provider = {PTHREAD_MUTEX_INITIALIZER, {0}, ""};

gw_aws_credentials_provider *gw_aws_credentials_default_provider(void)
{
    return &default_provider;
}

static gw_aws_err fail(gw_error_detail *err, gw_aws_err rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static gw_aws_err fail(gw_error_detail *err, gw_aws_err rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;

        memset(err, 0, sizeof *err);
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Reads the Authorization token for the container endpoint into `out`
 * (a buffer of TOKEN_MAX_BYTES + 2). The file wins over the variable, as in
 * the AWS SDKs, and is read on every fetch because EKS rotates it. *len is
 * 0 when neither is set. */
static gw_aws_err read_token(const gw_aws_env *env, char *out, size_t *len, gw_error_detail *err)
{
    FILE *f;
    size_t n;

    *len = 0;
    if (env->authorization_token_file) {
        f = fopen(env->authorization_token_file, "rb");
        if (!f)
            return fail(err, GW_AWS_ERR_CONFIG,
                        "cannot open AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '%s': %s; check the path and its "
                        "permissions",
                        env->authorization_token_file, strerror(errno));
        n = fread(out, 1, TOKEN_MAX_BYTES + 1, f);
        fclose(f);
        while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
            n--;
        if (!gw_aws_authorization_token_valid(out, n))
            return fail(err, GW_AWS_ERR_CONFIG,
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '%s' must hold one line of 1..%d visible "
                        "characters",
                        env->authorization_token_file, TOKEN_MAX_BYTES);
        out[n] = '\0';
        *len = n;
        return GW_AWS_OK;
    }
    if (env->authorization_token) {
        n = strlen(env->authorization_token);
        if (!gw_aws_authorization_token_valid(env->authorization_token, n))
            return fail(err, GW_AWS_ERR_CONFIG,
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN must be 1..%d visible characters on one line",
                        TOKEN_MAX_BYTES);
        memcpy(out, env->authorization_token, n + 1);
        *len = n;
    }
    return GW_AWS_OK;
}

static void format_time(time_t t, char *out, size_t size)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Fetches credentials from the container endpoint `url` into `out`. */
static gw_aws_err fetch_container(const gw_aws_env *env, const char *url, gw_aws_credentials *out,
                                  gw_error_detail *err)
{
    char token[TOKEN_MAX_BYTES + 2];
    size_t token_len = 0;
    char display[256];
    char expires[32];
    struct curl_slist *headers = NULL;
    gw_aws_http_request request;
    gw_aws_http_response response;
    CURL *easy = NULL;
    gw_aws_err rc;

    memset(out, 0, sizeof *out);
    memset(&response, 0, sizeof response);
    gw_aws_url_for_display(url, display, sizeof display);

    rc = read_token(env, token, &token_len, err);
    if (rc != GW_AWS_OK)
        goto out;
    if (token_len > 0) {
        rc = gw_aws_http_header_add(&headers, "Authorization", token);
        if (rc != GW_AWS_OK)
            goto out;
    }
    easy = curl_easy_init();
    if (!easy) {
        rc = GW_AWS_ERR_NOMEM;
        goto out;
    }

    memset(&request, 0, sizeof request);
    request.url = url;
    request.headers = headers;
    request.connect_timeout_ms = CONTAINER_CONNECT_TIMEOUT_MS;
    request.timeout_ms = CONTAINER_TIMEOUT_MS;
    request.max_response_bytes = CONTAINER_MAX_RESPONSE_BYTES;
    rc = gw_aws_http_perform(easy, &request, &response);
    if (rc == GW_AWS_ERR_CONNECT || rc == GW_AWS_ERR_CONFIG) {
        fail(err, rc, "cannot reach the container credentials endpoint %s: %s", display, response.transport_error);
        goto out;
    }
    if (rc == GW_AWS_ERR_BAD_RESPONSE) {
        rc = fail(err, GW_AWS_ERR_CREDENTIALS_INVALID,
                  "the container credentials endpoint %s returned more than %d bytes", display,
                  CONTAINER_MAX_RESPONSE_BYTES);
        goto out;
    }
    if (rc != GW_AWS_OK)
        goto out;

    if (response.status != 200) {
        /* A busy or restarting agent may return 429 or 5xx, and a later attempt can succeed. */
        rc = response.status == 429 || response.status >= 500 ? GW_AWS_ERR_SERVER : GW_AWS_ERR_CREDENTIALS_ENDPOINT;
        fail(err, rc,
             "the container credentials endpoint %s returned HTTP %ld; check "
             "AWS_CONTAINER_AUTHORIZATION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE and the task role",
             display, response.status);
        goto out;
    }
    rc = gw_aws_credentials_parse_json(response.body ? response.body : "", response.len, time(NULL), out, err);
    if (rc != GW_AWS_OK)
        goto out;

    expires[0] = '\0';
    if (out->expiration)
        format_time(out->expiration, expires, sizeof expires);
    gw_log_event(GW_LOG_INFO, "aws credentials fetched",
                 json_pack("{s:s, s:s, s:s, s:I}", "source", gw_aws_source_name(out->source), "endpoint", display,
                           "expires_at", expires[0] ? expires : "unknown", "latency_us",
                           (json_int_t)response.elapsed_us));

out:
    OPENSSL_cleanse(token, sizeof token);
    gw_aws_http_headers_free(headers);
    gw_aws_http_response_clear(&response);
    if (easy)
        curl_easy_cleanup(easy);
    return rc;
}

gw_aws_err gw_aws_credentials_get(gw_aws_credentials_provider *provider, gw_aws_credentials *out,
                                  gw_error_detail *err)
{
    gw_aws_env env;
    char url[1024];
    gw_aws_err rc;

    memset(out, 0, sizeof *out);
    gw_aws_env_read(&env);

    rc = gw_aws_credentials_from_env(&env, out, err);
    if (rc != GW_AWS_ERR_NO_CREDENTIALS)
        return rc;
    rc = gw_aws_container_url(&env, url, sizeof url, err);
    if (rc == GW_AWS_ERR_NO_CREDENTIALS)
        return fail(err, rc,
                    "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run as an ECS "
                    "task with a task role (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or "
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI)");
    if (rc != GW_AWS_OK)
        return rc;

    /* One fetch at a time, so a second caller waits and then uses its result. */
    pthread_mutex_lock(&provider->lock);
    if (strcmp(provider->cached_url, url) != 0 || gw_aws_credentials_need_refresh(&provider->cached, time(NULL))) {
        gw_aws_credentials fresh;

        rc = fetch_container(&env, url, &fresh, err);
        if (rc != GW_AWS_OK)
            goto unlock;
        gw_aws_credentials_clear(&provider->cached);
        provider->cached = fresh;
        snprintf(provider->cached_url, sizeof provider->cached_url, "%s", url);
    }
    rc = gw_aws_credentials_copy(&provider->cached, out);

unlock:
    pthread_mutex_unlock(&provider->lock);
    return rc;
}

void gw_aws_credentials_invalidate(gw_aws_credentials_provider *provider)
{
    pthread_mutex_lock(&provider->lock);
    gw_aws_credentials_clear(&provider->cached);
    provider->cached_url[0] = '\0';
    pthread_mutex_unlock(&provider->lock);
}
