/*
 * ssm_parse.c - the I/O-free half of gw_ssm.h: settings, batching, the
 * GetParameters request and response, error classification, backoff and the
 * messages for failures.
 */
#include "gw_ssm.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

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

/* A message written piece by piece into a fixed buffer. Text that does not
 * fit is cut off. */
typedef struct text {
    char *buf;
    size_t size;
    size_t len;
} text;

static void text_add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->len + 1 >= t->size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    t->len += (size_t)n;
    if (t->len >= t->size)
        t->len = t->size - 1;
}

/* Region names are lowercase letters, digits and dashes ("eu-west-1"), so
 * they are safe inside the endpoint host name and the SigV4 scope. */
static int region_valid(const char *region)
{
    size_t len = strlen(region);

    if (len == 0 || len > 32)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)region[i];

        if (!islower(c) && !isdigit(c) && c != '-')
            return 0;
    }
    return 1;
}

/* Returns nonzero when `url` has no path beyond "/", no query and no
 * fragment, so requests go to its root as GetParameters expects. */
static int url_is_base(const char *url)
{
    CURLU *parsed = curl_url();
    char *path = NULL, *query = NULL, *fragment = NULL;
    int base = 0;

    if (!parsed || curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(parsed, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(parsed, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK)
        goto out;
    base = strcmp(path, "/") == 0 || path[0] == '\0';

out:
    curl_free(path);
    curl_free(query);
    curl_free(fragment);
    curl_url_cleanup(parsed);
    return base;
}

gw_aws_err gw_ssm_settings_resolve(const gw_config *config, gw_ssm_settings *out, gw_error_detail *err)
{
    const char *region = config->ssm_region;
    const char *region_source = "ssm.region";
    size_t len;

    memset(out, 0, sizeof *out);
    if (!region || !region[0]) {
        region = getenv("AWS_REGION");
        region_source = "AWS_REGION";
    }
    if (!region || !region[0]) {
        region = getenv("AWS_DEFAULT_REGION");
        region_source = "AWS_DEFAULT_REGION";
    }
    if (!region || !region[0])
        return fail(err, GW_AWS_ERR_CONFIG,
                    "SSM parameters are referenced but no AWS region is set; set ssm.region in the configuration "
                    "or AWS_REGION");
    if (!region_valid(region))
        return fail(err, GW_AWS_ERR_CONFIG, "%s '%.40s' is not an AWS region name such as eu-west-1",
                    region_source, region);
    snprintf(out->region, sizeof out->region, "%s", region);

    if (config->ssm_endpoint && config->ssm_endpoint[0]) {
        char display[256];

        gw_aws_url_for_display(config->ssm_endpoint, display, sizeof display);
        if (!gw_aws_url_allowed(config->ssm_endpoint, 0))
            return fail(err, GW_AWS_ERR_CONFIG,
                        "ssm.endpoint %s must be an https URL (http is accepted for loopback addresses only)",
                        display);
        if (!url_is_base(config->ssm_endpoint))
            return fail(err, GW_AWS_ERR_CONFIG,
                        "ssm.endpoint %s must have no path or query, e.g. https://ssm.%s.amazonaws.com", display,
                        out->region);
        len = strlen(config->ssm_endpoint);
        while (len > 0 && config->ssm_endpoint[len - 1] == '/')
            len--;
        if (len >= sizeof out->endpoint)
            return fail(err, GW_AWS_ERR_CONFIG, "ssm.endpoint is longer than %zu characters",
                        sizeof out->endpoint - 1);
        memcpy(out->endpoint, config->ssm_endpoint, len);
        out->endpoint[len] = '\0';
    } else {
        /* The China partition has its own domain. */
        snprintf(out->endpoint, sizeof out->endpoint, "https://ssm.%s.amazonaws.com%s", out->region,
                 strncmp(out->region, "cn-", 3) == 0 ? ".cn" : "");
    }

    out->max_attempts = config->ssm_max_attempts > 0 ? config->ssm_max_attempts : 8;
    out->base_delay_ms = config->ssm_base_delay_ms > 0 ? config->ssm_base_delay_ms : 100;
    out->max_delay_ms = config->ssm_max_delay_ms > 0 ? config->ssm_max_delay_ms : 5000;
    return GW_AWS_OK;
}

gw_aws_err gw_ssm_plan_make(const char *const *names, size_t n, gw_ssm_plan *out)
{
    memset(out, 0, sizeof *out);
    out->unique = calloc(n ? n : 1, sizeof *out->unique);
    out->index_of = calloc(n ? n : 1, sizeof *out->index_of);
    if (!out->unique || !out->index_of) {
        gw_ssm_plan_clear(out);
        return GW_AWS_ERR_NOMEM;
    }

    /* Two settings may name the same parameter, which is then requested once. */
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;

        while (j < out->n_unique && strcmp(out->unique[j], names[i]) != 0)
            j++;
        if (j == out->n_unique)
            out->unique[out->n_unique++] = names[i];
        out->index_of[i] = j;
    }
    out->n_names = n;
    out->n_batches = (out->n_unique + GW_SSM_MAX_BATCH - 1) / GW_SSM_MAX_BATCH;
    return GW_AWS_OK;
}

void gw_ssm_plan_clear(gw_ssm_plan *plan)
{
    free(plan->unique);
    free(plan->index_of);
    memset(plan, 0, sizeof *plan);
}

void gw_ssm_plan_batch(const gw_ssm_plan *plan, size_t b, size_t *start, size_t *count)
{
    *start = b * GW_SSM_MAX_BATCH;
    if (*start >= plan->n_unique) {
        *start = plan->n_unique;
        *count = 0;
        return;
    }
    *count = plan->n_unique - *start;
    if (*count > GW_SSM_MAX_BATCH)
        *count = GW_SSM_MAX_BATCH;
}

char *gw_ssm_request_body(const char *const *names, size_t n)
{
    json_t *list = json_array();
    json_t *root = NULL;
    char *body = NULL;

    if (!list)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (json_array_append_new(list, json_string(names[i])) != 0)
            goto out;
    }
    root = json_pack("{s:O, s:b}", "Names", list, "WithDecryption", 1);
    if (root)
        body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);

