/*
 * config.c - YAML configuration parser (libyaml document API).
 *
 * A small schema table drives the parse: every known key has a type, a
 * range and a place in gw_config. Unknown keys are errors, because a typo
 * such as "pool_sise" must not silently fall back to a default.
 */
#include "gw_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

/* Configuration files are small; a huge one is a wrong path. */
#define CONFIG_FILE_MAX (1024 * 1024)

typedef enum field_type {
    FIELD_STRING,
    FIELD_INT,
    FIELD_LONG,
    FIELD_SIZE,
    FIELD_SECRET
} field_type;

typedef struct field {
    const char *key;
    field_type type;
    size_t offset;
    long long min;
    long long max;
} field;

typedef struct section {
    const char *name;
    const field *fields;
    size_t n_fields;
} section;

#define FIELD(k, t, member, lo, hi) {k, t, offsetof(gw_config, member), lo, hi}

static const field server_fields[] = {
    FIELD("address", FIELD_STRING, listen_address, 0, 0),
    FIELD("port", FIELD_INT, port, 1, 65535),
    FIELD("threads", FIELD_INT, threads, 1, 1024),
    FIELD("max_connections", FIELD_INT, max_connections, 1, 100000),
    FIELD("connection_timeout_s", FIELD_INT, connection_timeout_s, 1, 3600),
    FIELD("max_body_bytes", FIELD_SIZE, max_body_bytes, 64, 64LL * 1024 * 1024),
    FIELD("drain_timeout_s", FIELD_INT, drain_timeout_s, 0, 600),
};

static const field neo4j_fields[] = {
    FIELD("url", FIELD_STRING, neo4j_url, 0, 0),
    FIELD("user", FIELD_STRING, neo4j_user, 0, 0),
    FIELD("password", FIELD_SECRET, neo4j_password, 0, 0),
    FIELD("database", FIELD_STRING, neo4j_database, 0, 0),
    FIELD("pool_size", FIELD_INT, pool_size, 1, 1024),
    FIELD("acquire_timeout_ms", FIELD_LONG, acquire_timeout_ms, 1, 600000),
    FIELD("connect_timeout_ms", FIELD_LONG, connect_timeout_ms, 1, 600000),
    FIELD("request_timeout_ms", FIELD_LONG, request_timeout_ms, 1, 3600000),
    FIELD("max_idle_s", FIELD_LONG, max_idle_s, 1, 86400),
    FIELD("max_result_bytes", FIELD_SIZE, max_result_bytes, 1024, 4LL * 1024 * 1024 * 1024),
    FIELD("ca_file", FIELD_STRING, neo4j_ca_file, 0, 0),
};

static const field jwt_fields[] = {
    FIELD("issuer", FIELD_STRING, jwt_issuer, 0, 0),
    FIELD("audience", FIELD_STRING, jwt_audience, 0, 0),
    FIELD("signing_key", FIELD_SECRET, jwt_signing_key, 0, 0),
    FIELD("ttl_s", FIELD_LONG, jwt_ttl_s, 10, 86400),
    FIELD("leeway_s", FIELD_LONG, jwt_leeway_s, 0, 300),
    FIELD("max_token_bytes", FIELD_SIZE, jwt_max_token_bytes, 256, 1024 * 1024),
};

static const field limits_fields[] = {
    FIELD("max_statement_bytes", FIELD_SIZE, max_statement_bytes, 16, 16LL * 1024 * 1024),
    FIELD("max_parameter_depth", FIELD_INT, max_parameter_depth, 1, 1000),
    FIELD("max_bookmarks", FIELD_INT, max_bookmarks, 0, 10000),
    FIELD("token_failures_per_client", FIELD_INT, token_failures_per_client, 1, 1000000),
    FIELD("token_failures_per_address", FIELD_INT, token_failures_per_address, 1, 1000000),
    FIELD("token_failure_window_s", FIELD_INT, token_failure_window_s, 1, 86400),
};

static const field log_fields[] = {
    FIELD("level", FIELD_STRING, log_level, 0, 0),
};

static const field ssm_fields[] = {
    FIELD("region", FIELD_STRING, ssm_region, 0, 0),
    FIELD("endpoint", FIELD_STRING, ssm_endpoint, 0, 0),
    FIELD("max_attempts", FIELD_INT, ssm_max_attempts, 1, 20),
    FIELD("base_delay_ms", FIELD_LONG, ssm_base_delay_ms, 1, 60000),
    FIELD("max_delay_ms", FIELD_LONG, ssm_max_delay_ms, 1, 300000),
};

#define SECTION(n, f) {n, f, sizeof f / sizeof f[0]}

static const section sections[] = {
    SECTION("server", server_fields),
    SECTION("neo4j", neo4j_fields),
    SECTION("jwt", jwt_fields),
    SECTION("limits", limits_fields),
    SECTION("log", log_fields),
    SECTION("ssm", ssm_fields),
};

typedef struct parse_ctx {
    yaml_document_t *doc;
    const char *source;
    gw_error_detail *err;
    gw_config *config;
} parse_ctx;

