/*
 * gw_runtime.h - the resolved, immutable settings a request works with.
 *
 * A runtime is built from a gw_config by resolving its secret references
 * and parsing the client secret hashes. It never changes after creation;
 * a reload (SIGHUP) builds a new one and swaps it in, and requests that
 * started on the old one keep it alive through its reference count.
 *
 * Ownership: gw_runtime_create returns a runtime with one reference and
 * takes ownership of `config` (freed with the runtime, also on failure).
 * gw_runtime_ref adds a reference; gw_runtime_unref drops one and frees the
 * runtime, wiping its secrets, when the last one goes.
 */
#ifndef GW_RUNTIME_H
#define GW_RUNTIME_H

#include <stddef.h>

#include "gw_config.h"
#include "gw_error.h"
#include "gw_jwt.h"
#include "gw_secret.h"
#include "gw_secret_hash.h"

typedef struct gw_client {
    const gw_client_config *config; /* borrowed from runtime->config */
    gw_secret_hash hash;
} gw_client;

typedef struct gw_runtime gw_runtime;

struct gw_runtime {
    gw_config *config;
    gw_secret signing_key;
    gw_secret neo4j_password;
    gw_client *clients;
    size_t n_clients;
    gw_secret_hash dummy_hash; /* verified for unknown client ids, so they cost the same time */
    gw_jwt_public_key *public_keys; /* pkeys owned here */
    size_t n_public_keys;
    gw_jwt_verifier verifier;
    int refs;
};

/* Resolves secrets through `fetch` (see gw_secret_fetcher), parses hashes
 * and checks key sizes. */
typedef gw_err (*gw_secret_fetcher)(void *ctx, const gw_secret_ref *const *refs, const char *const *whats,
                                    gw_secret *values, size_t n, gw_error_detail *err);

/* Default fetcher: env: and file: only; ssm: fails with a message. */
gw_err gw_secret_fetch_local(void *ctx, const gw_secret_ref *const *refs, const char *const *whats,
                             gw_secret *values, size_t n, gw_error_detail *err);

gw_err gw_runtime_create(gw_config *config, gw_secret_fetcher fetch, void *fetch_ctx,
                         gw_runtime **out, gw_error_detail *err);

gw_runtime *gw_runtime_ref(gw_runtime *runtime);
void gw_runtime_unref(gw_runtime *runtime);

/* Returns the client with `id`, or NULL. Borrowed from `runtime`. */
const gw_client *gw_runtime_find_client(const gw_runtime *runtime, const char *id);

#endif
