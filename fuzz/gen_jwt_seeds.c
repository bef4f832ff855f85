/*
 * gen_jwt_seeds.c - writes the gw_jwt_issue tokens of fuzz/corpus/jwt.
 *
 * The tokens are signed with the key of fuzz_jwt.c and issued relative to
 * its fixed clock, so they keep their meaning (valid, expired, wrong
 * issuer) however old the seed files are. Each run draws new random jti
 * values, so the files differ byte for byte between runs.
 *
 * Usage: gen_jwt_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_jwt.h"

#define NOW 1700000000LL

static const unsigned char key[] = "cypher-gateway-fuzz-key-000000000000000000000000";

typedef struct seed {
    const char *file;
    const char *issuer;
    const char *const *databases;
    size_t n_databases;
    gw_mode mode;
    long long issued_at;
    long ttl_s;
} seed;

static int write_token(const char *dir, const seed *s)
{
    gw_jwt_grant grant = {
        .subject = "demo",
        .databases = s->databases,
        .n_databases = s->n_databases,
        .mode = s->mode,
        .now = s->issued_at,
        .ttl_s = s->ttl_s,
    };
    char path[4096];
    char *token = gw_jwt_issue(key, sizeof key - 1, s->issuer, "cypher-gateway", &grant);
    FILE *f;

    if (!token) {
        fprintf(stderr, "gen_jwt_seeds: gw_jwt_issue failed for %s\n", s->file);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, s->file);
    f = fopen(path, "wb");
    if (!f || fputs(token, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "gen_jwt_seeds: failed to write %s\n", path);
        free(token);
        return -1;
    }
    free(token);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const neo4j[] = {"neo4j"};
    static const char *const all[] = {"*"};
    static const char *const several[] = {"neo4j", "movies", "system.backup-1"};
    const seed seeds[] = {
        {"issued-read", "cypher-gateway", neo4j, 1, GW_MODE_READ, NOW, 900},
        {"issued-write-all", "cypher-gateway", all, 1, GW_MODE_WRITE, NOW - 60, 900},
        {"issued-several-db", "cypher-gateway", several, 3, GW_MODE_READ, NOW, 86400},
        {"issued-expired", "cypher-gateway", neo4j, 1, GW_MODE_READ, NOW - 1000, 900},
        {"issued-future", "cypher-gateway", neo4j, 1, GW_MODE_READ, NOW + 600, 900},
        {"issued-other-issuer", "someone-else", neo4j, 1, GW_MODE_READ, NOW, 900},
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        if (write_token(argv[1], &seeds[i]) != 0)
            return 1;
    }
    return 0;
}