static int node_line(const yaml_node_t *node)
{
    return node ? (int)node->start_mark.line + 1 : 0;
}

static int node_column(const yaml_node_t *node)
{
    return node ? (int)node->start_mark.column + 1 : 0;
}

static gw_err fail_at(parse_ctx *ctx, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static gw_err fail_at(parse_ctx *ctx, const yaml_node_t *node, const char *fmt, ...)
{
    char message[sizeof ctx->err->message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return gw_error_set_at(ctx->err, GW_ERR_CONFIG, ctx->source, node_line(node),
                           node_column(node), "%s", message);
}

static const char *scalar_text(const yaml_node_t *node)
{
    return (const char *)node->data.scalar.value;
}

/*
 * Expands ${NAME} and ${NAME:-default} from the environment into a new
 * string. Docker and ECS hand settings to containers as environment
 * variables, so one config file serves every deployment.
 */
static gw_err expand_env(parse_ctx *ctx, const yaml_node_t *node, const char *key, char **out)
{
    const char *in = scalar_text(node);
    size_t cap = strlen(in) + 1;
    size_t len = 0;
    char *buf = malloc(cap);
    gw_err rc = GW_ERR_NOMEM;

    if (!buf)
        goto out;

    while (*in) {
        const char *value;
        const char *close;
        const char *fallback = NULL;
        char name[128];
        size_t name_len, value_len;

        if (in[0] != '$' || in[1] != '{') {
            buf[len++] = *in++;
            continue;
        }
        close = strchr(in + 2, '}');
        if (!close) {
            rc = fail_at(ctx, node, "key '%s': '${' has no closing '}'", key);
            goto out;
        }
        name_len = (size_t)(close - (in + 2));
        {
            const char *dash = memchr(in + 2, ':', name_len);

            if (dash && dash + 1 < close && dash[1] == '-') {
                fallback = dash + 2;
                name_len = (size_t)(dash - (in + 2));
            }
        }
        if (name_len == 0 || name_len >= sizeof name) {
            rc = fail_at(ctx, node, "key '%s': invalid environment variable reference", key);
            goto out;
        }
        memcpy(name, in + 2, name_len);
        name[name_len] = '\0';

        value = getenv(name);
        if (value && value[0] != '\0') {
            value_len = strlen(value);
        } else if (fallback) {
            value = fallback;
            value_len = (size_t)(close - fallback);
        } else {
            rc = fail_at(ctx, node, "key '%s': environment variable %s is not set; export it or write "
                         "${%s:-default}", key, name, name);
            goto out;
        }

        if (len + value_len + strlen(close + 1) + 1 > cap) {
            char *grown;

            cap = len + value_len + strlen(close + 1) + 1;
            grown = realloc(buf, cap);
            if (!grown)
                goto out;
            buf = grown;
        }
        memcpy(buf + len, value, value_len);
        len += value_len;
        in = close + 1;
    }
    buf[len] = '\0';
    *out = buf;
    buf = NULL;
    rc = GW_OK;

out:
    free(buf);
    return rc;
}

static gw_err parse_integer(parse_ctx *ctx, const yaml_node_t *node, const char *key,
                            const char *text, long long min, long long max, long long *out)
{
    char *end = NULL;
    long long value;

    errno = 0;
    value = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return fail_at(ctx, node, "key '%s' must be an integer, got '%s'", key, text);
    if (value < min || value > max)
        return fail_at(ctx, node, "key '%s' must be %lld..%lld, got %lld", key, min, max, value);
    *out = value;
    return GW_OK;
}

static gw_err set_field(parse_ctx *ctx, const char *section_name, const field *f,
                        const yaml_node_t *value_node)
{
    char key[96];
    char *text = NULL;
    char *slot = (char *)ctx->config + f->offset;
    long long number = 0;
    gw_err rc;

    snprintf(key, sizeof key, "%s.%s", section_name, f->key);
    if (value_node->type != YAML_SCALAR_NODE)
        return fail_at(ctx, value_node, "key '%s' must be a single value, not a list or map", key);

    rc = expand_env(ctx, value_node, key, &text);
    if (rc != GW_OK)
        return rc;

    switch (f->type) {
    case FIELD_STRING:
        if (text[0] == '\0') {
            rc = fail_at(ctx, value_node, "key '%s' must not be empty", key);
            break;
        }
        free(*(char **)slot);
        *(char **)slot = text;
        text = NULL;
        break;
    case FIELD_INT:
        rc = parse_integer(ctx, value_node, key, text, f->min, f->max, &number);
        if (rc == GW_OK)
            *(int *)slot = (int)number;
        break;
    case FIELD_LONG:
        rc = parse_integer(ctx, value_node, key, text, f->min, f->max, &number);
        if (rc == GW_OK)
            *(long *)slot = (long)number;
        break;
    case FIELD_SIZE:
        rc = parse_integer(ctx, value_node, key, text, f->min, f->max, &number);
        if (rc == GW_OK)
            *(size_t *)slot = (size_t)number;
        break;
    case FIELD_SECRET: {
        gw_secret_ref *ref = (gw_secret_ref *)slot;
        gw_error_detail inner;

        gw_secret_ref_clear(ref);
        rc = gw_secret_ref_parse(text, ref, &inner);
        if (rc == GW_ERR_CONFIG)
            rc = fail_at(ctx, value_node, "key '%s': %s", key, inner.message);
        break;
    }
    }
    free(text);
    return rc;
}

static gw_err parse_jwt_keys(parse_ctx *ctx, const yaml_node_t *seq);

static gw_err parse_section(parse_ctx *ctx, const section *sec, const yaml_node_t *map)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail_at(ctx, map, "section '%s' must be a map of keys", sec->name);

    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(ctx->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(ctx->doc, pair->value);
        const field *found = NULL;
        gw_err rc;

        if (!k || !v || k->type != YAML_SCALAR_NODE)
            return fail_at(ctx, k, "section '%s' has a key that is not a plain name", sec->name);
        if (strcmp(sec->name, "jwt") == 0 && strcmp(scalar_text(k), "verify_keys") == 0) {
            rc = parse_jwt_keys(ctx, v);
            if (rc != GW_OK)
                return rc;
            continue;
        }
        for (size_t i = 0; i < sec->n_fields; i++) {
            if (strcmp(scalar_text(k), sec->fields[i].key) == 0) {
                found = &sec->fields[i];
                break;
            }
        }
        if (!found)
            return fail_at(ctx, k, "unknown key '%s.%.64s'; see the configuration reference in README.md",
                           sec->name, scalar_text(k));
        /* libyaml keeps repeated keys; a repeat is almost always a mistake. */
        for (yaml_node_pair_t *prev = map->data.mapping.pairs.start; prev < pair; prev++) {
            yaml_node_t *pk = yaml_document_get_node(ctx->doc, prev->key);

            if (pk && pk->type == YAML_SCALAR_NODE && strcmp(scalar_text(pk), scalar_text(k)) == 0)
                return fail_at(ctx, k, "key '%s.%s' is set twice (first at line %d)", sec->name, scalar_text(k),
                               node_line(pk));
        }
        rc = set_field(ctx, sec->name, found, v);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* Reads a YAML list of strings into a new array. */
static gw_err parse_string_list(parse_ctx *ctx, const yaml_node_t *seq, const char *key, char ***out, size_t *n_out)
{
    size_t n;
    char **items;

    if (seq->type != YAML_SEQUENCE_NODE)
        return fail_at(ctx, seq, "key '%s' must be a list of strings", key);
    n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    items = calloc(n ? n : 1, sizeof *items);
    if (!items)
        return GW_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(ctx->doc, seq->data.sequence.items.start[i]);
        gw_err rc;

        if (!item || item->type != YAML_SCALAR_NODE) {
            for (size_t j = 0; j < i; j++)
                free(items[j]);
            free(items);
            return fail_at(ctx, seq, "key '%s' must be a list of strings", key);
        }
        rc = expand_env(ctx, item, key, &items[i]);
        if (rc != GW_OK) {
            for (size_t j = 0; j < i; j++)
                free(items[j]);
            free(items);
            return rc;
        }
    }
    *out = items;
    *n_out = n;
    return GW_OK;
}

static void free_string_list(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static gw_err parse_bool(parse_ctx *ctx, const yaml_node_t *v, const char *key, int *out)
{
    const char *text = v->type == YAML_SCALAR_NODE ? scalar_text(v) : "";

    if (strcmp(text, "true") == 0)
        *out = 1;
    else if (strcmp(text, "false") == 0)
        *out = 0;
    else
        return fail_at(ctx, v, "key '%s' must be true or false", key);
    return GW_OK;
}

/* Reads the policy section: allow_load_csv, deny_procedures, cache_entries. */
static gw_err parse_policy(parse_ctx *ctx, const yaml_node_t *map)
{
    gw_config *c = ctx->config;

    if (map->type != YAML_MAPPING_NODE)
        return fail_at(ctx, map, "section 'policy' must be a map of keys");
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(ctx->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(ctx->doc, pair->value);
        gw_err rc;

        if (!k || !v || k->type != YAML_SCALAR_NODE)
            return fail_at(ctx, map, "section 'policy' has a key that is not a plain name");
        if (strcmp(scalar_text(k), "allow_load_csv") == 0) {
            rc = parse_bool(ctx, v, "policy.allow_load_csv", &c->allow_load_csv);
        } else if (strcmp(scalar_text(k), "deny_procedures") == 0) {
            free_string_list(c->deny_procedures, c->n_deny_procedures);
            c->deny_procedures = NULL;
            c->n_deny_procedures = 0;
            rc = parse_string_list(ctx, v, "policy.deny_procedures", &c->deny_procedures, &c->n_deny_procedures);
        } else if (strcmp(scalar_text(k), "cache_entries") == 0) {
            long long n = 0;

            if (v->type != YAML_SCALAR_NODE)
                return fail_at(ctx, v, "key 'policy.cache_entries' must be an integer");
            rc = parse_integer(ctx, v, "policy.cache_entries", scalar_text(v), 1, 1000000, &n);
            if (rc == GW_OK)
                c->policy_cache_entries = (size_t)n;
        } else {
            return fail_at(ctx, k, "unknown key 'policy.%.64s'; expected allow_load_csv, deny_procedures, "
                           "cache_entries", scalar_text(k));
        }
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* Reads a client's `queries`: a map of name to statement. */
static gw_err parse_named_queries(parse_ctx *ctx, gw_client_config *client, const yaml_node_t *map)
{
    size_t n;

    if (map->type != YAML_MAPPING_NODE)
        return fail_at(ctx, map, "client '%s': 'queries' must be a map of name: statement", client->id);
    n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    client->queries = calloc(n ? n : 1, sizeof *client->queries);
    if (!client->queries)
        return GW_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *pair = &map->data.mapping.pairs.start[i];
        yaml_node_t *k = yaml_document_get_node(ctx->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(ctx->doc, pair->value);

        if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE || scalar_text(v)[0] == '\0')
            return fail_at(ctx, map, "client '%s': every named query is name: \"statement\"", client->id);
        client->n_queries = i + 1;
        client->queries[i].name = strdup(scalar_text(k));
        client->queries[i].statement = strdup(scalar_text(v));
        if (!client->queries[i].name || !client->queries[i].statement)
            return GW_ERR_NOMEM;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(client->queries[j].name, client->queries[i].name) == 0)
                return fail_at(ctx, k, "client '%s': named query '%.64s' is defined twice", client->id,
                               client->queries[i].name);
        }
    }
    return GW_OK;
}

/* Reads jwt.verify_keys: a list of {kid, alg, public_key}. */
static gw_err parse_jwt_keys(parse_ctx *ctx, const yaml_node_t *seq)
{
    gw_config *config = ctx->config;
    size_t n;

    if (seq->type != YAML_SEQUENCE_NODE)
        return fail_at(ctx, seq, "'jwt.verify_keys' must be a list of {kid, alg, public_key}");
    if (config->jwt_keys)
        return fail_at(ctx, seq, "'jwt.verify_keys' is set twice");
    n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    config->jwt_keys = calloc(n ? n : 1, sizeof *config->jwt_keys);
    if (!config->jwt_keys)
        return GW_ERR_NOMEM;

    for (size_t i = 0; i < n; i++) {
        yaml_node_t *map = yaml_document_get_node(ctx->doc, seq->data.sequence.items.start[i]);
        gw_jwt_key_config *key = &config->jwt_keys[i];
        char *ref_text = NULL;
        const yaml_node_t *ref_node = NULL;
        gw_error_detail inner;
        gw_err rc;

        config->n_jwt_keys = i + 1;
        if (!map || map->type != YAML_MAPPING_NODE)
            return fail_at(ctx, seq, "every entry of 'jwt.verify_keys' must be a map with kid, alg, public_key");
        key->line = node_line(map);
        for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
            yaml_node_t *k = yaml_document_get_node(ctx->doc, pair->key);
            yaml_node_t *v = yaml_document_get_node(ctx->doc, pair->value);
            char **slot = NULL;

            if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
                free(ref_text);
                return fail_at(ctx, map, "'jwt.verify_keys' entries hold plain values only");
            }
            if (strcmp(scalar_text(k), "kid") == 0) {
                slot = &key->kid;
            } else if (strcmp(scalar_text(k), "alg") == 0) {
                slot = &key->alg;
            } else if (strcmp(scalar_text(k), "public_key") == 0) {
                slot = &ref_text, ref_node = v;
            } else {
                free(ref_text);
                return fail_at(ctx, k, "unknown key '%.64s' in jwt.verify_keys; expected kid, alg, public_key",
                               scalar_text(k));
            }
            free(*slot);
            *slot = NULL;
            rc = expand_env(ctx, v, "jwt.verify_keys", slot);
            if (rc != GW_OK) {
                free(ref_text);
                return rc;
            }
        }
        if (!key->kid || key->kid[0] == '\0' || strlen(key->kid) > 64) {
            free(ref_text);
            return fail_at(ctx, map, "a jwt.verify_keys entry needs a 'kid' of 1..64 characters");
        }
        if (!key->alg || (strcmp(key->alg, "RS256") != 0 && strcmp(key->alg, "ES256") != 0)) {
            free(ref_text);
            return fail_at(ctx, map, "jwt.verify_keys '%s': alg must be RS256 or ES256", key->kid);
        }
        if (!ref_text) {
            return fail_at(ctx, map, "jwt.verify_keys '%s': public_key is required, e.g. file:/etc/keys/%s.pem",
                           key->kid, key->kid);
        }
        rc = gw_secret_ref_parse(ref_text, &key->public_key, &inner);
        free(ref_text);
        if (rc == GW_ERR_CONFIG)
            return fail_at(ctx, ref_node, "jwt.verify_keys '%s': %s", key->kid, inner.message);
        if (rc != GW_OK)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(config->jwt_keys[j].kid, key->kid) == 0)
                return fail_at(ctx, map, "jwt.verify_keys: kid '%s' is defined twice", key->kid);
        }
    }
    return GW_OK;
}

