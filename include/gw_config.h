/*
 * gw_config.h - the gateway configuration and its YAML parser.
 *
 * gw_config_parse turns YAML text into a gw_config without any I/O beyond
 * reading environment variables for ${NAME} expansion, so it is unit-tested
 * and fuzzed directly. Secrets stay references here (gw_secret_ref); they are
 * resolved later by the caller.
 *
 * Ownership: gw_config_parse and gw_config_load return a new config that the
 * caller releases with gw_config_free, which frees every string and client.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "gw_error.h"
#include "gw_secret.h"

#define GW_DB_NAME_MAX 63

typedef enum gw_mode {
    GW_MODE_READ = 0,
    GW_MODE_WRITE = 1
} gw_mode;

typedef struct gw_named_query {
    char *name;
    char *statement;
} gw_named_query;

typedef struct gw_client_config {
    char *id;
    gw_secret_ref secret_hash;
    char **databases; /* "*" means every database */
    size_t n_databases;
    gw_mode mode;
    long token_ttl_s; /* 0: use jwt.ttl_s */
    int admin;        /* may list the "system" database and run administration commands */
    int allow_load_csv; /* -1: policy default */
    char **deny_procedures; /* NULL: policy default */
    size_t n_deny_procedures;
    int named_only;   /* may run only `queries` */
    gw_named_query *queries;
    size_t n_queries;
    int line;         /* where the client is defined, for messages */
} gw_client_config;

/* A public key for tokens from another issuer, chosen by "kid". */
typedef struct gw_jwt_key_config {
    char *kid;
    char *alg; /* "RS256" or "ES256" */
    gw_secret_ref public_key;
    int line;
} gw_jwt_key_config;

typedef struct gw_config {
    char *source; /* file name used in messages */

    /* server */
    char *listen_address;
    int port;
    int threads;
    int max_connections;
    int connection_timeout_s;
    size_t max_body_bytes;
    int drain_timeout_s;

    /* neo4j */
    char *neo4j_url; /* without trailing slash */
    char *neo4j_user;
    gw_secret_ref neo4j_password;
    char *neo4j_database;
    int pool_size;
    long acquire_timeout_ms;
    long connect_timeout_ms;
    long request_timeout_ms;
    long max_idle_s;
    size_t max_result_bytes;
    char *neo4j_ca_file; /* NULL: system CA store */

    /* jwt */
    char *jwt_issuer;
    char *jwt_audience;
    gw_secret_ref jwt_signing_key;
    long jwt_ttl_s;
    long jwt_leeway_s;
    size_t jwt_max_token_bytes;
    gw_jwt_key_config *jwt_keys;
    size_t n_jwt_keys;

    /* limits */
    size_t max_statement_bytes;
    int max_parameter_depth;
    int max_bookmarks;
    int token_failures_per_client; /* failed /token attempts per window before 429 */
    int token_failures_per_address;
    int token_failure_window_s;

    /* policy: defaults for every client */
    int allow_load_csv;
    char **deny_procedures;
    size_t n_deny_procedures;
    size_t policy_cache_entries;

    /* log */
    char *log_level;

    /* ssm (used when any reference is ssm:) */
    char *ssm_region;   /* NULL: AWS_REGION / AWS_DEFAULT_REGION */
    char *ssm_endpoint; /* NULL: derived from the region */
    int ssm_max_attempts;   /* attempts per GetParameters request, the first included */
    long ssm_base_delay_ms; /* cap of the first retry delay; doubles per retry */
    long ssm_max_delay_ms;  /* cap of any one retry delay */

    gw_client_config *clients;
    size_t n_clients;
} gw_config;

/* Parses YAML `text` of `len` bytes. `source` names the text in messages
 * (usually the file path). On failure returns GW_ERR_CONFIG (or NOMEM) and
 * fills `err` with file, line and key. */
gw_err gw_config_parse(const char *text, size_t len, const char *source,
                       gw_config **out, gw_error_detail *err);

/* Reads and parses the file at `path`. */
gw_err gw_config_load(const char *path, gw_config **out, gw_error_detail *err);

void gw_config_free(gw_config *config);

/* Returns the named query `name` of `client`, or NULL. Borrowed. */
const char *gw_client_named_query(const gw_client_config *client, const char *name);

/* Returns the client with `id`, or NULL. Borrowed. */
const gw_client_config *gw_config_find_client(const gw_config *config, const char *id);

/* Returns nonzero when `name` is a database name the gateway accepts:
 * 1..63 characters of letters, digits, '.', '-' and '_', starting with a
 * letter or digit. This keeps names safe inside Neo4j URLs. */
int gw_database_name_valid(const char *name);

/* Returns "read" or "write". */
const char *gw_mode_name(gw_mode mode);

#endif
