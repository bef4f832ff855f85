/* policy.c - statement features from query plans, and their check (see gw_policy.h). */
#include "gw_policy.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Plans are small trees; anything deeper is not a plan we understand. */
#define PLAN_MAX_DEPTH 200

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Administration, schema and transaction-management operators. "Create"
 * alone is the CREATE clause, a data write that accessMode governs. */
static int is_admin_operator(const char *op)
{
    if (strcmp(op, "AdministrationCommand") == 0 || starts_with(op, "Show") || starts_with(op, "Terminate") ||
        strstr(op, "Database") || strstr(op, "Alias"))
        return 1;
    if ((starts_with(op, "Create") || starts_with(op, "Drop") || starts_with(op, "DoNothingIfExists")) &&
        (strstr(op, "Index") || strstr(op, "Constraint")))
        return 1;
    return 0;
}

static gw_err add_name(gw_plan_features *f, const char *name, size_t len)
{
    char *grown;

    if (len == 0 || len > 256)
        return GW_OK;
    grown = realloc(f->procedures, f->procedures_len + len + 2);
    if (!grown)
        return GW_ERR_NOMEM;
    f->procedures = grown;
    memcpy(f->procedures + f->procedures_len, name, len);
    f->procedures_len += len;
    f->procedures[f->procedures_len++] = '\n';
    f->procedures[f->procedures_len] = '\0';
    return GW_OK;
}

/* Collects every dotted name directly followed by '(' in a Details text:
 * procedure calls and namespaced function calls such as apoc.load.json(.
 * Literals never show up here because Neo4j plans them as parameters. */
static gw_err collect_calls(gw_plan_features *f, const char *details)
{
    const char *p = details;

    while (*p) {
        const char *start;
        int dotted = 0;

        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '`')) {
            p++;
            continue;
        }
        start = p;
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '`') {
            if (*p == '.')
                dotted = 1;
            p++;
        }
        if (dotted && *p == '(') {
            gw_err rc = add_name(f, start, (size_t)(p - start));

            if (rc != GW_OK)
                return rc;
        }
    }
    return GW_OK;
}

static gw_err walk(const json_t *node, const char *database, gw_plan_features *f, int depth)
{
    const json_t *type = json_object_get(node, "operatorType");
    const json_t *details = json_object_get(json_object_get(node, "arguments"), "Details");
    const json_t *children = json_object_get(node, "children");
    char op[128];
    const char *at;
    const json_t *child;
    size_t i;
    gw_err rc;

    if (depth > PLAN_MAX_DEPTH || !json_is_object(node) || !json_is_string(type))
        return GW_ERR_NEO4J_BAD_RESPONSE;
    snprintf(op, sizeof op, "%s", json_string_value(type));
    at = strchr(op, '@');
    if (at) {
        op[at - op] = '\0';
        /* Database names are case-insensitive in Neo4j. */
        if (strcasecmp(at + 1, database) != 0 && !(f->flags & GW_PLAN_OTHER_DB)) {
            f->flags |= GW_PLAN_OTHER_DB;
            snprintf(f->other_db, sizeof f->other_db, "%.63s", at + 1);
        }
    }
    /* On the system database a procedure call is planned as an operator
     * named after the procedure itself, e.g. dbms.listConfig@system. */
    if (strchr(op, '.')) {
        rc = add_name(f, op, strlen(op));
        if (rc != GW_OK)
            return rc;
    }
    if (strcmp(op, "LoadCSV") == 0)
        f->flags |= GW_PLAN_LOAD_CSV;
    if (is_admin_operator(op) && !(f->flags & GW_PLAN_ADMIN)) {
        f->flags |= GW_PLAN_ADMIN;
        snprintf(f->admin_operator, sizeof f->admin_operator, "%.63s", op);
    }
    if (json_is_string(details)) {
        const char *text = json_string_value(details);

        if (strcmp(op, "ProcedureCall") == 0) {
            size_t n = strcspn(text, "( ");

            rc = add_name(f, text, n);
            if (rc != GW_OK)
                return rc;
        }
        rc = collect_calls(f, text);
        if (rc != GW_OK)
            return rc;
    }
    if (children && !json_is_array(children))
        return GW_ERR_NEO4J_BAD_RESPONSE;
    json_array_foreach(children, i, child) {
        rc = walk(child, database, f, depth + 1);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

gw_err gw_plan_features_read(const json_t *plan, const char *database, gw_plan_features *out)
{
    gw_err rc;

    memset(out, 0, sizeof *out);
    rc = walk(plan, database, out, 0);
    if (rc != GW_OK)
        gw_plan_features_clear(out);
    return rc;
}

void gw_plan_features_clear(gw_plan_features *features)
{
    free(features->procedures);
    memset(features, 0, sizeof *features);
}

int gw_policy_allows_all(const gw_policy_rules *rules)
{
    return rules->allow_load_csv && rules->allow_admin && rules->n_deny_procedures == 0;
}

gw_err gw_policy_check(const gw_plan_features *features, const gw_policy_rules *rules, gw_error_detail *err)
{
    const char *p;

    if (features->flags & GW_PLAN_OTHER_DB)
        return gw_error_set(err, GW_ERR_POLICY_DENIED,
                            "the statement runs on database '%s' (a USE clause or an administration command); "
                            "send it to that database's route if the token allows it", features->other_db);
    if ((features->flags & GW_PLAN_LOAD_CSV) && !rules->allow_load_csv)
        return gw_error_set(err, GW_ERR_POLICY_DENIED, "LOAD CSV is not allowed for this client");
    if ((features->flags & GW_PLAN_ADMIN) && !rules->allow_admin)
        return gw_error_set(err, GW_ERR_POLICY_DENIED,
                            "administration and schema commands (%s) are allowed only for admin clients",
                            features->admin_operator);

    for (p = features->procedures; p && *p;) {
        size_t len = strcspn(p, "\n");
        char name[260];

        snprintf(name, sizeof name, "%.*s", (int)len, p);
        /* Backquoted names are the same names to Neo4j. */
        for (char *q = name, *w = name;; q++) {
            if (*q != '`')
                *w++ = *q;
            if (*q == '\0')
                break;
        }
        for (size_t i = 0; i < rules->n_deny_procedures; i++) {
            if (fnmatch(rules->deny_procedures[i], name, FNM_CASEFOLD) == 0)
                return gw_error_set(err, GW_ERR_POLICY_DENIED, "calling %s is denied by the pattern '%s'", name,
                                    rules->deny_procedures[i]);
        }
        p += len;
        if (*p == '\n')
            p++;
    }
    return GW_OK;
}