static gw_err parse_client_databases(parse_ctx *ctx, gw_client_config *client, const yaml_node_t *v)
{
    size_t n;

    if (v->type != YAML_SEQUENCE_NODE)
        return fail_at(ctx, v, "client '%s': key 'databases' must be a list, e.g. [neo4j]", client->id);
    n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0)
        return fail_at(ctx, v, "client '%s': key 'databases' must list at least one database or \"*\"",
                       client->id);
    client->databases = calloc(n, sizeof *client->databases);
    if (!client->databases)
        return GW_ERR_NOMEM;

    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(ctx->doc, v->data.sequence.items.start[i]);
        char *name = NULL;
        gw_err rc;

        if (!item || item->type != YAML_SCALAR_NODE)
            return fail_at(ctx, v, "client '%s': every database must be a name", client->id);
        rc = expand_env(ctx, item, "clients[].databases", &name);
        if (rc != GW_OK)
            return rc;
        client->databases[i] = name;
        client->n_databases = i + 1;
        if (strcmp(name, "*") != 0 && !gw_database_name_valid(name))
            return fail_at(ctx, item, "client '%s': invalid database name '%.64s'; use letters, digits, "
                           "'.', '-' or '_' (at most %d characters), or \"*\" for all",
                           client->id, name, GW_DB_NAME_MAX);
    }
    return GW_OK;
}

