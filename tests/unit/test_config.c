/* test_config.c - the YAML configuration parser (gw_config.h). */
#include "unit_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_config.h"

#define SOURCE "test.yaml"

/* The smallest valid configuration: three lines of neo4j, two of jwt. */
#define NEO4J_MIN "neo4j:\n  url: http://127.0.0.1:7474\n  password: env:NEO4J_PASSWORD\n"
#define JWT_MIN "jwt:\n  signing_key: env:JWT_SIGNING_KEY\n"
#define CLIENT_APP "  - id: app\n    secret_hash: env:APP_HASH\n    databases: [neo4j]\n"

static const char full_yaml[] =
    "# every key, with values other than the defaults\n"
    "server:\n"
    "  address: 0.0.0.0\n"
    "  port: 9090\n"
    "  threads: 8\n"
    "  max_connections: 200\n"
    "  connection_timeout_s: 15\n"
    "  max_body_bytes: 65536\n"
    "  drain_timeout_s: 5\n"
    "neo4j:\n"
    "  url: https://neo4j.example.com:7473/\n"
    "  user: gateway\n"
    "  password: file:/run/secrets/neo4j\n"
    "  database: movies\n"
    "  pool_size: 8\n"
    "  acquire_timeout_ms: 1500\n"
    "  connect_timeout_ms: 2500\n"
    "  request_timeout_ms: 20000\n"
    "  max_idle_s: 30\n"
    "  max_result_bytes: 1048576\n"
    "  ca_file: /etc/ssl/neo4j-ca.pem\n"
    "jwt:\n"
    "  issuer: gw-issuer\n"
    "  audience: gw-audience\n"
    "  signing_key: ssm:/prod/gateway/jwt-key\n"
    "  ttl_s: 600\n"
    "  leeway_s: 10\n"
    "  max_token_bytes: 4096\n"
    "log:\n"
    "  level: debug\n"
    "ssm:\n"
    "  region: eu-west-1\n"
    "  endpoint: https://ssm.eu-west-1.amazonaws.com\n"
    "  max_attempts: 3\n"
    "  base_delay_ms: 50\n"
    "  max_delay_ms: 2000\n"
    "clients:\n"
    "  - id: reporting\n"
    "    secret_hash: env:REPORTING_SECRET_HASH\n"
    "    databases: [movies, sales]\n"
    "    mode: read\n"
    "    token_ttl_s: 300\n"
    "  - id: etl.writer\n"
    "    secret_hash: file:/run/secrets/etl-hash\n"
    "    databases: [\"*\"]\n"
    "    mode: write\n";

static gw_config *parse_ok(const char *yaml)
{
    gw_config *config = NULL;
    gw_error_detail err;
    gw_err rc;

    memset(&err, 0, sizeof err);
    rc = gw_config_parse(yaml, strlen(yaml), SOURCE, &config, &err);
    if (rc != GW_OK)
        fail_msg("parse failed at line %d: %s", err.line, err.message);
    assert_non_null(config);
    return config;
}