out:
    json_decref(root);
    json_decref(list);
    return body;
}

/* Overwrites every "Value" string of the response before jansson frees it,
 * because jansson frees without wiping and these strings are the secrets. */
static void wipe_values(json_t *root)
{
    json_t *parameters = json_object_get(root, "Parameters");
    size_t i;
    json_t *entry;

    json_array_foreach(parameters, i, entry) {
        json_t *value = json_object_get(entry, "Value");

        if (json_is_string(value))
            OPENSSL_cleanse((char *)json_string_value(value), json_string_length(value));
    }
}

/* Returns the index in `params` of the parameter a response entry is for.
 * A request may name a parameter by name, by name with a ":version" or
 * ":label" selector, or by ARN. The response gives Name, Selector and ARN. */
static long match_entry(json_t *entry, const gw_ssm_parameter *params, size_t n)
{
    const char *name = json_string_value(json_object_get(entry, "Name"));
    const char *selector = json_string_value(json_object_get(entry, "Selector"));
    const char *arn = json_string_value(json_object_get(entry, "ARN"));

    if (!name)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *requested = params[i].name;
        size_t name_len = strlen(name);

        if (params[i].found)
            continue;
        if (strcmp(requested, name) == 0)
            return (long)i;
        if (selector && strncmp(requested, name, name_len) == 0 && strcmp(requested + name_len, selector) == 0)
            return (long)i;
        if (arn && strcmp(requested, arn) == 0)
            return (long)i;
    }
    return -1;
}

gw_aws_err gw_ssm_parse_response(const char *body, size_t len, gw_ssm_parameter *params, size_t n,
                                 gw_error_detail *err)
{
    json_error_t json_err;
    json_t *root;
    json_t *parameters, *invalid, *entry;
    size_t i;
    gw_aws_err rc = GW_AWS_ERR_BAD_RESPONSE;

    /* json_err.text can quote the input, which contains secrets, so it is never used. */
    root = json_loadb(body, len, 0, &json_err);
    if (!json_is_object(root)) {
        fail(err, rc, "the GetParameters response is not a JSON object");
        goto out;
    }
    parameters = json_object_get(root, "Parameters");
    invalid = json_object_get(root, "InvalidParameters");
    if (!json_is_array(parameters) || (invalid && !json_is_array(invalid))) {
        fail(err, rc, "the GetParameters response has no Parameters list");
        goto out;
    }

    json_array_foreach(parameters, i, entry) {
        json_t *value = json_object_get(entry, "Value");
        const char *type = json_string_value(json_object_get(entry, "Type"));
        long k;

        if (!json_is_object(entry) || !json_is_string(json_object_get(entry, "Name"))) {
            fail(err, rc, "a GetParameters response entry has no Name");
            goto out;
        }
        k = match_entry(entry, params, n);
        if (k < 0)
            continue;
        if (!json_is_string(value)) {
            fail(err, rc, "the GetParameters response entry for %.200s has no Value string", params[k].name);
            goto out;
        }
        if (gw_secret_set(&params[k].value, json_string_value(value), json_string_length(value)) != GW_OK) {
            rc = GW_AWS_ERR_NOMEM;
            goto out;
        }
        params[k].found = 1;
        params[k].secure = type && strcmp(type, "SecureString") == 0;
    }
    rc = GW_AWS_OK;

out:
    if (root) {
        wipe_values(root);
        json_decref(root);
    }
    return rc;
}