static int client_id_valid(const char *id)
{
    size_t len = strlen(id);

    if (len == 0 || len > 128)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)id[i];

        if (!isalnum(c) && c != '-' && c != '_' && c != '.')
            return 0;
    }
    return 1;
}

static gw_err parse_client(parse_ctx *ctx, const yaml_node_t *map, gw_client_config *client)
{
    const yaml_node_t *id_node = NULL, *hash_node = NULL, *db_node = NULL;
    const yaml_node_t *mode_node = NULL, *ttl_node = NULL, *admin_node = NULL;
    const yaml_node_t *csv_node = NULL, *deny_node = NULL, *named_node = NULL, *queries_node = NULL;
    char key[160];
    gw_error_detail inner;
    long long ttl = 0;
    gw_err rc;

    client->line = node_line(map);
    if (map->type != YAML_MAPPING_NODE)
        return fail_at(ctx, map, "every entry of 'clients' must be a map with id, secret_hash, databases, mode");

    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(ctx->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(ctx->doc, pair->value);
        const char *name;

        if (!k || !v || k->type != YAML_SCALAR_NODE)
            return fail_at(ctx, map, "a client has a key that is not a plain name");
        name = scalar_text(k);
        if (strcmp(name, "databases") != 0 && strcmp(name, "deny_procedures") != 0 && strcmp(name, "queries") != 0 &&
            v->type != YAML_SCALAR_NODE)
            return fail_at(ctx, v, "client key '%.64s' must be a single value", name);
        if (strcmp(name, "id") == 0)
            id_node = v;
        else if (strcmp(name, "secret_hash") == 0)
            hash_node = v;
        else if (strcmp(name, "databases") == 0)
            db_node = v;
        else if (strcmp(name, "mode") == 0)
            mode_node = v;
        else if (strcmp(name, "token_ttl_s") == 0)
            ttl_node = v;
        else if (strcmp(name, "admin") == 0)
            admin_node = v;
        else if (strcmp(name, "allow_load_csv") == 0)
            csv_node = v;
        else if (strcmp(name, "deny_procedures") == 0)
            deny_node = v;
        else if (strcmp(name, "named_only") == 0)
            named_node = v;
        else if (strcmp(name, "queries") == 0)
            queries_node = v;
        else
            return fail_at(ctx, k, "unknown client key '%.64s'; expected id, secret_hash, databases, mode, "
                           "token_ttl_s, admin, allow_load_csv, deny_procedures, named_only, queries", name);
    }

    if (!id_node)
        return fail_at(ctx, map, "a client has no 'id'");
    rc = expand_env(ctx, id_node, "clients[].id", &client->id);
    if (rc != GW_OK)
        return rc;
    if (!client_id_valid(client->id))
        return fail_at(ctx, id_node, "client id '%.64s' is invalid; use 1..128 letters, digits, '.', '-' or '_'",
                       client->id);

    if (!hash_node)
        return fail_at(ctx, map, "client '%s' has no 'secret_hash'; generate one with "
                       "'cypher-gateway hash-secret'", client->id);
    snprintf(key, sizeof key, "clients[%s].secret_hash", client->id);
    {
        char *text = NULL;

        rc = expand_env(ctx, hash_node, key, &text);
        if (rc != GW_OK)
            return rc;
        rc = gw_secret_ref_parse(text, &client->secret_hash, &inner);
        free(text);
        if (rc == GW_ERR_CONFIG)
            return fail_at(ctx, hash_node, "key '%s': %s", key, inner.message);
        if (rc != GW_OK)
            return rc;
    }

    if (!db_node)
        return fail_at(ctx, map, "client '%s' has no 'databases' list", client->id);
    rc = parse_client_databases(ctx, client, db_node);
    if (rc != GW_OK)
        return rc;

    client->mode = GW_MODE_READ;
    if (mode_node) {
        char *mode = NULL;
        int valid = 1;

        rc = expand_env(ctx, mode_node, "clients[].mode", &mode);
        if (rc != GW_OK)
            return rc;
        if (strcmp(mode, "read") == 0)
            client->mode = GW_MODE_READ;
        else if (strcmp(mode, "write") == 0)
            client->mode = GW_MODE_WRITE;
        else
            valid = 0;
        free(mode);
        if (!valid)
            return fail_at(ctx, mode_node, "client '%s': mode must be 'read' or 'write'", client->id);
    }

    if (admin_node) {
        const char *admin = scalar_text(admin_node);

        if (strcmp(admin, "true") == 0)
            client->admin = 1;
        else if (strcmp(admin, "false") != 0)
            return fail_at(ctx, admin_node, "client '%s': admin must be true or false", client->id);
    }
    for (size_t i = 0; i < client->n_databases; i++) {
        if (strcasecmp(client->databases[i], "system") == 0 && !client->admin)
            return fail_at(ctx, db_node, "client '%s' lists the system database but is not marked 'admin: true'",
                           client->id);
    }

    client->allow_load_csv = -1;
    if (csv_node) {
        rc = parse_bool(ctx, csv_node, "clients[].allow_load_csv", &client->allow_load_csv);
        if (rc != GW_OK)
            return rc;
    }
    if (deny_node) {
        rc = parse_string_list(ctx, deny_node, "clients[].deny_procedures", &client->deny_procedures,
                               &client->n_deny_procedures);
        if (rc != GW_OK)
            return rc;
    }
    if (named_node) {
        rc = parse_bool(ctx, named_node, "clients[].named_only", &client->named_only);
        if (rc != GW_OK)
            return rc;
    }
    if (queries_node) {
        rc = parse_named_queries(ctx, client, queries_node);
        if (rc != GW_OK)
            return rc;
    }
    if (client->named_only && client->n_queries == 0)
        return fail_at(ctx, map, "client '%s' is named_only but has no 'queries'", client->id);

    if (ttl_node) {
        char *text = NULL;

        snprintf(key, sizeof key, "clients[%s].token_ttl_s", client->id);
        rc = expand_env(ctx, ttl_node, key, &text);
        if (rc != GW_OK)
            return rc;
        rc = parse_integer(ctx, ttl_node, key, text, 10, 86400, &ttl);
        free(text);
        if (rc != GW_OK)
            return rc;
        client->token_ttl_s = (long)ttl;
    }
    return GW_OK;
}