static void config_full(void **state)
{
    gw_config *c = parse_ok(full_yaml);

    (void)state;
    assert_string_equal(c->source, SOURCE);
    assert_string_equal(c->listen_address, "0.0.0.0");
    assert_int_equal(c->port, 9090);
    assert_int_equal(c->threads, 8);
    assert_int_equal(c->max_connections, 200);
    assert_int_equal(c->connection_timeout_s, 15);
    assert_int_equal(c->max_body_bytes, 65536);
    assert_int_equal(c->drain_timeout_s, 5);

    assert_string_equal(c->neo4j_url, "https://neo4j.example.com:7473");
    assert_string_equal(c->neo4j_user, "gateway");
    assert_int_equal(c->neo4j_password.kind, GW_SECRET_FILE);
    assert_string_equal(c->neo4j_password.name, "/run/secrets/neo4j");
    assert_string_equal(c->neo4j_database, "movies");
    assert_int_equal(c->pool_size, 8);
    assert_int_equal(c->acquire_timeout_ms, 1500);
    assert_int_equal(c->connect_timeout_ms, 2500);
    assert_int_equal(c->request_timeout_ms, 20000);
    assert_int_equal(c->max_idle_s, 30);
    assert_int_equal(c->max_result_bytes, 1048576);
    assert_string_equal(c->neo4j_ca_file, "/etc/ssl/neo4j-ca.pem");

    assert_string_equal(c->jwt_issuer, "gw-issuer");
    assert_string_equal(c->jwt_audience, "gw-audience");
    assert_int_equal(c->jwt_signing_key.kind, GW_SECRET_SSM);
    assert_string_equal(c->jwt_signing_key.name, "/prod/gateway/jwt-key");
    assert_int_equal(c->jwt_ttl_s, 600);
    assert_int_equal(c->jwt_leeway_s, 10);
    assert_int_equal(c->jwt_max_token_bytes, 4096);

    assert_string_equal(c->log_level, "debug");
    assert_string_equal(c->ssm_region, "eu-west-1");
    assert_string_equal(c->ssm_endpoint, "https://ssm.eu-west-1.amazonaws.com");
    assert_int_equal(c->ssm_max_attempts, 3);
    assert_int_equal(c->ssm_base_delay_ms, 50);
    assert_int_equal(c->ssm_max_delay_ms, 2000);

    assert_int_equal(c->n_clients, 2);
    assert_string_equal(c->clients[0].id, "reporting");
    assert_int_equal(c->clients[0].secret_hash.kind, GW_SECRET_ENV);
    assert_string_equal(c->clients[0].secret_hash.name, "REPORTING_SECRET_HASH");
    assert_int_equal(c->clients[0].n_databases, 2);
    assert_string_equal(c->clients[0].databases[0], "movies");
    assert_string_equal(c->clients[0].databases[1], "sales");
    assert_int_equal(c->clients[0].mode, GW_MODE_READ);
    assert_int_equal(c->clients[0].token_ttl_s, 300);
    assert_int_equal(c->clients[0].line, 38);
    assert_string_equal(c->clients[1].id, "etl.writer");
    assert_int_equal(c->clients[1].secret_hash.kind, GW_SECRET_FILE);
    assert_int_equal(c->clients[1].n_databases, 1);
    assert_string_equal(c->clients[1].databases[0], "*");
    assert_int_equal(c->clients[1].mode, GW_MODE_WRITE);
    assert_int_equal(c->clients[1].token_ttl_s, 0);
    assert_int_equal(c->clients[1].line, 43);
    gw_config_free(c);
}

static void config_defaults(void **state)
{
    gw_config *c = parse_ok(NEO4J_MIN JWT_MIN);

    (void)state;
    assert_string_equal(c->listen_address, "127.0.0.1");
    assert_int_equal(c->port, 8080);
    assert_int_equal(c->threads, 16);
    assert_int_equal(c->max_connections, 1024);
    assert_int_equal(c->connection_timeout_s, 30);
    assert_int_equal(c->max_body_bytes, 1024 * 1024);
    assert_int_equal(c->drain_timeout_s, 25);
    assert_string_equal(c->neo4j_user, "neo4j");
    assert_string_equal(c->neo4j_database, "neo4j");
    assert_int_equal(c->pool_size, 16);
    assert_int_equal(c->acquire_timeout_ms, 2000);
    assert_int_equal(c->connect_timeout_ms, 3000);
    assert_int_equal(c->request_timeout_ms, 25000);
    assert_int_equal(c->max_idle_s, 25);
    assert_int_equal(c->max_result_bytes, 64 * 1024 * 1024);
    assert_null(c->neo4j_ca_file);
    assert_string_equal(c->jwt_issuer, "cypher-gateway");
    assert_string_equal(c->jwt_audience, "cypher-gateway");
    assert_int_equal(c->jwt_ttl_s, 900);
    assert_int_equal(c->jwt_leeway_s, 30);
    assert_int_equal(c->jwt_max_token_bytes, 8192);
    assert_string_equal(c->log_level, "info");
    assert_null(c->ssm_region);
    assert_null(c->ssm_endpoint);
    assert_int_equal(c->ssm_max_attempts, 8);
    assert_int_equal(c->ssm_base_delay_ms, 100);
    assert_int_equal(c->ssm_max_delay_ms, 5000);
    assert_int_equal(c->n_clients, 0);
    assert_null(c->clients);
    gw_config_free(c);
}

