/*
 * aws_credentials_parse.c - the I/O-free half of gw_aws_credentials.h:
 * error texts, the environment step of the chain, URL checks, RFC 3339
 * timestamps, the container endpoint's JSON and the refresh decision.
 */
#include "gw_aws_credentials.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

const char *gw_aws_strerror(gw_aws_err err)
{
    switch (err) {
    case GW_AWS_OK: return "no error";
    case GW_AWS_ERR_NOMEM: return "out of memory";
    case GW_AWS_ERR_NO_CREDENTIALS: return "no AWS credentials are configured";
    case GW_AWS_ERR_CONFIG: return "an AWS setting is invalid";
    case GW_AWS_ERR_CREDENTIALS_ENDPOINT: return "the container credentials endpoint returned an error status";
    case GW_AWS_ERR_CREDENTIALS_INVALID: return "the container credentials endpoint sent unusable credentials";
    case GW_AWS_ERR_CONNECT: return "the AWS endpoint could not be reached";
    case GW_AWS_ERR_THROTTLED: return "AWS throttled the request";
    case GW_AWS_ERR_SERVER: return "AWS returned a server error";
    case GW_AWS_ERR_SIGNATURE: return "AWS rejected the request signature or credentials";
    case GW_AWS_ERR_EXPIRED_TOKEN: return "the AWS session token has expired";
    case GW_AWS_ERR_ACCESS_DENIED: return "AWS denied access";
    case GW_AWS_ERR_REQUEST: return "AWS rejected the request";
    case GW_AWS_ERR_BAD_RESPONSE: return "AWS sent a response that cannot be parsed";
    case GW_AWS_ERR_PARAMETER_NOT_FOUND: return "an SSM parameter does not exist";
    case GW_AWS_ERR_EMPTY_VALUE: return "an SSM parameter is empty";
    }
    return "unknown AWS error";
}

int gw_aws_err_retryable(gw_aws_err err)
{
    return err == GW_AWS_ERR_CONNECT || err == GW_AWS_ERR_THROTTLED || err == GW_AWS_ERR_SERVER ||
           err == GW_AWS_ERR_EXPIRED_TOKEN;
}