static gw_err parse_clients(parse_ctx *ctx, const yaml_node_t *seq)
{
    gw_config *config = ctx->config;
    size_t n;

    if (seq->type != YAML_SEQUENCE_NODE)
        return fail_at(ctx, seq, "'clients' must be a list of client maps");
    n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (n == 0)
        return GW_OK;
    config->clients = calloc(n, sizeof *config->clients);
    if (!config->clients)
        return GW_ERR_NOMEM;

    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(ctx->doc, seq->data.sequence.items.start[i]);
        gw_err rc;

        if (!item)
            return fail_at(ctx, seq, "'clients' has an empty entry");
        config->n_clients = i + 1;
        rc = parse_client(ctx, item, &config->clients[i]);
        if (rc != GW_OK)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(config->clients[j].id, config->clients[i].id) == 0)
                return fail_at(ctx, item, "client id '%s' is defined twice (first at line %d)",
                               config->clients[i].id, config->clients[j].line);
        }
    }
    return GW_OK;
}

static gw_err set_default_string(char **slot, const char *value)
{
    if (*slot)
        return GW_OK;
    *slot = strdup(value);
    return *slot ? GW_OK : GW_ERR_NOMEM;
}

static void apply_defaults(gw_config *c)
{
    c->port = 8080;
    c->threads = 16;
    c->max_connections = 1024;
    c->connection_timeout_s = 30;
    c->max_body_bytes = 1024 * 1024;
    c->drain_timeout_s = 25;
    c->pool_size = 16;
    c->acquire_timeout_ms = 2000;
    c->connect_timeout_ms = 3000;
    c->request_timeout_ms = 25000;
    c->max_idle_s = 25; /* below Neo4j's own idle timeout of about 30 s */
    c->max_result_bytes = 64 * 1024 * 1024;
    c->jwt_ttl_s = 900;
    c->jwt_leeway_s = 30;
    c->jwt_max_token_bytes = 8192;
    c->policy_cache_entries = 4096;
    c->max_statement_bytes = 65536;
    c->max_parameter_depth = 32;
    c->max_bookmarks = 64;
    c->token_failures_per_client = 10;
    c->token_failures_per_address = 30;
    c->token_failure_window_s = 60;
    c->ssm_max_attempts = 8;
    c->ssm_base_delay_ms = 100;
    c->ssm_max_delay_ms = 5000;
}

