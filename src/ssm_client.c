/*
 * ssm_client.c - GetParameters requests with retries, and the secret
 * fetcher that resolves ssm: references (see gw_ssm.h).
 */
#include "gw_ssm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "gw_aws_http.h"
#include "gw_log.h"

/* A GetParameters response contains at most 10 values of at most 8 KiB each
 * (advanced parameters) plus metadata. A larger response is not from SSM. */
#define SSM_MAX_RESPONSE_BYTES (1024 * 1024)

static void sleep_ms(long ms)
{
    struct timespec left;

    left.tv_sec = ms / 1000;
    left.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        continue;
}

static unsigned random_uint(void)
{
    unsigned value;

    if (RAND_bytes((unsigned char *)&value, sizeof value) != 1)
        value = (unsigned)time(NULL);
    return value;
}

static long microseconds_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000000L + (long)(now.tv_nsec - start->tv_nsec) / 1000L;
}

static json_t *names_json(const char *const *names, size_t n)
{
    json_t *list = json_array();

    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_string(names[i]));
    return list;
}

/* Builds the headers of one attempt. The session token is a secret:
 * gw_aws_http_headers_free wipes it. */
static gw_aws_err build_headers(const gw_aws_credentials *creds, struct curl_slist **out)
{
    struct curl_slist *list = NULL;
    gw_aws_err rc;

    *out = NULL;
    rc = gw_aws_http_header_add(&list, "Content-Type", "application/x-amz-json-1.1");
    if (rc == GW_AWS_OK)
        rc = gw_aws_http_header_add(&list, "X-Amz-Target", "AmazonSSM.GetParameters");
    if (rc == GW_AWS_OK && creds->session_token)
        rc = gw_aws_http_header_add(&list, "X-Amz-Security-Token", creds->session_token);
    if (rc != GW_AWS_OK) {
        gw_aws_http_headers_free(list);
        return rc;
    }
    *out = list;
    return GW_AWS_OK;
}

static void log_retry(const gw_ssm_settings *settings, int attempt, long delay_ms, gw_aws_err rc, long status,
                      const char *request_id, const gw_aws_error_info *info, const char *const *names, size_t n)
{
    json_t *fields = json_pack("{s:i, s:i, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "attempt", attempt,
                               "max_attempts", settings->max_attempts, "delay_ms", (json_int_t)delay_ms, "error",
                               gw_aws_strerror(rc), "status", (json_int_t)status, "code",
                               info->type[0] ? info->type : "none", "detail", info->message, "aws_request_id",
                               request_id[0] ? request_id : "none", "region", settings->region, "parameters",
                               names_json(names, n));

    gw_log_event(GW_LOG_WARN, "ssm request failed, retrying", fields);
}

