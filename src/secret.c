/* secret.c - parsing of secret references and local (env/file) resolution. */
#include "gw_secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Files holding a secret are small; anything larger is a wrong path. */
#define SECRET_FILE_MAX (64 * 1024)

const char *gw_secret_kind_name(gw_secret_kind kind)
{
    switch (kind) {
    case GW_SECRET_NONE: return "none";
    case GW_SECRET_ENV: return "env";
    case GW_SECRET_FILE: return "file";
    case GW_SECRET_SSM: return "ssm";
    }
    return "none";
}

gw_err gw_secret_ref_parse(const char *text, gw_secret_ref *out, gw_error_detail *err)
{
    static const struct {
        const char *prefix;
        gw_secret_kind kind;
    } prefixes[] = {
        {"env:", GW_SECRET_ENV},
        {"file:", GW_SECRET_FILE},
        {"ssm:", GW_SECRET_SSM},
    };

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t plen = strlen(prefixes[i].prefix);

        if (strncmp(text, prefixes[i].prefix, plen) != 0)
            continue;
        if (text[plen] == '\0')
            return gw_error_set(err, GW_ERR_CONFIG,
                                "secret reference '%s' has an empty name after the prefix",
                                prefixes[i].prefix);
        out->name = strdup(text + plen);
        if (!out->name)
            return GW_ERR_NOMEM;
        out->kind = prefixes[i].kind;
        return GW_OK;
    }
    /* Do not echo `text`: it may be a secret pasted inline by mistake. */
    return gw_error_set(err, GW_ERR_CONFIG,
                        "secrets must be references (env:NAME, file:PATH or ssm:NAME), "
                        "not inline values; move the value to an environment variable, "
                        "a file or SSM Parameter Store");
}

void gw_secret_ref_clear(gw_secret_ref *ref)
{
    if (!ref)
        return;
    free(ref->name);
    ref->name = NULL;
    ref->kind = GW_SECRET_NONE;
}

gw_err gw_secret_set(gw_secret *out, const char *data, size_t len)
{
    char *copy = malloc(len + 1);

    if (!copy)
        return GW_ERR_NOMEM;
    memcpy(copy, data, len);
    copy[len] = '\0';
    gw_secret_clear(out);
    out->data = copy;
    out->len = len;
    return GW_OK;
}

void gw_secret_clear(gw_secret *secret)
{
    if (!secret)
        return;
    if (secret->data) {
        OPENSSL_cleanse(secret->data, secret->len + 1);
        free(secret->data);
    }
    secret->data = NULL;
    secret->len = 0;
}

static gw_err read_secret_file(const char *path, const char *what, gw_secret *out,
                               gw_error_detail *err)
{
    char *buf = NULL;
    size_t len = 0;
    gw_err rc = GW_ERR_SECRET;
    FILE *f = fopen(path, "rb");

    if (!f) {
        gw_error_set(err, GW_ERR_SECRET, "%s: cannot open secret file '%s': %s; check the path and its permissions",
                     what, path, strerror(errno));
        goto out;
    }
    buf = malloc(SECRET_FILE_MAX + 1);
    if (!buf) {
        rc = GW_ERR_NOMEM;
        goto out;
    }
    len = fread(buf, 1, SECRET_FILE_MAX + 1, f);
    if (ferror(f)) {
        gw_error_set(err, GW_ERR_SECRET, "%s: cannot read secret file '%s'", what, path);
        goto out;
    }
    if (len > SECRET_FILE_MAX) {
        gw_error_set(err, GW_ERR_SECRET, "%s: secret file '%s' is larger than %d bytes; is it the right file?",
                     what, path, SECRET_FILE_MAX);
        goto out;
    }
    /* Editors and `echo` add a final newline; it is never part of a secret. */
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    if (len == 0) {
        gw_error_set(err, GW_ERR_SECRET, "%s: secret file '%s' is empty; write the secret into it", what, path);
        goto out;
    }
    rc = gw_secret_set(out, buf, len);

out:
    if (buf) {
        OPENSSL_cleanse(buf, SECRET_FILE_MAX + 1);
        free(buf);
    }
    if (f)
        fclose(f);
    return rc;
}

gw_err gw_secret_resolve_local(const gw_secret_ref *ref, const char *what,
                               gw_secret *out, gw_error_detail *err)
{
    switch (ref->kind) {
    case GW_SECRET_ENV: {
        const char *value = getenv(ref->name);

        if (!value)
            return gw_error_set(err, GW_ERR_SECRET,
                                "%s: environment variable %s is not set; export it or change the reference",
                                what, ref->name);
        if (value[0] == '\0')
            return gw_error_set(err, GW_ERR_SECRET,
                                "%s: environment variable %s is empty; an empty secret is never used",
                                what, ref->name);
        return gw_secret_set(out, value, strlen(value));
    }
    case GW_SECRET_FILE:
        return read_secret_file(ref->name, what, out, err);
    case GW_SECRET_SSM:
        return gw_error_set(err, GW_ERR_SECRET,
                            "%s: SSM parameter %s must be fetched by the SSM client", what, ref->name);
    case GW_SECRET_NONE:
        break;
    }
    return gw_error_set(err, GW_ERR_SECRET, "%s: no secret reference is configured", what);
}