static gw_err finish_defaults(gw_config *c)
{
    gw_err rc;

    if ((rc = set_default_string(&c->listen_address, "127.0.0.1")) != GW_OK)
        return rc;
    if ((rc = set_default_string(&c->neo4j_user, "neo4j")) != GW_OK)
        return rc;
    if ((rc = set_default_string(&c->neo4j_database, "neo4j")) != GW_OK)
        return rc;
    if ((rc = set_default_string(&c->jwt_issuer, "cypher-gateway")) != GW_OK)
        return rc;
    if ((rc = set_default_string(&c->jwt_audience, "cypher-gateway")) != GW_OK)
        return rc;
    if ((rc = set_default_string(&c->log_level, "info")) != GW_OK)
        return rc;
    if (!c->deny_procedures) {
        /* Procedures that reach the network or the file system, run other
         * Cypher, or change the server; docs/security.md explains each. */
        static const char *const defaults[] = {
            "dbms.*", "apoc.load.*", "apoc.cypher.*", "apoc.export.*", "apoc.import.*", "apoc.trigger.*",
            "apoc.periodic.*", "apoc.systemdb.*", "apoc.custom.*", "apoc.config.*", "apoc.log.*",
            /* Query statistics show other clients' statements and parameter
             * values; the others change server-wide state or the schema. */
            "db.stats.*", "db.clearQueryCaches", "db.resample*", "db.prepareForReplanning",
            "db.index.*.create*", "db.index.*.drop*",
        };
        size_t n = sizeof defaults / sizeof defaults[0];

        c->deny_procedures = calloc(n, sizeof *c->deny_procedures);
        if (!c->deny_procedures)
            return GW_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            c->deny_procedures[i] = strdup(defaults[i]);
            if (!c->deny_procedures[i])
                return GW_ERR_NOMEM;
            c->n_deny_procedures = i + 1;
        }
    }
    return GW_OK;
}

