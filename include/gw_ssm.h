/*
 * gw_ssm.h - secrets from AWS Systems Manager Parameter Store.
 *
 * ssm: references are fetched at startup and on reload with GetParameters
 * (JSON 1.1 protocol: POST /, X-Amz-Target: AmazonSSM.GetParameters,
 * WithDecryption true), at most GW_SSM_MAX_BATCH names per request, signed
 * with SigV4 by libcurl (CURLOPT_AWS_SIGV4). Throttling, HTTP 429, 5xx and
 * connection failures are retried with capped exponential backoff and full
 * jitter, up to ssm.max_attempts attempts per request.
 *
 * The planning, parsing, classification and message functions do no I/O
 * besides getenv (src/ssm_parse.c, unit-tested). The requests and the
 * fetcher are in src/ssm_client.c. Errors are gw_aws_err
 * (gw_aws_credentials.h); the fetcher turns them into gw_err with a message.
 *
 * Ownership: every gw_secret a function fills is new and released with
 * gw_secret_clear. Names are borrowed. Messages and logs carry parameter
 * names, config keys, AWS error types and request ids, never a value.
 */
#ifndef GW_SSM_H
#define GW_SSM_H

#include <stddef.h>

#include "gw_aws_credentials.h"
#include "gw_config.h"
#include "gw_error.h"
#include "gw_secret.h"

/* GetParameters accepts at most 10 names per request. */
#define GW_SSM_MAX_BATCH 10

/* Each attempt is bounded, so a stalled endpoint costs at most this long
 * per attempt. */
#define GW_SSM_CONNECT_TIMEOUT_MS 3000L
#define GW_SSM_REQUEST_TIMEOUT_MS 10000L

typedef struct gw_ssm_settings {
    char region[64];
    char endpoint[512]; /* without trailing slash */
    int max_attempts;
    long base_delay_ms;
    long max_delay_ms;
} gw_ssm_settings;

/* Resolves the region (ssm.region, else AWS_REGION, else
 * AWS_DEFAULT_REGION), the endpoint (ssm.endpoint, else
 * https://ssm.<region>.amazonaws.com) and the retry settings of `config`.
 * Fails with GW_AWS_ERR_CONFIG when no region is set, when the region is
 * not a plain name, or when the endpoint is not https (http is accepted
 * for loopback hosts only). */
gw_aws_err gw_ssm_settings_resolve(const gw_config *config, gw_ssm_settings *out, gw_error_detail *err);

/* The distinct names of a fetch, grouped into batches of at most
 * GW_SSM_MAX_BATCH. Batch b is unique[b * GW_SSM_MAX_BATCH] and the names
 * after it, up to GW_SSM_MAX_BATCH of them. */
typedef struct gw_ssm_plan {
    const char **unique; /* new array of borrowed names, in first-seen order */
    size_t n_unique;
    size_t *index_of; /* index_of[i]: position of names[i] in unique */
    size_t n_names;
    size_t n_batches;
} gw_ssm_plan;

gw_aws_err gw_ssm_plan_make(const char *const *names, size_t n, gw_ssm_plan *out);
void gw_ssm_plan_clear(gw_ssm_plan *plan);

/* Sets `start` and `count` to the slice of plan->unique in batch `b`. */
void gw_ssm_plan_batch(const gw_ssm_plan *plan, size_t b, size_t *start, size_t *count);

/* Returns the GetParameters request body for `names` as a new string
 * (release with free), or NULL when out of memory. */
char *gw_ssm_request_body(const char *const *names, size_t n);

/* One requested parameter and what SSM returned for it. */
typedef struct gw_ssm_parameter {
    const char *name; /* borrowed */
    gw_secret value;  /* owned; data is NULL until found */
    int found;
    int secure; /* nonzero when the Type was SecureString */
} gw_ssm_parameter;