static void config_client_defaults(void **state)
{
    gw_config *c = parse_ok(NEO4J_MIN JWT_MIN "clients:\n" CLIENT_APP);

    (void)state;
    assert_int_equal(c->n_clients, 1);
    assert_int_equal(c->clients[0].mode, GW_MODE_READ);
    assert_int_equal(c->clients[0].token_ttl_s, 0);
    gw_config_free(c);
}

static void config_empty_clients_list(void **state)
{
    gw_config *c = parse_ok(NEO4J_MIN JWT_MIN "clients: []\n");

    (void)state;
    assert_int_equal(c->n_clients, 0);
    gw_config_free(c);
}

static void config_url_slashes_trimmed(void **state)
{
    gw_config *c = parse_ok("neo4j:\n  url: http://db:7474///\n  password: env:P\n" JWT_MIN);

    (void)state;
    assert_string_equal(c->neo4j_url, "http://db:7474");
    gw_config_free(c);
}

/* Only `len` bytes are parsed. */
static void config_uses_length(void **state)
{
    static const char text[] = NEO4J_MIN JWT_MIN "bogus: [";
    gw_config *c = NULL;
    gw_error_detail err;

    (void)state;
    assert_int_equal(gw_config_parse(text, strlen(text) - strlen("bogus: ["), SOURCE, &c, &err), GW_OK);
    gw_config_free(c);
    assert_int_equal(gw_config_parse(text, strlen(text), SOURCE, &c, &err), GW_ERR_CONFIG);
    assert_null(c);
}

static void config_find_client(void **state)
{
    gw_config *c = parse_ok(full_yaml);

    (void)state;
    assert_non_null(gw_config_find_client(c, "reporting"));
    assert_string_equal(gw_config_find_client(c, "etl.writer")->id, "etl.writer");
    assert_null(gw_config_find_client(c, "report"));
    assert_null(gw_config_find_client(c, ""));
    gw_config_free(c);
}

static void config_env_expansion(void **state)
{
    gw_config *c;

    (void)state;
    assert_int_equal(setenv("GW_TEST_HOST", "db.internal", 1), 0);
    assert_int_equal(setenv("GW_TEST_PORT", "7687", 1), 0);
    c = parse_ok("neo4j:\n  url: http://${GW_TEST_HOST}:${GW_TEST_PORT}/\n  password: env:P\n" JWT_MIN);
    assert_string_equal(c->neo4j_url, "http://db.internal:7687");
    gw_config_free(c);
    unsetenv("GW_TEST_HOST");
    unsetenv("GW_TEST_PORT");
}

static void config_env_default_when_unset(void **state)
{
    gw_config *c;

    (void)state;
    unsetenv("GW_TEST_UNSET_URL");
    c = parse_ok("neo4j:\n  url: ${GW_TEST_UNSET_URL:-http://fallback:7474}\n  password: env:P\n" JWT_MIN);
    assert_string_equal(c->neo4j_url, "http://fallback:7474");
    gw_config_free(c);
}

static void config_env_default_when_empty(void **state)
{
    gw_config *c;

    (void)state;
    assert_int_equal(setenv("GW_TEST_EMPTY_USER", "", 1), 0);
    c = parse_ok(NEO4J_MIN "  user: ${GW_TEST_EMPTY_USER:-reader}\n" JWT_MIN);
    assert_string_equal(c->neo4j_user, "reader");
    gw_config_free(c);
    unsetenv("GW_TEST_EMPTY_USER");
}