/* Checks rules that span keys, after everything is read. */
static gw_err validate(parse_ctx *ctx, const yaml_node_t *root)
{
    gw_config *c = ctx->config;
    size_t url_len;

    if (!c->neo4j_url)
        return fail_at(ctx, root, "key 'neo4j.url' is required, e.g. http://127.0.0.1:7474");
    if (strncmp(c->neo4j_url, "http://", 7) != 0 && strncmp(c->neo4j_url, "https://", 8) != 0)
        return fail_at(ctx, root, "key 'neo4j.url' must start with http:// or https://, got '%.128s'",
                       c->neo4j_url);
    url_len = strlen(c->neo4j_url);
    while (url_len > 0 && c->neo4j_url[url_len - 1] == '/')
        c->neo4j_url[--url_len] = '\0';
    if (c->neo4j_password.kind == GW_SECRET_NONE)
        return fail_at(ctx, root, "key 'neo4j.password' is required, e.g. env:NEO4J_PASSWORD");
    if (c->jwt_signing_key.kind == GW_SECRET_NONE)
        return fail_at(ctx, root, "key 'jwt.signing_key' is required, e.g. env:JWT_SIGNING_KEY");
    if (!gw_database_name_valid(c->neo4j_database))
        return fail_at(ctx, root, "key 'neo4j.database': invalid database name '%.64s'", c->neo4j_database);
    if (strcmp(c->log_level, "debug") && strcmp(c->log_level, "info") && strcmp(c->log_level, "warn") &&
        strcmp(c->log_level, "error"))
        return fail_at(ctx, root, "key 'log.level' must be debug, info, warn or error, got '%.16s'",
                       c->log_level);
    if (c->ssm_base_delay_ms > c->ssm_max_delay_ms)
        return fail_at(ctx, root, "key 'ssm.base_delay_ms' (%ld) must not exceed 'ssm.max_delay_ms' (%ld)",
                       c->ssm_base_delay_ms, c->ssm_max_delay_ms);
    return GW_OK;
}