gw_aws_err gw_ssm_get_parameters(const gw_ssm_settings *settings, gw_aws_credentials_provider *provider,
                                 gw_ssm_parameter *params, size_t n, int *attempts, gw_error_detail *err)
{
    const char *names[GW_SSM_MAX_BATCH];
    char sigv4[96];
    char url[sizeof settings->endpoint + 1];
    char request_id[128] = "";
    char *body = NULL;
    CURL *easy = NULL;
    struct curl_slist *headers = NULL;
    gw_aws_credentials creds;
    gw_aws_http_request request;
    gw_aws_http_response response;
    gw_aws_error_info info;
    gw_aws_credentials_source source = GW_AWS_SOURCE_NONE;
    long status = 0;
    int attempt = 0;
    int credentials_failed = 0;
    gw_aws_err rc = GW_AWS_ERR_NOMEM;

    memset(&creds, 0, sizeof creds);
    memset(&response, 0, sizeof response);
    memset(&info, 0, sizeof info);
    if (n == 0 || n > GW_SSM_MAX_BATCH) {
        rc = GW_AWS_ERR_CONFIG;
        snprintf(info.message, sizeof info.message, "a batch must have 1..%d names, not %zu", GW_SSM_MAX_BATCH, n);
        n = 0; /* `names` is not filled: describe no names */
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        names[i] = params[i].name;
    body = gw_ssm_request_body(names, n);
    easy = curl_easy_init();
    if (!body || !easy)
        goto out;
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:ssm", settings->region);
    snprintf(url, sizeof url, "%s/", settings->endpoint);

    for (attempt = 1;; attempt++) {
        long delay_ms;

        (*attempts)++;
        gw_aws_credentials_clear(&creds);
        gw_aws_http_headers_free(headers);
        headers = NULL;
        memset(&info, 0, sizeof info);
        credentials_failed = 0;

        /* Credentials are fetched per attempt, because a retry after an
         * expired token needs new ones. The cache makes this cheap. */
        rc = gw_aws_credentials_get(provider, &creds, err);
        if (rc != GW_AWS_OK) {
            credentials_failed = 1;
            snprintf(info.type, sizeof info.type, "credentials");
        }
        if (rc == GW_AWS_OK) {
            source = creds.source;
            rc = build_headers(&creds, &headers);
        }
        if (rc == GW_AWS_OK) {
            memset(&request, 0, sizeof request);
            request.url = url;
            request.body = body;
            request.body_len = strlen(body);
            request.headers = headers;
            request.sigv4 = sigv4;
            request.username = creds.access_key_id;
            request.password = creds.secret_access_key;
            request.connect_timeout_ms = GW_SSM_CONNECT_TIMEOUT_MS;
            request.timeout_ms = GW_SSM_REQUEST_TIMEOUT_MS;
            request.max_response_bytes = SSM_MAX_RESPONSE_BYTES;
            rc = gw_aws_http_perform(easy, &request, &response);
            status = response.status;
            snprintf(request_id, sizeof request_id, "%s", response.request_id);
            if (rc == GW_AWS_ERR_CONNECT || rc == GW_AWS_ERR_CONFIG) {
                snprintf(info.type, sizeof info.type, "connection");
                snprintf(info.message, sizeof info.message, "%.60s: %.90s", settings->endpoint,
                         response.transport_error);
            } else if (rc == GW_AWS_ERR_BAD_RESPONSE) {
                snprintf(info.message, sizeof info.message, "the response is larger than %d bytes",
                         SSM_MAX_RESPONSE_BYTES);
            }
        }
        if (rc == GW_AWS_OK)
            rc = gw_ssm_classify_response(response.status, response.body, response.len, response.error_type, &info);
        if (rc == GW_AWS_OK) {
            rc = gw_ssm_parse_response(response.body ? response.body : "", response.len, params, n, err);
            if (rc == GW_AWS_ERR_BAD_RESPONSE)
                snprintf(info.message, sizeof info.message, "%.150s", err ? err->message : "");
            break;
        }

        if (!gw_aws_err_retryable(rc) || attempt >= settings->max_attempts)
            break;
        if (rc == GW_AWS_ERR_EXPIRED_TOKEN)
            gw_aws_credentials_invalidate(provider);
        if (credentials_failed && err)
            snprintf(info.message, sizeof info.message, "%.150s", err->message);
        delay_ms = gw_ssm_backoff_ms(attempt, settings->base_delay_ms, settings->max_delay_ms, random_uint());
        log_retry(settings, attempt, delay_ms, rc, status, request_id, &info, names, n);
        sleep_ms(delay_ms);
    }

out:
    if (rc != GW_AWS_OK && rc != GW_AWS_ERR_NOMEM && credentials_failed && err) {
        /* The provider's message describes what is wrong with the credentials. */
        if (attempt > 1) {
            size_t len = strlen(err->message);

            snprintf(err->message + len, sizeof err->message - len, " (after %d attempts)", attempt);
        }
    } else if (rc != GW_AWS_OK) {
        gw_ssm_describe_failure(rc, &info, status, request_id, attempt, names, n, settings->region, source, err);
    }
    gw_aws_credentials_clear(&creds);
    gw_aws_http_headers_free(headers);
    gw_aws_http_response_clear(&response);
    if (easy)
        curl_easy_cleanup(easy);
    free(body);
    return rc;
}

static gw_err to_gw_err(gw_aws_err rc)
{
    if (rc == GW_AWS_OK)
        return GW_OK;
    if (rc == GW_AWS_ERR_NOMEM)
        return GW_ERR_NOMEM;
    return rc == GW_AWS_ERR_CONFIG ? GW_ERR_CONFIG : GW_ERR_SECRET;
}

/* Logs one event per missing, empty or non-SecureString parameter, with
 * every config key that refers to it, so long lists survive the length
 * limit of the startup message. */
static void log_parameter_problems(const gw_ssm_plan *plan, const gw_ssm_parameter *params,
                                   const char *const *whats, const char *region)
{
    for (size_t j = 0; j < plan->n_unique; j++) {
        const char *msg;
        gw_log_level level = GW_LOG_ERROR;
        json_t *keys;

        if (!params[j].found)
            msg = "ssm parameter not found";
        else if (params[j].value.len == 0)
            msg = "ssm parameter is empty";
        else if (!params[j].secure) {
            msg = "ssm parameter is not a SecureString; store secrets as SecureString";
            level = GW_LOG_WARN;
        } else
            continue;

        keys = json_array();
        for (size_t i = 0; keys && i < plan->n_names; i++) {
            if (plan->index_of[i] == j)
                json_array_append_new(keys, json_string(whats[i]));
        }
        gw_log_event(level, msg,
                     json_pack("{s:s, s:o, s:s}", "parameter", plan->unique[j], "config_keys", keys, "region", region));
    }
}

gw_err gw_secret_fetch_with_ssm(void *ctx, const gw_secret_ref *const *refs, const char *const *whats,
                                gw_secret *values, size_t n, gw_error_detail *err)
{
    const gw_ssm_fetch_ctx *fetch = ctx;
    const char **names = NULL;
    const char **ssm_whats = NULL;
    size_t *ref_of = NULL;
    size_t n_ssm = 0;
    gw_ssm_plan plan;
    gw_ssm_parameter *params = NULL;
    gw_ssm_settings settings;
    gw_aws_credentials_provider *provider;
    struct timespec started;
    int attempts = 0;
    gw_aws_err aws_rc = GW_AWS_OK;
    gw_err rc = GW_ERR_NOMEM;

    memset(&plan, 0, sizeof plan);
    clock_gettime(CLOCK_MONOTONIC, &started);

    /* env: and file: references resolve first, because they need no
     * network and their errors are cheaper to find. */
    for (size_t i = 0; i < n; i++) {
        if (refs[i]->kind == GW_SECRET_SSM) {
            n_ssm++;
            continue;
        }
        rc = gw_secret_resolve_local(refs[i], whats[i], &values[i], err);
        if (rc != GW_OK)
            goto out;
    }
    if (n_ssm == 0) {
        rc = GW_OK;
        goto out;
    }

    rc = GW_ERR_NOMEM;
    names = calloc(n_ssm, sizeof *names);
    ssm_whats = calloc(n_ssm, sizeof *ssm_whats);
    ref_of = calloc(n_ssm, sizeof *ref_of);
    if (!names || !ssm_whats || !ref_of)
        goto out;
    for (size_t i = 0, k = 0; i < n; i++) {
        if (refs[i]->kind != GW_SECRET_SSM)
            continue;
        names[k] = refs[i]->name;
        ssm_whats[k] = whats[i];
        ref_of[k] = i;
        k++;
    }

    aws_rc = gw_ssm_settings_resolve(fetch->config, &settings, err);
    if (aws_rc != GW_AWS_OK)
        goto out;
    aws_rc = gw_ssm_plan_make(names, n_ssm, &plan);
    if (aws_rc != GW_AWS_OK)
        goto out;
    params = calloc(plan.n_unique, sizeof *params);
    if (!params) {
        aws_rc = GW_AWS_ERR_NOMEM;
        goto out;
    }
    for (size_t j = 0; j < plan.n_unique; j++)
        params[j].name = plan.unique[j];

    provider = fetch->credentials ? fetch->credentials : gw_aws_credentials_default_provider();
    for (size_t b = 0; b < plan.n_batches; b++) {
        size_t start, count;

        gw_ssm_plan_batch(&plan, b, &start, &count);
        aws_rc = gw_ssm_get_parameters(&settings, provider, &params[start], count, &attempts, err);
        if (aws_rc != GW_AWS_OK)
            goto out;
    }

    log_parameter_problems(&plan, params, ssm_whats, settings.region);
    aws_rc = gw_ssm_check_parameters(&plan, params, ssm_whats, settings.region, err);
    if (aws_rc != GW_AWS_OK)
        goto out;

    for (size_t k = 0; k < n_ssm; k++) {
        const gw_secret *value = &params[plan.index_of[k]].value;

        if (gw_secret_set(&values[ref_of[k]], value->data, value->len) != GW_OK) {
            aws_rc = GW_AWS_ERR_NOMEM;
            goto out;
        }
    }
    gw_log_event(GW_LOG_INFO, "ssm parameters fetched",
                 json_pack("{s:o, s:I, s:i, s:s, s:I}", "parameters", names_json(plan.unique, plan.n_unique),
                           "batches", (json_int_t)plan.n_batches, "attempts", attempts, "region", settings.region,
                           "latency_us", (json_int_t)microseconds_since(&started)));
    rc = GW_OK;

out:
    if (aws_rc != GW_AWS_OK) {
        json_t *listed = plan.unique ? names_json(plan.unique, plan.n_unique) : names_json(names, n_ssm);

        rc = to_gw_err(aws_rc);
        gw_log_event(GW_LOG_ERROR, "ssm fetch failed",
                     json_pack("{s:o, s:i, s:s, s:I}", "parameters", listed, "attempts", attempts, "error",
                               gw_aws_strerror(aws_rc), "latency_us", (json_int_t)microseconds_since(&started)));
    }
    if (rc != GW_OK) {
        for (size_t i = 0; i < n; i++)
            gw_secret_clear(&values[i]);
    }
    if (params) {
        for (size_t j = 0; j < plan.n_unique; j++)
            gw_secret_clear(&params[j].value);
    }
    free(params);
    gw_ssm_plan_clear(&plan);
    free(ref_of);
    free(ssm_whats);
    free(names);
    return rc;
}