static void config_env_set_beats_default(void **state)
{
    gw_config *c;

    (void)state;
    assert_int_equal(setenv("GW_TEST_USER", "svc", 1), 0);
    c = parse_ok(NEO4J_MIN "  user: ${GW_TEST_USER:-reader}\n" JWT_MIN);
    assert_string_equal(c->neo4j_user, "svc");
    gw_config_free(c);
    unsetenv("GW_TEST_USER");
}

/* A value taken from the environment is used as is, not expanded again. */
static void config_env_value_not_expanded(void **state)
{
    gw_config *c;

    (void)state;
    assert_int_equal(setenv("GW_TEST_NESTED", "${HOME}", 1), 0);
    c = parse_ok(NEO4J_MIN "  user: ${GW_TEST_NESTED}\n" JWT_MIN);
    assert_string_equal(c->neo4j_user, "${HOME}");
    gw_config_free(c);
    unsetenv("GW_TEST_NESTED");
}

static void config_env_long_value(void **state)
{
    char value[600];
    gw_config *c;

    (void)state;
    memset(value, 'u', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    assert_int_equal(setenv("GW_TEST_LONG_USER", value, 1), 0);
    c = parse_ok(NEO4J_MIN "  user: x${GW_TEST_LONG_USER}y\n" JWT_MIN);
    assert_int_equal(strlen(c->neo4j_user), sizeof value + 1);
    assert_int_equal(c->neo4j_user[0], 'x');
    assert_int_equal(c->neo4j_user[sizeof value], 'y');
    gw_config_free(c);
    unsetenv("GW_TEST_LONG_USER");
}

static void config_env_in_numbers_and_refs(void **state)
{
    gw_config *c;

    (void)state;
    unsetenv("GW_TEST_PORT_NUM");
    unsetenv("GW_TEST_PASSWORD_REF");
    c = parse_ok("server:\n  port: ${GW_TEST_PORT_NUM:-9000}\n"
                 "neo4j:\n  url: http://db\n  password: ${GW_TEST_PASSWORD_REF:-env:NEO4J_PASSWORD}\n" JWT_MIN);
    assert_int_equal(c->port, 9000);
    assert_int_equal(c->neo4j_password.kind, GW_SECRET_ENV);
    assert_string_equal(c->neo4j_password.name, "NEO4J_PASSWORD");
    gw_config_free(c);
}

/* Every client key takes ${NAME:-default}. Inside a flow list the
 * reference must be quoted, because '{' and '}' end a plain YAML scalar
 * there (see config_env_in_flow_list_unquoted). */
static void config_env_in_client(void **state)
{
    gw_config *c;

    (void)state;
    unsetenv("GW_TEST_CLIENT_ID");
    unsetenv("GW_TEST_CLIENT_DB");
    unsetenv("GW_TEST_CLIENT_MODE");
    unsetenv("GW_TEST_CLIENT_TTL");
    c = parse_ok(NEO4J_MIN JWT_MIN "clients:\n"
                 "  - id: ${GW_TEST_CLIENT_ID:-app}\n"
                 "    secret_hash: ${GW_TEST_CLIENT_HASH:-env:APP_HASH}\n"
                 "    databases: [\"${GW_TEST_CLIENT_DB:-movies}\"]\n"
                 "    mode: ${GW_TEST_CLIENT_MODE:-write}\n"
                 "    token_ttl_s: ${GW_TEST_CLIENT_TTL:-120}\n");
    assert_string_equal(c->clients[0].id, "app");
    assert_string_equal(c->clients[0].secret_hash.name, "APP_HASH");
    assert_string_equal(c->clients[0].databases[0], "movies");
    assert_int_equal(c->clients[0].mode, GW_MODE_WRITE);
    assert_int_equal(c->clients[0].token_ttl_s, 120);
    gw_config_free(c);
}

/* A configuration that gw_config_parse rejects. The error must carry
 * SOURCE, `line` and each `contains` text, and never `absent`. */
typedef struct error_case {
    const char *name;
    const char *yaml;
    int line;
    const char *contains[3];
    const char *absent;
} error_case;

static const error_case error_cases[] = {
    {"config_unknown_section", NEO4J_MIN JWT_MIN "neo4jj:\n  url: http://x\n", 6,
     {"unknown section", "neo4jj"}, NULL},
    {"config_unknown_key_typo", NEO4J_MIN "  pool_sise: 8\n" JWT_MIN, 4, {"unknown key", "neo4j.pool_sise"}, NULL},
    {"config_unknown_server_key", "server:\n  prot: 80\n" NEO4J_MIN JWT_MIN, 2, {"server.prot"}, NULL},
    {"config_pool_size_zero", NEO4J_MIN "  pool_size: 0\n" JWT_MIN, 4, {"neo4j.pool_size", "1..1024", "got 0"},
     NULL},
    {"config_pool_size_too_big", NEO4J_MIN "  pool_size: 1025\n" JWT_MIN, 4,
     {"neo4j.pool_size", "1..1024", "got 1025"}, NULL},
    {"config_pool_size_word", NEO4J_MIN "  pool_size: many\n" JWT_MIN, 4, {"neo4j.pool_size", "integer", "many"},
     NULL},
    {"config_pool_size_fraction", NEO4J_MIN "  pool_size: 1.5\n" JWT_MIN, 4, {"neo4j.pool_size", "integer"},
     NULL},
    {"config_pool_size_suffix", NEO4J_MIN "  pool_size: 8x\n" JWT_MIN, 4, {"neo4j.pool_size", "integer"}, NULL},
    {"config_pool_size_empty", NEO4J_MIN "  pool_size: \"\"\n" JWT_MIN, 4, {"neo4j.pool_size", "integer"}, NULL},
    {"config_port_too_big", "server:\n  port: 70000\n" NEO4J_MIN JWT_MIN, 2, {"server.port", "1..65535"}, NULL},
    {"config_port_negative", "server:\n  port: -1\n" NEO4J_MIN JWT_MIN, 2, {"server.port", "got -1"}, NULL},
    {"config_port_overflow", "server:\n  port: 99999999999999999999\n" NEO4J_MIN JWT_MIN, 2,
     {"server.port", "integer"}, NULL},
    {"config_port_list", "server:\n  port: [1, 2]\n" NEO4J_MIN JWT_MIN, 2, {"server.port", "single value"}, NULL},
    {"config_body_bytes_too_small", "server:\n  max_body_bytes: 63\n" NEO4J_MIN JWT_MIN, 2,
     {"server.max_body_bytes", "got 63"}, NULL},
    {"config_ttl_too_small", NEO4J_MIN JWT_MIN "  ttl_s: 5\n", 6, {"jwt.ttl_s", "10..86400"}, NULL},
    {"config_password_inline", "neo4j:\n  url: http://db\n  password: hunter2\n" JWT_MIN, 3,
     {"neo4j.password", "env:"}, "hunter2"},
    {"config_signing_key_inline", NEO4J_MIN "jwt:\n  signing_key: hunter2-key-material\n", 5,
     {"jwt.signing_key"}, "hunter2"},
    {"config_password_missing", "neo4j:\n  url: http://db\n" JWT_MIN, 1, {"neo4j.password"}, NULL},
    {"config_signing_key_missing", NEO4J_MIN, 1, {"jwt.signing_key"}, NULL},
    {"config_url_missing", "neo4j:\n  password: env:P\n" JWT_MIN, 1, {"neo4j.url", "required"}, NULL},
    {"config_url_not_http", "neo4j:\n  url: bolt://db:7687\n  password: env:P\n" JWT_MIN, 1,
     {"neo4j.url", "http://", "bolt://db:7687"}, NULL},
    {"config_url_empty", "neo4j:\n  url: \"\"\n  password: env:P\n" JWT_MIN, 2, {"neo4j.url", "empty"}, NULL},
    {"config_database_invalid", NEO4J_MIN "  database: bad/db\n" JWT_MIN, 1, {"neo4j.database", "bad/db"}, NULL},
    {"config_log_level_invalid", NEO4J_MIN JWT_MIN "log:\n  level: verbose\n", 1, {"log.level", "verbose"}, NULL},
    {"config_ssm_attempts_zero", NEO4J_MIN JWT_MIN "ssm:\n  max_attempts: 0\n", 7, {"ssm.max_attempts", "got 0"},
     NULL},
    {"config_ssm_delays_reversed", NEO4J_MIN JWT_MIN "ssm:\n  base_delay_ms: 6000\n  max_delay_ms: 5000\n", 1,
     {"ssm.base_delay_ms", "ssm.max_delay_ms"}, NULL},
    {"config_section_not_map", "neo4j: 5\n" JWT_MIN, 1, {"neo4j", "map"}, NULL},
    {"config_top_level_list", "- neo4j\n", 1, {"top level"}, NULL},
    {"config_top_level_scalar", "hello\n", 1, {"top level"}, NULL},
    {"config_empty_document", "", 1, {"empty"}, NULL},
    {"config_only_comments", "# nothing here\n# at all\n", 1, {"empty"}, NULL},
    {"config_yaml_syntax_error", NEO4J_MIN "  user: [unclosed\n" JWT_MIN, 5, {"YAML syntax error"}, NULL},
    {"config_yaml_bad_indent", NEO4J_MIN " user: x\n" JWT_MIN, 4, {"YAML syntax error"}, NULL},
    {"config_env_unset", "neo4j:\n  url: ${GW_TEST_NEVER_SET}\n  password: env:P\n" JWT_MIN, 2,
     {"neo4j.url", "GW_TEST_NEVER_SET", "not set"}, NULL},
    {"config_env_unclosed", "neo4j:\n  url: ${GW_TEST_NEVER_SET\n  password: env:P\n" JWT_MIN, 2,
     {"neo4j.url", "closing"}, NULL},
    {"config_env_empty_name", "neo4j:\n  url: ${}\n  password: env:P\n" JWT_MIN, 2, {"neo4j.url", "invalid"},
     NULL},
    {"config_env_empty_default", NEO4J_MIN "  user: ${GW_TEST_NEVER_SET:-}\n" JWT_MIN, 4,
     {"neo4j.user", "empty"}, NULL},
    {"config_clients_not_list", NEO4J_MIN JWT_MIN "clients: app\n", 6, {"clients", "list"}, NULL},
    {"config_client_not_map", NEO4J_MIN JWT_MIN "clients:\n  - app\n", 7, {"clients", "map"}, NULL},
    {"config_client_duplicate_id", NEO4J_MIN JWT_MIN "clients:\n" CLIENT_APP CLIENT_APP, 10,
     {"'app'", "defined twice", "first at line 7"}, NULL},
    {"config_client_no_id", NEO4J_MIN JWT_MIN "clients:\n  - secret_hash: env:H\n    databases: [neo4j]\n", 7,
     {"'id'"}, NULL},
    {"config_client_bad_id", NEO4J_MIN JWT_MIN "clients:\n  - id: bad id!\n    secret_hash: env:H\n"
     "    databases: [neo4j]\n", 7, {"client id", "bad id!"}, NULL},
    {"config_client_no_secret_hash", NEO4J_MIN JWT_MIN "clients:\n  - id: app\n    databases: [neo4j]\n", 7,
     {"'app'", "secret_hash"}, NULL},
    {"config_client_inline_hash", NEO4J_MIN JWT_MIN "clients:\n  - id: app\n"
     "    secret_hash: sha256$hunter2salt$hunter2hash\n    databases: [neo4j]\n", 8,
     {"clients[app].secret_hash"}, "hunter2"},
    {"config_client_no_databases", NEO4J_MIN JWT_MIN "clients:\n  - id: app\n    secret_hash: env:H\n", 7,
     {"'app'", "databases"}, NULL},
    {"config_client_empty_databases", NEO4J_MIN JWT_MIN "clients:\n  - id: app\n    secret_hash: env:H\n"
     "    databases: []\n", 9, {"'app'", "at least one"}, NULL},
    {"config_client_databases_scalar", NEO4J_MIN JWT_MIN "clients:\n  - id: app\n    secret_hash: env:H\n"
     "    databases: neo4j\n", 9, {"'app'", "list"}, NULL},
    {"config_client_bad_database", NEO4J_MIN JWT_MIN "clients:\n  - id: app\n    secret_hash: env:H\n"
     "    databases:\n      - neo4j\n      - bad/db\n", 11, {"'app'", "invalid database name", "bad/db"}, NULL},
    {"config_client_empty_database", NEO4J_MIN JWT_MIN "clients:\n  - id: app\n    secret_hash: env:H\n"
     "    databases: [\"\"]\n", 9, {"'app'", "invalid database name"}, NULL},
    {"config_client_bad_mode", NEO4J_MIN JWT_MIN "clients:\n" CLIENT_APP "    mode: admin\n", 10,
     {"'app'", "mode", "'read' or 'write'"}, NULL},
    {"config_client_mode_uppercase", NEO4J_MIN JWT_MIN "clients:\n" CLIENT_APP "    mode: READ\n", 10,
     {"'app'", "mode"}, NULL},
    {"config_client_unknown_key", NEO4J_MIN JWT_MIN "clients:\n" CLIENT_APP "    role: admin\n", 10,
     {"unknown client key", "role"}, NULL},
    {"config_client_ttl_too_small", NEO4J_MIN JWT_MIN "clients:\n" CLIENT_APP "    token_ttl_s: 5\n", 10,
     {"clients[app].token_ttl_s", "10..86400", "got 5"}, NULL},
    {"config_env_in_flow_list_unquoted", NEO4J_MIN JWT_MIN "clients:\n  - id: app\n    secret_hash: env:H\n"
     "    databases: [${GW_TEST_DB:-neo4j}]\n", 9, {"YAML syntax error"}, NULL},
    {"config_client_ttl_word", NEO4J_MIN JWT_MIN "clients:\n" CLIENT_APP "    token_ttl_s: soon\n", 10,
     {"clients[app].token_ttl_s", "integer"}, NULL},
};

static void config_error_case(void **state)
{
    const error_case *c = *state;
    gw_config *config = (gw_config *)1;
    gw_error_detail err;

    memset(&err, 0, sizeof err);
    assert_int_equal(gw_config_parse(c->yaml, strlen(c->yaml), SOURCE, &config, &err), GW_ERR_CONFIG);
    assert_null(config);
    assert_string_equal(err.source, SOURCE);
    if (err.line != c->line)
        fail_msg("expected line %d, got line %d: %s", c->line, err.line, err.message);
    assert_in_range(err.column, 1, 1000);
    for (size_t i = 0; i < 3 && c->contains[i]; i++) {
        if (!strstr(err.message, c->contains[i]))
            fail_msg("the message lacks '%s': %s", c->contains[i], err.message);
    }
    if (c->absent && strstr(err.message, c->absent))
        fail_msg("the message contains '%s': %s", c->absent, err.message);
}

/* Writes `text` to a new temporary file, which the caller removes. */
static void write_temp_config(const char *text, char *path, size_t cap)
{
    int fd;

    snprintf(path, cap, "/tmp/gw-config-test-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
}

static void config_load_file(void **state)
{
    char path[64];
    gw_config *c = NULL;
    gw_error_detail err;
    gw_err rc;

    (void)state;
    write_temp_config(full_yaml, path, sizeof path);
    rc = gw_config_load(path, &c, &err);
    unlink(path);
    assert_int_equal(rc, GW_OK);
    assert_non_null(c);
    assert_string_equal(c->source, path);
    assert_int_equal(c->n_clients, 2);
    gw_config_free(c);
}

static void config_load_error_names_file(void **state)
{
    char path[64];
    gw_config *c = NULL;
    gw_error_detail err;
    gw_err rc;

    (void)state;
    write_temp_config(NEO4J_MIN "  pool_size: 0\n" JWT_MIN, path, sizeof path);
    rc = gw_config_load(path, &c, &err);
    unlink(path);
    assert_int_equal(rc, GW_ERR_CONFIG);
    assert_null(c);
    assert_string_equal(err.source, path);
    assert_int_equal(err.line, 4);
}

static void config_load_missing_file(void **state)
{
    static const char path[] = "/nonexistent/gw-test/gateway.yaml";
    gw_config *c = (gw_config *)1;
    gw_error_detail err;

    (void)state;
    memset(&err, 0, sizeof err);
    assert_int_equal(gw_config_load(path, &c, &err), GW_ERR_CONFIG);
    assert_null(c);
    assert_string_equal(err.source, path);
    assert_non_null(strstr(err.message, "cannot open"));
}

static void config_load_directory(void **state)
{
    char dir[] = "/tmp/gw-config-dir-XXXXXX";
    gw_config *c = (gw_config *)1;
    gw_error_detail err;
    gw_err rc;

    (void)state;
    assert_non_null(mkdtemp(dir));
    rc = gw_config_load(dir, &c, &err);
    rmdir(dir);
    assert_int_equal(rc, GW_ERR_CONFIG);
    assert_null(c);
}

static void config_free_null(void **state)
{
    (void)state;
    gw_config_free(NULL);
}

typedef struct name_case {
    const char *name;
    const char *database;
    int valid;
} name_case;

static const name_case name_cases[] = {
    {"db_name_simple", "neo4j", 1},
    {"db_name_digits", "2024", 1},
    {"db_name_punctuation", "a.b-c_d", 1},
    {"db_name_upper", "Movies", 1},
    {"db_name_empty", "", 0},
    {"db_name_leading_dot", ".hidden", 0},
    {"db_name_leading_dash", "-x", 0},
    {"db_name_leading_underscore", "_x", 0},
    {"db_name_slash", "a/b", 0},
    {"db_name_space", "a b", 0},
    {"db_name_percent", "a%2Fb", 0},
    {"db_name_star", "*", 0},
    {"db_name_non_ascii", "caf\xc3\xa9", 0},
    {"db_name_63_chars", "d12345678901234567890123456789012345678901234567890123456789012", 1},
    {"db_name_64_chars", "d123456789012345678901234567890123456789012345678901234567890123", 0},
};

static void database_name_case(void **state)
{
    const name_case *c = *state;

    assert_int_equal(gw_database_name_valid(c->database) != 0, c->valid);
}

static void mode_names(void **state)
{
    (void)state;
    assert_string_equal(gw_mode_name(GW_MODE_READ), "read");
    assert_string_equal(gw_mode_name(GW_MODE_WRITE), "write");
}

int main(void)
{
    static unit_list list;

    UNIT_ADD(&list, config_full);
    UNIT_ADD(&list, config_defaults);
    UNIT_ADD(&list, config_client_defaults);
    UNIT_ADD(&list, config_empty_clients_list);
    UNIT_ADD(&list, config_url_slashes_trimmed);
    UNIT_ADD(&list, config_uses_length);
    UNIT_ADD(&list, config_find_client);
    UNIT_ADD(&list, config_env_expansion);
    UNIT_ADD(&list, config_env_default_when_unset);
    UNIT_ADD(&list, config_env_default_when_empty);
    UNIT_ADD(&list, config_env_set_beats_default);
    UNIT_ADD(&list, config_env_value_not_expanded);
    UNIT_ADD(&list, config_env_long_value);
    UNIT_ADD(&list, config_env_in_numbers_and_refs);
    UNIT_ADD(&list, config_env_in_client);
    UNIT_ADD_ROWS(&list, error_cases, config_error_case);
    UNIT_ADD(&list, config_load_file);
    UNIT_ADD(&list, config_load_error_names_file);
    UNIT_ADD(&list, config_load_missing_file);
    UNIT_ADD(&list, config_load_directory);
    UNIT_ADD(&list, config_free_null);
    UNIT_ADD_ROWS(&list, name_cases, database_name_case);
    UNIT_ADD(&list, mode_names);
    return unit_run("config", &list);
}
