/*
 * fuzz_config.c - libFuzzer harness for the YAML configuration parser.
 *
 * The input is a configuration file. gw_config_parse reads the environment
 * for ${NAME} expansion, so LLVMFuzzerInitialize sets a fixed environment:
 * GW_FUZZ_SET and NEO4J_URL (which config/gateway.container.yaml requires)
 * are set, GW_FUZZ_EMPTY is empty, and the other variables of the two
 * example configs are unset, so their ${NAME:-default} fallbacks apply.
 */
#include "fuzz.h"

#include "gw_config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const unset[] = {
        "GATEWAY_ADDRESS", "GATEWAY_PORT", "GATEWAY_THREADS", "GATEWAY_DRAIN_TIMEOUT_S", "NEO4J_USER",
        "NEO4J_PASSWORD_REF", "NEO4J_DATABASE", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_SIGNING_KEY_REF",
        "LOG_LEVEL", "DEMO_CLIENT_ID", "DEMO_READER_ID", "CLIENT_ID", "CLIENT_SECRET_HASH_REF",
        "CLIENT_DATABASES", "CLIENT_MODE",
    };

    (void)argc;
    (void)argv;
    setenv("GW_FUZZ_SET", "fuzz-value", 1);
    setenv("NEO4J_URL", "http://neo4j.internal:7474/", 1);
    setenv("GW_FUZZ_EMPTY", "", 1);
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++)
        unsetenv(unset[i]);
    return 0;
}

static void check_config(const gw_config *c)
{
    FUZZ_CHECK(c->source && strcmp(c->source, "fuzz.yaml") == 0);
    FUZZ_CHECK(c->listen_address && c->neo4j_user && c->jwt_issuer && c->jwt_audience && c->log_level);
    FUZZ_CHECK(c->neo4j_url);
    FUZZ_CHECK(strncmp(c->neo4j_url, "http://", 7) == 0 || strncmp(c->neo4j_url, "https://", 8) == 0);
    FUZZ_CHECK(c->neo4j_url[strlen(c->neo4j_url) - 1] != '/');
    FUZZ_CHECK(c->neo4j_database && gw_database_name_valid(c->neo4j_database));
    FUZZ_CHECK(c->neo4j_password.kind != GW_SECRET_NONE && c->neo4j_password.name);
    FUZZ_CHECK(c->jwt_signing_key.kind != GW_SECRET_NONE && c->jwt_signing_key.name);
    FUZZ_CHECK(c->port >= 1 && c->port <= 65535);
    FUZZ_CHECK(c->ssm_base_delay_ms <= c->ssm_max_delay_ms);
    FUZZ_CHECK(c->n_clients == 0 || c->clients);

    for (size_t i = 0; i < c->n_clients; i++) {
        const gw_client_config *client = &c->clients[i];

        FUZZ_CHECK(client->id && client->id[0] != '\0');
        FUZZ_CHECK(gw_config_find_client(c, client->id) == client);
        FUZZ_CHECK(client->secret_hash.kind != GW_SECRET_NONE && client->secret_hash.name);
        FUZZ_CHECK(client->n_databases >= 1 && client->databases);
        for (size_t j = 0; j < client->n_databases; j++) {
            const char *db = client->databases[j];

            FUZZ_CHECK(strcmp(db, "*") == 0 || gw_database_name_valid(db));
        }
        FUZZ_CHECK(client->mode == GW_MODE_READ || client->mode == GW_MODE_WRITE);
        FUZZ_CHECK(client->allow_load_csv >= -1 && client->allow_load_csv <= 1);
        FUZZ_CHECK(client->n_deny_procedures == 0 || client->deny_procedures);
        FUZZ_CHECK(!client->named_only || client->n_queries > 0);
        for (size_t j = 0; j < client->n_databases; j++) {
            /* Only administrators may name the system database. */
            if (strcmp(client->databases[j], "system") == 0)
                FUZZ_CHECK(client->admin);
        }
        for (size_t j = 0; j < client->n_queries; j++) {
            const gw_named_query *query = &client->queries[j];

            FUZZ_CHECK(query->name && query->statement && query->statement[0] != '\0');
            FUZZ_CHECK(gw_client_named_query(client, query->name) == query->statement);
        }
    }

    /* The default list applies when the policy section sets none. */
    FUZZ_CHECK(c->deny_procedures != NULL);
    for (size_t i = 0; i < c->n_jwt_keys; i++) {
        const gw_jwt_key_config *key = &c->jwt_keys[i];

        FUZZ_CHECK(key->kid && key->kid[0] != '\0' && strlen(key->kid) <= 64);
        FUZZ_CHECK(key->alg && (strcmp(key->alg, "RS256") == 0 || strcmp(key->alg, "ES256") == 0));
        FUZZ_CHECK(key->public_key.kind != GW_SECRET_NONE && key->public_key.name);
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(c->jwt_keys[j].kid, key->kid) != 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gw_config *config = NULL;
    gw_error_detail err;
    gw_err rc;

    memset(&err, 0, sizeof err);
    rc = gw_config_parse((const char *)data, size, "fuzz.yaml", &config, &err);
    if (rc != GW_OK) {
        FUZZ_CHECK(rc == GW_ERR_CONFIG || rc == GW_ERR_NOMEM);
        FUZZ_CHECK(config == NULL);
        FUZZ_CHECK(fuzz_terminated(err.message, sizeof err.message) && err.message[0] != '\0');
        FUZZ_CHECK(fuzz_terminated(err.source, sizeof err.source));
        return 0;
    }
    check_config(config);
    gw_config_free(config);
    return 0;
}