/* Copies `in` (of `len` bytes) into `out`, keeping printable ASCII only,
 * so a message from AWS cannot break a log line or a terminal. */
static void copy_printable(const char *in, size_t len, char *out, size_t size)
{
    size_t o = 0;

    for (size_t i = 0; i < len && o + 1 < size; i++) {
        unsigned char c = (unsigned char)in[i];

        out[o++] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
    }
    out[o] = '\0';
}

/* Writes the bare error type: AWS prefixes it with a namespace
 * ("com.amazonaws.ssm#ThrottlingException") in JSON bodies and appends a
 * URL after ':' in the x-amzn-ErrorType header. */
static void set_type(gw_aws_error_info *info, const char *raw, size_t len)
{
    const char *hash = memchr(raw, '#', len);
    const char *colon;

    if (hash) {
        len -= (size_t)(hash + 1 - raw);
        raw = hash + 1;
    }
    colon = memchr(raw, ':', len);
    if (colon)
        len = (size_t)(colon - raw);
    copy_printable(raw, len, info->type, sizeof info->type);
}

/* Finds the text between <tag> and </tag> in the `len` bytes at `body`, as
 * in the XML errors of the query protocol (<Code>, <Message>). */
static int xml_element(const char *body, size_t len, const char *tag, const char **start, size_t *out_len)
{
    char open[32], close[32];
    const char *a, *b;
    size_t open_len, close_len;

    open_len = (size_t)snprintf(open, sizeof open, "<%s>", tag);
    close_len = (size_t)snprintf(close, sizeof close, "</%s>", tag);
    a = memmem(body, len, open, open_len);
    if (!a)
        return 0;
    a += open_len;
    b = memmem(a, len - (size_t)(a - body), close, close_len);
    if (!b)
        return 0;
    *start = a;
    *out_len = (size_t)(b - a);
    return 1;
}

static void extract_error(const char *body, size_t len, const char *header_type, gw_aws_error_info *info)
{
    json_error_t json_err;
    json_t *root = body && len ? json_loadb(body, len, 0, &json_err) : NULL;

    if (json_is_object(root)) {
        const char *keys[] = {"__type", "code", "Code"};
        const char *message_keys[] = {"message", "Message"};

        for (size_t i = 0; i < 3 && !info->type[0]; i++) {
            json_t *v = json_object_get(root, keys[i]);

            if (json_is_string(v))
                set_type(info, json_string_value(v), json_string_length(v));
        }
        for (size_t i = 0; i < 2 && !info->message[0]; i++) {
            json_t *v = json_object_get(root, message_keys[i]);

            if (json_is_string(v))
                copy_printable(json_string_value(v), json_string_length(v), info->message, sizeof info->message);
        }
    } else if (body && len) {
        const char *start;
        size_t n;

        if (xml_element(body, len, "Code", &start, &n))
            set_type(info, start, n);
        if (xml_element(body, len, "Message", &start, &n))
            copy_printable(start, n, info->message, sizeof info->message);
    }
    json_decref(root);

    if (!info->type[0] && header_type && header_type[0])
        set_type(info, header_type, strlen(header_type));
}

static int type_in(const char *type, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(type, *list) == 0)
            return 1;
    }
    return 0;
}

/* Error types of the JSON protocol, and the query protocol's names for the
 * same errors (which moto sends for authentication failures). */
static const char *const throttling_types[] = {
    "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", NULL,
};
static const char *const signature_types[] = {
    "InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature", "IncompleteSignatureException",
    "UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId", "MissingAuthenticationToken",
    "MissingAuthenticationTokenException", "AuthFailure", NULL,
};
static const char *const expired_types[] = {
    "ExpiredTokenException", "ExpiredToken", "RequestExpired", NULL,
};
static const char *const access_denied_types[] = {
    "AccessDeniedException", "AccessDenied", "KMSAccessDeniedException", NULL,
};