/* Parses a GetParameters response of `len` bytes and fills the entries of
 * `params` that it contains. Names listed in InvalidParameters, or absent,
 * stay not found, and the caller decides what that means. Returns
 * GW_AWS_ERR_BAD_RESPONSE when the body is not a GetParameters result.
 * Messages never quote the body, which contains secret values. */
gw_aws_err gw_ssm_parse_response(const char *body, size_t len, gw_ssm_parameter *params, size_t n,
                                 gw_error_detail *err);

/* The content of an error response: the AWS error type without namespace, e.g.
 * "ThrottlingException", and AWS's message reduced to printable ASCII. */
typedef struct gw_aws_error_info {
    char type[64];
    char message[160];
} gw_aws_error_info;

/* Classifies an HTTP response: GW_AWS_OK for status 200, otherwise the error
 * that `status`, the JSON (__type, message) or XML (Code, Message) body and
 * the x-amzn-ErrorType header value (may be NULL) describe. Fills `info`. */
gw_aws_err gw_ssm_classify_response(long status, const char *body, size_t len, const char *error_type_header,
                                    gw_aws_error_info *info);

/* Returns the delay before retry number `attempt` (1 for the first retry):
 * uniformly drawn from 0..min(max_delay_ms, base_delay_ms * 2^(attempt-1))
 * by `random` ("full jitter"). Never overflows. */
long gw_ssm_backoff_ms(int attempt, long base_delay_ms, long max_delay_ms, unsigned random);

/* Returns the largest total delay `max_attempts` attempts can sleep, so
 * tests and docs can state the worst case. */
long gw_ssm_backoff_budget_ms(int max_attempts, long base_delay_ms, long max_delay_ms);

/* Writes the message for a GetParameters request on `names` that failed
 * with `rc` after `attempts` attempts. `status` is the last HTTP status (0
 * when none), `request_id` the last x-amzn-RequestId ("" when none) and
 * `source` the credentials source. */
void gw_ssm_describe_failure(gw_aws_err rc, const gw_aws_error_info *info, long status, const char *request_id,
                             int attempts, const char *const *names, size_t n, const char *region,
                             gw_aws_credentials_source source, gw_error_detail *err);

/* Checks that every parameter of `plan` was found and is not empty.
 * `whats[i]` is the config key of names[i]. On failure writes a message
 * naming each missing (or else each empty) parameter with its config keys
 * and returns GW_AWS_ERR_PARAMETER_NOT_FOUND or GW_AWS_ERR_EMPTY_VALUE. */
gw_aws_err gw_ssm_check_parameters(const gw_ssm_plan *plan, const gw_ssm_parameter *params,
                                   const char *const *whats, const char *region, gw_error_detail *err);

/* Sends one GetParameters request (with retries) for `params` (at most
 * GW_SSM_MAX_BATCH) and fills them from the response. Adds the number of
 * attempts made to *attempts. */
gw_aws_err gw_ssm_get_parameters(const gw_ssm_settings *settings, gw_aws_credentials_provider *provider,
                                 gw_ssm_parameter *params, size_t n, int *attempts, gw_error_detail *err);

/* The context of gw_secret_fetch_with_ssm. */
typedef struct gw_ssm_fetch_ctx {
    const gw_config *config;                  /* borrowed: region, endpoint and retry settings */
    gw_aws_credentials_provider *credentials; /* borrowed; NULL: the process-wide provider */
} gw_ssm_fetch_ctx;

/* A gw_secret_fetcher (gw_runtime.h): resolves env: and file: references
 * locally and every ssm: reference with batched GetParameters requests.
 * With no ssm: reference it neither reads AWS variables nor opens a
 * connection. Fails (GW_ERR_SECRET with a message) when a parameter is
 * missing or empty, when AWS rejects the request, or when the retries run
 * out. */
gw_err gw_secret_fetch_with_ssm(void *ctx, const gw_secret_ref *const *refs, const char *const *whats,
                                gw_secret *values, size_t n, gw_error_detail *err);

#endif
