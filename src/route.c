/* route.c - route table (see gw_route.h). */
#include "gw_route.h"

#include <string.h>

typedef struct route_entry {
    gw_route_id id;
    const char *path;
    const char *method;
    const char *allow;
} route_entry;

static const route_entry routes[] = {
    {GW_ROUTE_TOKEN, "/token", "POST", "POST"},
    {GW_ROUTE_QUERY, "/query", "POST", "POST"},
    {GW_ROUTE_HEALTH, "/health", "GET", "GET, HEAD"},
    {GW_ROUTE_READY, "/ready", "GET", "GET, HEAD"},
};

static int method_allowed(const route_entry *entry, const char *method)
{
    if (strcmp(method, entry->method) == 0)
        return 1;
    /* HEAD is GET without a body; MHD drops the body itself. */
    return strcmp(entry->method, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

gw_err gw_route_match(const char *method, const char *path, gw_route *route)
{
    static const char db_prefix[] = "/db/";
    static const char db_suffix[] = "/query/v2";

    memset(route, 0, sizeof *route);
    route->name = path[0] == '/' ? "other" : "invalid";

    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(path, routes[i].path) != 0)
            continue;
        route->name = routes[i].path;
        route->allow = routes[i].allow;
        if (!method_allowed(&routes[i], method))
            return GW_ERR_METHOD_NOT_ALLOWED;
        route->id = routes[i].id;
        return GW_OK;
    }

    if (strncmp(path, db_prefix, sizeof db_prefix - 1) == 0) {
        const char *name = path + sizeof db_prefix - 1;
        const char *slash = strchr(name, '/');
        size_t name_len;

        if (!slash || strcmp(slash, db_suffix) != 0)
            return GW_ERR_NOT_FOUND;
        route->name = "/db/{database}/query/v2";
        route->allow = "POST";
        name_len = (size_t)(slash - name);
        if (name_len == 0 || name_len > GW_DB_NAME_MAX)
            return GW_ERR_INVALID_REQUEST;
        memcpy(route->database, name, name_len);
        route->database[name_len] = '\0';
        if (!gw_database_name_valid(route->database))
            return GW_ERR_INVALID_REQUEST;
        if (strcmp(method, "POST") != 0)
            return GW_ERR_METHOD_NOT_ALLOWED;
        route->id = GW_ROUTE_DB_QUERY;
        return GW_OK;
    }
    return GW_ERR_NOT_FOUND;
}