gw_err gw_config_parse(const char *text, size_t len, const char *source,
                       gw_config **out, gw_error_detail *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int parser_ready = 0, doc_ready = 0;
    parse_ctx ctx;
    gw_config *config = NULL;
    yaml_node_t *root;
    gw_err rc = GW_ERR_NOMEM;

    *out = NULL;
    config = calloc(1, sizeof *config);
    if (!config)
        goto out;
    apply_defaults(config);
    config->source = strdup(source ? source : "<config>");
    if (!config->source)
        goto out;

    ctx.doc = &doc;
    ctx.source = config->source;
    ctx.err = err;
    ctx.config = config;

    if (!yaml_parser_initialize(&parser))
        goto out;
    parser_ready = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = gw_error_set_at(err, GW_ERR_CONFIG, config->source, (int)parser.problem_mark.line + 1,
                             (int)parser.problem_mark.column + 1, "YAML syntax error: %s%s%s",
                             parser.problem ? parser.problem : "unknown problem",
                             parser.context ? " " : "", parser.context ? parser.context : "");
        goto out;
    }
    doc_ready = 1;

    root = yaml_document_get_root_node(&doc);
    if (!root) {
        rc = gw_error_set_at(err, GW_ERR_CONFIG, config->source, 1, 1,
                             "the configuration is empty; start from config/gateway.yaml");
        goto out;
    }
    if (root->type != YAML_MAPPING_NODE) {
        rc = fail_at(&ctx, root, "the top level must be a map with server, neo4j, jwt, log and clients");
        goto out;
    }

    for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
         pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
        const section *found = NULL;

        if (!k || !v || k->type != YAML_SCALAR_NODE) {
            rc = fail_at(&ctx, root, "a top-level key is not a plain name");
            goto out;
        }
        for (yaml_node_pair_t *prev = root->data.mapping.pairs.start; prev < pair; prev++) {
            yaml_node_t *pk = yaml_document_get_node(&doc, prev->key);

            if (pk && pk->type == YAML_SCALAR_NODE && strcmp(scalar_text(pk), scalar_text(k)) == 0) {
                rc = fail_at(&ctx, k, "section '%.64s' appears twice (first at line %d); merge them",
                             scalar_text(k), node_line(pk));
                goto out;
            }
        }
        if (strcmp(scalar_text(k), "policy") == 0) {
            rc = parse_policy(&ctx, v);
            if (rc != GW_OK)
                goto out;
            continue;
        }
        if (strcmp(scalar_text(k), "clients") == 0) {
            rc = parse_clients(&ctx, v);
            if (rc != GW_OK)
                goto out;
            continue;
        }
        for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
            if (strcmp(scalar_text(k), sections[i].name) == 0)
                found = &sections[i];
        }
        if (!found) {
            rc = fail_at(&ctx, k, "unknown section '%.64s'; expected server, neo4j, jwt, limits, policy, log, ssm or clients",
                         scalar_text(k));
            goto out;
        }
        rc = parse_section(&ctx, found, v);
        if (rc != GW_OK)
            goto out;
    }

    rc = finish_defaults(config);
    if (rc != GW_OK)
        goto out;
    rc = validate(&ctx, root);
    if (rc != GW_OK)
        goto out;

    *out = config;
    config = NULL;

out:
    if (rc == GW_ERR_NOMEM)
        gw_error_set(err, rc, "out of memory while parsing %s", source ? source : "the configuration");
    if (doc_ready)
        yaml_document_delete(&doc);
    if (parser_ready)
        yaml_parser_delete(&parser);
    gw_config_free(config);
    return rc;
}

gw_err gw_config_load(const char *path, gw_config **out, gw_error_detail *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len;
    gw_err rc;

    *out = NULL;
    if (!f)
        return gw_error_set_at(err, GW_ERR_CONFIG, path, 0, 0, "cannot open configuration file: %s",
                               strerror(errno));
    buf = malloc(CONFIG_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        return GW_ERR_NOMEM;
    }
    len = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
    fclose(f);
    if (len > CONFIG_FILE_MAX) {
        free(buf);
        return gw_error_set_at(err, GW_ERR_CONFIG, path, 0, 0, "configuration file is larger than %d bytes",
                               CONFIG_FILE_MAX);
    }
    rc = gw_config_parse(buf, len, path, out, err);
    free(buf);
    return rc;
}

static void client_free(gw_client_config *client)
{
    for (size_t i = 0; i < client->n_queries; i++) {
        free(client->queries[i].name);
        free(client->queries[i].statement);
    }
    free(client->queries);
    free_string_list(client->deny_procedures, client->n_deny_procedures);
    free(client->id);
    gw_secret_ref_clear(&client->secret_hash);
    for (size_t i = 0; i < client->n_databases; i++)
        free(client->databases[i]);
    free(client->databases);
}

void gw_config_free(gw_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_clients; i++)
        client_free(&c->clients[i]);
    free(c->clients);
    free(c->source);
    free(c->listen_address);
    free(c->neo4j_url);
    free(c->neo4j_user);
    gw_secret_ref_clear(&c->neo4j_password);
    free(c->neo4j_database);
    free(c->neo4j_ca_file);
    free(c->jwt_issuer);
    free(c->jwt_audience);
    gw_secret_ref_clear(&c->jwt_signing_key);
    for (size_t i = 0; i < c->n_jwt_keys; i++) {
        free(c->jwt_keys[i].kid);
        free(c->jwt_keys[i].alg);
        gw_secret_ref_clear(&c->jwt_keys[i].public_key);
    }
    free(c->jwt_keys);
    free(c->log_level);
    free_string_list(c->deny_procedures, c->n_deny_procedures);
    free(c->ssm_region);
    free(c->ssm_endpoint);
    free(c);
}

const char *gw_client_named_query(const gw_client_config *client, const char *name)
{
    for (size_t i = 0; i < client->n_queries; i++) {
        if (strcmp(client->queries[i].name, name) == 0)
            return client->queries[i].statement;
    }
    return NULL;
}

const gw_client_config *gw_config_find_client(const gw_config *config, const char *id)
{
    for (size_t i = 0; i < config->n_clients; i++) {
        if (strcmp(config->clients[i].id, id) == 0)
            return &config->clients[i];
    }
    return NULL;
}

int gw_database_name_valid(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > GW_DB_NAME_MAX || !isalnum((unsigned char)name[0]))
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (!isalnum(c) && c != '.' && c != '-' && c != '_')
            return 0;
    }
    return 1;
}

const char *gw_mode_name(gw_mode mode)
{
    return mode == GW_MODE_WRITE ? "write" : "read";
}