gw_aws_err gw_ssm_classify_response(long status, const char *body, size_t len, const char *error_type_header,
                                    gw_aws_error_info *info)
{
    memset(info, 0, sizeof *info);
    if (status >= 200 && status < 300)
        return GW_AWS_OK;

    extract_error(body, len, error_type_header, info);
    if (type_in(info->type, throttling_types))
        return GW_AWS_ERR_THROTTLED;
    if (type_in(info->type, signature_types))
        return GW_AWS_ERR_SIGNATURE;
    if (type_in(info->type, expired_types))
        return GW_AWS_ERR_EXPIRED_TOKEN;
    if (type_in(info->type, access_denied_types))
        return GW_AWS_ERR_ACCESS_DENIED;
    if (status == 429)
        return GW_AWS_ERR_THROTTLED;
    if (status >= 500)
        return GW_AWS_ERR_SERVER;
    return GW_AWS_ERR_REQUEST;
}

/* Returns min(max_delay_ms, base_delay_ms * 2^(attempt-1)) without
 * overflowing. */
static long backoff_cap(int attempt, long base_delay_ms, long max_delay_ms)
{
    long cap = base_delay_ms;

    if (base_delay_ms <= 0 || max_delay_ms <= 0)
        return 0;
    for (int i = 1; i < attempt && cap < max_delay_ms; i++)
        cap = cap > max_delay_ms / 2 ? max_delay_ms : cap * 2;
    return cap < max_delay_ms ? cap : max_delay_ms;
}

long gw_ssm_backoff_ms(int attempt, long base_delay_ms, long max_delay_ms, unsigned random)
{
    long cap = backoff_cap(attempt, base_delay_ms, max_delay_ms);

    return (long)(random % ((unsigned long)cap + 1));
}

long gw_ssm_backoff_budget_ms(int max_attempts, long base_delay_ms, long max_delay_ms)
{
    long total = 0;

    for (int retry = 1; retry < max_attempts; retry++)
        total += backoff_cap(retry, base_delay_ms, max_delay_ms);
    return total;
}

static void add_names(text *t, const char *const *names, size_t n)
{
    if (n == 0)
        text_add(t, "(none)");
    for (size_t i = 0; i < n; i++)
        text_add(t, "%s%s", i ? ", " : "", names[i]);
}

/* Appends ": MESSAGE" when AWS sent a message. */
static void add_aws_message(text *t, const gw_aws_error_info *info)
{
    if (info->message[0])
        text_add(t, ": %s", info->message);
}

/* Signature errors of the access key id or token, rather than of the
 * signature itself, get a message pointing at those. */
static int is_unknown_key(const char *type)
{
    static const char *const unknown_key_types[] = {
        "UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId", NULL,
    };

    return type_in(type, unknown_key_types);
}

