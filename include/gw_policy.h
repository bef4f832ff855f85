/*
 * gw_policy.h - what a statement may do, decided from Neo4j's query plan.
 *
 * The gateway never guesses from statement text. It requests Neo4j's plan of the
 * statement (EXPLAIN, which runs nothing) and reads the plan's operators:
 * LoadCSV, ProcedureCall with the procedure's name, administration and
 * schema commands, and the database each operator runs on (a USE clause
 * or an administration command can move a statement to another database).
 * The features found are cached per database and statement text, so a
 * repeated statement costs no second EXPLAIN.
 *
 * Pure except gw_policy_cache (a mutex-guarded LRU). Ownership: features
 * own their procedure list (gw_plan_features_clear frees it); the cache
 * copies what it stores.
 */
#ifndef GW_POLICY_H
#define GW_POLICY_H

#include <stddef.h>

#include <jansson.h>

#include "gw_config.h"
#include "gw_error.h"

#define GW_PLAN_LOAD_CSV 0x1u
#define GW_PLAN_ADMIN 0x2u    /* administration, schema or transaction management command */
#define GW_PLAN_OTHER_DB 0x4u /* an operator runs on another database */

typedef struct gw_plan_features {
    unsigned flags;
    char admin_operator[64]; /* first administration operator, for messages */
    char other_db[GW_DB_NAME_MAX + 1];
    char *procedures;        /* names of called procedures and functions seen, '\n'-separated; may be NULL */
    size_t procedures_len;
} gw_plan_features;

/* Reads the features of `plan` (the "queryPlan" object of an EXPLAIN
 * response) run against `database`. Returns GW_OK, GW_ERR_NOMEM, or
 * GW_ERR_NEO4J_BAD_RESPONSE when the plan has an unexpected shape. */
gw_err gw_plan_features_read(const json_t *plan, const char *database, gw_plan_features *out);

void gw_plan_features_clear(gw_plan_features *features);

/* The rules one client is held to. Patterns are fnmatch(3) globs matched
 * case-insensitively against procedure and function names, e.g. "dbms.*". */
typedef struct gw_policy_rules {
    int allow_load_csv;
    int allow_admin;
    const char *const *deny_procedures;
    size_t n_deny_procedures;
} gw_policy_rules;

/* Returns GW_OK when `features` pass `rules`, else GW_ERR_POLICY_DENIED
 * with a message naming the feature and the rule. */
gw_err gw_policy_check(const gw_plan_features *features, const gw_policy_rules *rules, gw_error_detail *err);

/* Returns nonzero when `rules` allow everything, so no plan is needed. */
int gw_policy_allows_all(const gw_policy_rules *rules);

typedef struct gw_policy_cache gw_policy_cache;

gw_policy_cache *gw_policy_cache_new(size_t capacity);
void gw_policy_cache_free(gw_policy_cache *cache);

/* Copies the cached features of (database, statement) into `out` and
 * returns 1, or returns 0 when absent (or -1 when out of memory). */
int gw_policy_cache_get(gw_policy_cache *cache, const char *database, const char *statement, size_t len,
                        gw_plan_features *out);

/* Stores a copy of `features`, evicting the least recently used entry
 * when full. */
void gw_policy_cache_put(gw_policy_cache *cache, const char *database, const char *statement, size_t len,
                         const gw_plan_features *features);

/* Returns the number of cached entries. */
size_t gw_policy_cache_size(gw_policy_cache *cache);

#endif