const char *gw_aws_source_name(gw_aws_credentials_source source)
{
    switch (source) {
    case GW_AWS_SOURCE_NONE: return "none";
    case GW_AWS_SOURCE_ENV: return "environment";
    case GW_AWS_SOURCE_CONTAINER: return "container endpoint";
    }
    return "none";
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

static void wipe_free(char **s)
{
    if (*s) {
        OPENSSL_cleanse(*s, strlen(*s));
        free(*s);
    }
    *s = NULL;
}

void gw_aws_credentials_clear(gw_aws_credentials *credentials)
{
    if (!credentials)
        return;
    wipe_free(&credentials->access_key_id);
    wipe_free(&credentials->secret_access_key);
    wipe_free(&credentials->session_token);
    credentials->expiration = 0;
    credentials->source = GW_AWS_SOURCE_NONE;
}

gw_aws_err gw_aws_credentials_copy(const gw_aws_credentials *from, gw_aws_credentials *out)
{
    memset(out, 0, sizeof *out);
    out->access_key_id = from->access_key_id ? strdup(from->access_key_id) : NULL;
    out->secret_access_key = from->secret_access_key ? strdup(from->secret_access_key) : NULL;
    out->session_token = from->session_token ? strdup(from->session_token) : NULL;
    if ((from->access_key_id && !out->access_key_id) || (from->secret_access_key && !out->secret_access_key) ||
        (from->session_token && !out->session_token)) {
        gw_aws_credentials_clear(out);
        return GW_AWS_ERR_NOMEM;
    }
    out->expiration = from->expiration;
    out->source = from->source;
    return GW_AWS_OK;
}

int gw_aws_credentials_need_refresh(const gw_aws_credentials *cached, time_t now)
{
    if (!cached->access_key_id || !cached->secret_access_key)
        return 1;
    if (cached->expiration == 0)
        return 1;
    return now >= cached->expiration - GW_AWS_CREDENTIALS_REFRESH_S;
}

static const char *env_value(const char *name)
{
    const char *value = getenv(name);

    return value && value[0] ? value : NULL;
}

void gw_aws_env_read(gw_aws_env *out)
{
    out->access_key_id = env_value("AWS_ACCESS_KEY_ID");
    out->secret_access_key = env_value("AWS_SECRET_ACCESS_KEY");
    out->session_token = env_value("AWS_SESSION_TOKEN");
    out->relative_uri = env_value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    out->full_uri = env_value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    out->authorization_token = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    out->authorization_token_file = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
}

static int set(const char *s)
{
    return s && s[0];
}

gw_aws_err gw_aws_credentials_from_env(const gw_aws_env *env, gw_aws_credentials *out, gw_error_detail *err)
{
    memset(out, 0, sizeof *out);
    if (!set(env->access_key_id) && !set(env->secret_access_key))
        return fail(err, GW_AWS_ERR_NO_CREDENTIALS, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    if (!set(env->access_key_id) || !set(env->secret_access_key))
        return fail(err, GW_AWS_ERR_CONFIG,
                    "%s is set but %s is not; set both, or neither to use the container credentials endpoint",
                    set(env->access_key_id) ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                    set(env->access_key_id) ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");

    out->access_key_id = strdup(env->access_key_id);
    out->secret_access_key = strdup(env->secret_access_key);
    out->session_token = set(env->session_token) ? strdup(env->session_token) : NULL;
    if (!out->access_key_id || !out->secret_access_key || (set(env->session_token) && !out->session_token)) {
        gw_aws_credentials_clear(out);
        return GW_AWS_ERR_NOMEM;
    }
    out->source = GW_AWS_SOURCE_ENV;
    return GW_AWS_OK;
}

/* Host names come from curl's URL parser, so IPv6 addresses keep their
 * brackets and IPv4 addresses are in dotted decimal. */
static int host_is_loopback(const char *host)
{
    struct in_addr v4;
    struct in6_addr v6;
    char bare[64];
    size_t len = strlen(host);

    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (len > 2 && len < sizeof bare && host[0] == '[' && host[len - 1] == ']') {
        memcpy(bare, host + 1, len - 2);
        bare[len - 2] = '\0';
        if (inet_pton(AF_INET6, bare, &v6) == 1)
            return memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
    }
    return 0;
}

static int host_is_agent(const char *host)
{
    struct in6_addr v6, eks_v6;
    char bare[64];
    size_t len = strlen(host);

    if (strcmp(host, "169.254.170.2") == 0 || strcmp(host, "169.254.170.23") == 0)
        return 1;
    if (len > 2 && len < sizeof bare && host[0] == '[' && host[len - 1] == ']') {
        memcpy(bare, host + 1, len - 2);
        bare[len - 2] = '\0';
        if (inet_pton(AF_INET6, bare, &v6) == 1 && inet_pton(AF_INET6, "fd00:ec2::23", &eks_v6) == 1)
            return memcmp(&v6, &eks_v6, sizeof v6) == 0;
    }
    return 0;
}

int gw_aws_url_allowed(const char *url, int allow_agent)
{
    CURLU *parsed = curl_url();
    char *scheme = NULL;
    char *host = NULL;
    int allowed = 0;

    if (!parsed || curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto out;
    if (strcasecmp(scheme, "https") == 0)
        allowed = 1;
    else if (strcasecmp(scheme, "http") == 0)
        allowed = host_is_loopback(host) || (allow_agent && host_is_agent(host));

out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(parsed);
    return allowed;
}

void gw_aws_url_for_display(const char *url, char *out, size_t size)
{
    CURLU *parsed = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;

    snprintf(out, size, "(invalid URL)");
    if (!parsed || curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(parsed, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    if (curl_url_get(parsed, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        path = NULL;
    snprintf(out, size, "%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "", path ? path : "");

out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(parsed);
}

int gw_aws_authorization_token_valid(const char *token, size_t len)
{
    if (len == 0 || len > 8192)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)token[i];

        if (c < 0x20 || c > 0x7e)
            return 0;
    }
    return 1;
}

/* Returns nonzero when `path` has only visible ASCII characters, so it
 * cannot split the request line or add a header. */
static int path_chars_valid(const char *path)
{
    for (const char *p = path; *p; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e)
            return 0;
    }
    return 1;
}

gw_aws_err gw_aws_container_url(const gw_aws_env *env, char *url, size_t size, gw_error_detail *err)
{
    char display[256];
    int len;

    if (set(env->relative_uri)) {
        if (env->relative_uri[0] != '/' || !path_chars_valid(env->relative_uri))
            return fail(err, GW_AWS_ERR_CONFIG,
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with '/'");
        len = snprintf(url, size, "%s%s", GW_AWS_ECS_CREDENTIALS_HOST, env->relative_uri);
        if (len < 0 || (size_t)len >= size)
            return fail(err, GW_AWS_ERR_CONFIG, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is too long");
        return GW_AWS_OK;
    }
    if (set(env->full_uri)) {
        gw_aws_url_for_display(env->full_uri, display, sizeof display);
        if (!gw_aws_url_allowed(env->full_uri, 1))
            return fail(err, GW_AWS_ERR_CONFIG,
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI %s is not allowed: it must be https, or http to a "
                        "loopback address or the ECS or EKS agent address",
                        display);
        len = snprintf(url, size, "%s", env->full_uri);
        if (len < 0 || (size_t)len >= size)
            return fail(err, GW_AWS_ERR_CONFIG, "AWS_CONTAINER_CREDENTIALS_FULL_URI is too long");
        return GW_AWS_OK;
    }
    return fail(err, GW_AWS_ERR_NO_CREDENTIALS,
                "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
}

/* Returns the value of `count` decimal digits at `p`, or -1 when one is not a digit. */
static int read_digits(const char *p, int count)
{
    int value = 0;

    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
        value = value * 10 + (p[i] - '0');
    }
    return value;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

int gw_aws_parse_rfc3339(const char *text, time_t *out)
{
    const char *p = text;
    int year, month, day, hour, minute, second;
    long offset_s = 0;
    struct tm tm;
    time_t t;

    if (strlen(text) < 20 || text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':')
        return -1;
    if (text[10] != 'T' && text[10] != 't' && text[10] != ' ')
        return -1;
    year = read_digits(p, 4);
    month = read_digits(p + 5, 2);
    day = read_digits(p + 8, 2);
    hour = read_digits(p + 11, 2);
    minute = read_digits(p + 14, 2);
    second = read_digits(p + 17, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
        return -1;
    if (day > days_in_month(year, month))
        return -1;

    /* Fractions of a second do not matter for expiry decisions. */
    p += 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }

    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = read_digits(p + 1, 2);
        int om = p[3] == ':' ? read_digits(p + 4, 2) : -1;

        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        offset_s = (long)oh * 3600 + (long)om * 60;
        if (*p == '-')
            offset_s = -offset_s;
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;

    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = t - offset_s;
    return 0;
}

/* Overwrites a jansson string in place before the document is freed:
 * jansson frees without wiping, and these strings hold secrets. */
static void wipe_json_string(json_t *value)
{
    if (json_is_string(value))
        OPENSSL_cleanse((char *)json_string_value(value), json_string_length(value));
}

/* Copies the string member `key` of `object` into a new string. Returns
 * GW_AWS_OK, GW_AWS_ERR_NOMEM, or GW_AWS_ERR_CREDENTIALS_INVALID when the
 * member is absent, not a string, empty or contains NUL. */
static gw_aws_err copy_member(json_t *object, const char *key, char **out)
{
    json_t *value = json_object_get(object, key);
    size_t len;

    *out = NULL;
    if (!json_is_string(value))
        return GW_AWS_ERR_CREDENTIALS_INVALID;
    len = json_string_length(value);
    if (len == 0 || memchr(json_string_value(value), '\0', len))
        return GW_AWS_ERR_CREDENTIALS_INVALID;
    *out = strdup(json_string_value(value));
    return *out ? GW_AWS_OK : GW_AWS_ERR_NOMEM;
}

gw_aws_err gw_aws_credentials_parse_json(const char *body, size_t len, time_t now, gw_aws_credentials *out,
                                         gw_error_detail *err)
{
    gw_aws_credentials creds;
    json_error_t json_err;
    json_t *root = NULL;
    json_t *expiration;
    gw_aws_err rc;

    memset(out, 0, sizeof *out);
    memset(&creds, 0, sizeof creds);

    /* json_err.text can quote the input, which contains secrets, so it is never used. */
    root = json_loadb(body, len, 0, &json_err);
    if (!json_is_object(root)) {
        rc = fail(err, GW_AWS_ERR_CREDENTIALS_INVALID,
                  "the container credentials endpoint returned a body that is not a JSON object");
        goto out;
    }

    rc = copy_member(root, "AccessKeyId", &creds.access_key_id);
    if (rc == GW_AWS_OK)
        rc = copy_member(root, "SecretAccessKey", &creds.secret_access_key);
    if (rc == GW_AWS_ERR_CREDENTIALS_INVALID) {
        fail(err, rc, "the container credentials endpoint returned no AccessKeyId or SecretAccessKey string");
        goto out;
    }
    if (rc != GW_AWS_OK)
        goto out;
    if (json_object_get(root, "Token") && !json_is_null(json_object_get(root, "Token"))) {
        rc = copy_member(root, "Token", &creds.session_token);
        if (rc == GW_AWS_ERR_CREDENTIALS_INVALID) {
            fail(err, rc, "the container credentials endpoint returned a Token that is not a non-empty string");
            goto out;
        }
        if (rc != GW_AWS_OK)
            goto out;
    }

    expiration = json_object_get(root, "Expiration");
    if (expiration) {
        if (!json_is_string(expiration) ||
            gw_aws_parse_rfc3339(json_string_value(expiration), &creds.expiration) != 0) {
            rc = fail(err, GW_AWS_ERR_CREDENTIALS_INVALID,
                      "the container credentials endpoint returned an Expiration that is not an RFC 3339 time");
            goto out;
        }
        if (creds.expiration <= now) {
            rc = fail(err, GW_AWS_ERR_CREDENTIALS_INVALID,
                      "the container credentials endpoint returned credentials that expired %lld s ago; check "
                      "the system clock",
                      (long long)(now - creds.expiration));
            goto out;
        }
    }

    creds.source = GW_AWS_SOURCE_CONTAINER;
    *out = creds;
    memset(&creds, 0, sizeof creds);
    rc = GW_AWS_OK;

out:
    if (root) {
        wipe_json_string(json_object_get(root, "AccessKeyId"));
        wipe_json_string(json_object_get(root, "SecretAccessKey"));
        wipe_json_string(json_object_get(root, "Token"));
        json_decref(root);
    }
    gw_aws_credentials_clear(&creds);
    return rc;
}
