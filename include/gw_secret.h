/*
 * gw_secret.h - secret references and the values they resolve to.
 *
 * Configuration never holds a secret inline. It holds a reference:
 *   env:NAME        the value of environment variable NAME
 *   file:PATH       the content of PATH, without one trailing newline
 *   ssm:NAME        an SSM Parameter Store parameter (resolved by gw_ssm)
 *
 * Ownership: a gw_secret owns `data`; release it with gw_secret_clear, which
 * wipes the bytes with OPENSSL_cleanse before freeing them. A gw_secret_ref
 * owns `name`; release it with gw_secret_ref_clear. Neither the value nor
 * (for env and file) anything derived from it ever appears in a message.
 */
#ifndef GW_SECRET_H
#define GW_SECRET_H

#include <stddef.h>

#include "gw_error.h"

typedef enum gw_secret_kind {
    GW_SECRET_NONE = 0,
    GW_SECRET_ENV = 1,
    GW_SECRET_FILE = 2,
    GW_SECRET_SSM = 3
} gw_secret_kind;

typedef struct gw_secret_ref {
    gw_secret_kind kind;
    char *name; /* variable name, path or parameter name; owned */
} gw_secret_ref;

typedef struct gw_secret {
    char *data; /* NUL-terminated for convenience; may contain no NUL before len */
    size_t len;
} gw_secret;

/* Parses a reference such as "env:NEO4J_PASSWORD" into `out` (new name,
 * release with gw_secret_ref_clear). Fails with GW_ERR_CONFIG when `text`
 * has no known prefix or an empty name; the message names the prefixes. */
gw_err gw_secret_ref_parse(const char *text, gw_secret_ref *out, gw_error_detail *err);

void gw_secret_ref_clear(gw_secret_ref *ref);

/* Returns "env", "file" or "ssm". */
const char *gw_secret_kind_name(gw_secret_kind kind);

/* Resolves an env: or file: reference into `out` (new value). An ssm:
 * reference fails here: those are fetched in batches by the SSM client.
 * An empty value is an error, so a missing secret can never be used as a
 * password or key. `what` names the setting for messages ("neo4j.password"). */
gw_err gw_secret_resolve_local(const gw_secret_ref *ref, const char *what,
                               gw_secret *out, gw_error_detail *err);

/* Copies `len` bytes into a new secret. */
gw_err gw_secret_set(gw_secret *out, const char *data, size_t len);

/* Wipes and frees the value; safe on a zeroed or already cleared secret. */
void gw_secret_clear(gw_secret *secret);

#endif