void gw_ssm_describe_failure(gw_aws_err rc, const gw_aws_error_info *info, long status, const char *request_id,
                             int attempts, const char *const *names, size_t n, const char *region,
                             gw_aws_credentials_source source, gw_error_detail *err)
{
    text t;
    const char *type = info->type[0] ? info->type : "no error type";
    const char *rid = request_id && request_id[0] ? request_id : "none";

    if (!err)
        return;
    memset(err, 0, sizeof *err);
    t.buf = err->message;
    t.size = sizeof err->message;
    t.len = 0;

    switch (rc) {
    case GW_AWS_ERR_SIGNATURE:
        if (is_unknown_key(info->type))
            text_add(&t, "AWS rejected the request signature: it does not recognise the access key id or session "
                         "token (%s, request id %s); check the credentials from the %s",
                     type, rid, gw_aws_source_name(source));
        else
            text_add(&t, "AWS rejected the request signature (%s, request id %s); check the secret access key "
                         "from the %s and the system clock",
                     type, rid, gw_aws_source_name(source));
        break;
    case GW_AWS_ERR_ACCESS_DENIED:
        text_add(&t, "AWS denied ssm:GetParameters (%s, region %s); allow the IAM action ssm:GetParameters on the "
                     "ARNs of these parameters and kms:Decrypt on their KMS key: ",
                 type, region);
        add_names(&t, names, n);
        text_add(&t, " (request id %s)", rid);
        if (info->message[0])
            text_add(&t, ". AWS message: %s", info->message);
        break;
    case GW_AWS_ERR_THROTTLED:
    case GW_AWS_ERR_SERVER:
    case GW_AWS_ERR_CONNECT:
    case GW_AWS_ERR_EXPIRED_TOKEN:
        text_add(&t, "SSM GetParameters failed after %d attempt%s; last error: %s (HTTP %ld, request id %s)",
                 attempts, attempts == 1 ? "" : "s", type, status, rid);
        add_aws_message(&t, info);
        text_add(&t, ". Retry later or raise ssm.max_attempts. Parameters: ");
        add_names(&t, names, n);
        break;
    case GW_AWS_ERR_BAD_RESPONSE:
        text_add(&t, "SSM returned an unusable GetParameters response (HTTP %ld, request id %s): %s; check "
                     "ssm.endpoint",
                 status, rid, info->message[0] ? info->message : "not a GetParameters result");
        break;
    case GW_AWS_ERR_REQUEST:
        text_add(&t, "SSM rejected GetParameters: %s (HTTP %ld, request id %s)", type, status, rid);
        add_aws_message(&t, info);
        text_add(&t, ". Parameters: ");
        add_names(&t, names, n);
        break;
    case GW_AWS_ERR_NOMEM:
        text_add(&t, "out of memory while fetching SSM parameters");
        break;
    case GW_AWS_OK:
    case GW_AWS_ERR_NO_CREDENTIALS:
    case GW_AWS_ERR_CONFIG:
    case GW_AWS_ERR_CREDENTIALS_ENDPOINT:
    case GW_AWS_ERR_CREDENTIALS_INVALID:
    case GW_AWS_ERR_PARAMETER_NOT_FOUND:
    case GW_AWS_ERR_EMPTY_VALUE:
        text_add(&t, "SSM GetParameters failed: %s", gw_aws_strerror(rc));
        add_aws_message(&t, info);
        text_add(&t, ". Parameters: ");
        add_names(&t, names, n);
        break;
    }
}

/* Appends "NAME (key1, key2)" for unique parameter `j`. */
static void add_parameter(text *t, const gw_ssm_plan *plan, size_t j, const char *const *whats)
{
    int first = 1;

    text_add(t, "%s (", plan->unique[j]);
    for (size_t i = 0; i < plan->n_names; i++) {
        if (plan->index_of[i] != j)
            continue;
        text_add(t, "%s%s", first ? "" : ", ", whats[i]);
        first = 0;
    }
    text_add(t, ")");
}

gw_aws_err gw_ssm_check_parameters(const gw_ssm_plan *plan, const gw_ssm_parameter *params,
                                   const char *const *whats, const char *region, gw_error_detail *err)
{
    size_t missing = 0, empty = 0, listed = 0;
    text t;

    for (size_t j = 0; j < plan->n_unique; j++) {
        if (!params[j].found)
            missing++;
        else if (params[j].value.len == 0)
            empty++;
    }
    if (missing == 0 && empty == 0)
        return GW_AWS_OK;
    if (!err)
        return missing ? GW_AWS_ERR_PARAMETER_NOT_FOUND : GW_AWS_ERR_EMPTY_VALUE;

    memset(err, 0, sizeof *err);
    t.buf = err->message;
    t.size = sizeof err->message;
    t.len = 0;

    /* Missing parameters come first, because they must be created before
     * anything else can be checked. */
    if (missing) {
        text_add(&t, missing == 1 ? "SSM parameter " : "SSM parameters ");
        for (size_t j = 0; j < plan->n_unique; j++) {
            if (params[j].found)
                continue;
            text_add(&t, "%s", listed++ ? ", " : "");
            add_parameter(&t, plan, j, whats);
        }
        text_add(&t, " %s not found in region %s; create %s with 'aws ssm put-parameter --type SecureString' or "
                     "fix the reference",
                 missing == 1 ? "was" : "were", region, missing == 1 ? "it" : "them");
        return GW_AWS_ERR_PARAMETER_NOT_FOUND;
    }

    text_add(&t, empty == 1 ? "SSM parameter " : "SSM parameters ");
    for (size_t j = 0; j < plan->n_unique; j++) {
        if (params[j].value.len != 0)
            continue;
        text_add(&t, "%s", listed++ ? ", " : "");
        add_parameter(&t, plan, j, whats);
    }
    text_add(&t, " %s empty; an empty secret is never used. Store the secret with 'aws ssm put-parameter "
                 "--overwrite --type SecureString'",
             empty == 1 ? "is" : "are");
    return GW_AWS_ERR_EMPTY_VALUE;
}
