"""The plan-based query policy: allowed paths (writes asked for, allowed
procedures, LOAD CSV for clients that may use it, admin clients on system),
per-client and top-level rules, named queries, and the verdict cache.

Tests marked xfail(strict=True) show gaps found in the policy: each states
the expected rejection and turns into a failure once the gap is closed, so
the marker can then be removed."""

import json
import uuid

import pytest

import database_state as state
import gateway_harness as h
from canary_server import CanaryServer
from conftest import assert_sanitizer_clean

NAMED_QUERIES = {
    "movie_released": "MATCH (m:Movie {title: $title}) RETURN m.released AS released",
    "cast_of": "MATCH (p:Person)-[:ACTED_IN]->(:Movie {title: $title}) RETURN p.name AS name ORDER BY name",
    "create_probe": "CREATE (n:GwPolicyProbe {name: $name})",
}

CLIENTS = [
    ("writer", ["neo4j"], "write"),
    ("reader", ["neo4j"], "read"),
    ("no-labels", ["neo4j"], "read", {"deny_procedures": ["db.labels", "point.distance"]}),
    ("csv", ["neo4j"], "read", {"allow_load_csv": True}),
    ("named", ["neo4j"], "read", {"named_only": True, "queries": NAMED_QUERIES}),
    ("admin", ["neo4j", "system"], "write", {"admin": True}),
    ("any", ["*"], "read"),
]

PROBE_LABEL = "GwPolicyProbe"
DENIED = (403, "policy_denied")


@pytest.fixture(scope="module")
def gw():
    gateway = h.Gateway("policy", clients=CLIENTS).start()
    yield gateway
    code = gateway.stop()
    assert code == 0, gateway.log()[-4000:]
    assert_sanitizer_clean(gateway.log())


@pytest.fixture(scope="module")
def tokens(gw):
    return {client[0]: gw.token(client[0]) for client in CLIENTS}


@pytest.fixture(scope="module")
def canary():
    server = CanaryServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module", autouse=True)
def database_kept():
    """Check at the end of the module that every write was undone. Property
    keys are left out because Neo4j never deletes a token once created."""
    before = state.snapshot()
    yield
    remove_probes()
    after = state.snapshot()
    del before["property_keys"], after["property_keys"]
    state.assert_unchanged(before, after)


def remove_probes():
    resp = h.neo4j_direct(f"MATCH (n:{PROBE_LABEL}) DETACH DELETE n", access_mode="Write")
    assert resp.status == 202, resp.body


def drop_index(name):
    resp = h.neo4j_direct(f"DROP INDEX {name} IF EXISTS", access_mode="Write")
    assert resp.status == 202, resp.body


def query(gw, token, statement, parameters=None, path="/query", **fields):
    return gw.query(statement, parameters, token=token, path=path, extra=fields)


def named(gw, token, body, path="/query"):
    return gw.query(None, token=token, path=path, raw=json.dumps(body))


def log_events(gw, message):
    events = []
    for line in gw.log().splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("msg") == message:
                events.append(event)
    return events


def denial_event(gw, resp):
    request_id = resp.header("X-Request-Id")
    matches = [e for e in log_events(gw, "statement denied by policy") if e["request_id"] == request_id]
    assert len(matches) == 1, f"no single denial event for request {request_id}"
    return matches[0]


def access_event(gw, resp):
    request_id = resp.header("X-Request-Id")
    matches = [e for e in log_events(gw, "request") if e["request_id"] == request_id]
    assert len(matches) == 1, f"no single access log line for request {request_id}"
    return matches[0]


def assert_error(resp, status, code):
    assert resp.status == status, resp.body
    assert resp.error_code() == code, resp.body


# Writes ------------------------------------------------------------------


def test_write_token_creates_and_deletes(gw, tokens):
    name = f"policy-write-{uuid.uuid4().hex}"
    try:
        created = query(gw, tokens["writer"], f"CREATE (n:{PROBE_LABEL} {{name: $name}}) RETURN n.name AS name",
                        {"name": name}, accessMode="write", includeCounters=True)
        assert created.status == 200, created.body
        assert created.json()["data"]["values"] == [[name]]
        assert created.json()["counters"]["nodesCreated"] == 1
        assert state.node_count() == state.MOVIES_NODES + 1

        deleted = query(gw, tokens["writer"], f"MATCH (n:{PROBE_LABEL} {{name: $name}}) DELETE n", {"name": name},
                        accessMode="write", includeCounters=True, bookmarks=created.json()["bookmarks"])
        assert deleted.status == 200, deleted.body
        assert deleted.json()["counters"]["nodesDeleted"] == 1
        assert state.node_count() == state.MOVIES_NODES
    finally:
        remove_probes()


def test_write_token_relationship_create_delete(gw, tokens):
    statement = ("MATCH (p:Person {name: 'Tom Hanks'}), (m:Movie {title: 'The Matrix'}) "
                 "CREATE (p)-[r:GW_POLICY_PROBE]->(m) RETURN type(r) AS t")
    try:
        created = query(gw, tokens["writer"], statement, accessMode="write", includeCounters=True)
        assert created.status == 200, created.body
        assert created.json()["counters"]["relationshipsCreated"] == 1
        assert state.relationship_count() == state.MOVIES_RELATIONSHIPS + 1

        deleted = query(gw, tokens["writer"], "MATCH ()-[r:GW_POLICY_PROBE]->() DELETE r", accessMode="write",
                        includeCounters=True)
        assert deleted.status == 200, deleted.body
        assert deleted.json()["counters"]["relationshipsDeleted"] == 1
    finally:
        h.neo4j_direct("MATCH ()-[r:GW_POLICY_PROBE]->() DELETE r", access_mode="Write")
    assert state.relationship_count() == state.MOVIES_RELATIONSHIPS


def test_write_mode_does_not_lift_policy(gw, tokens):
    resp = query(gw, tokens["writer"], "CALL dbms.components()", accessMode="write")
    assert_error(resp, *DENIED)
    resp = query(gw, tokens["writer"], f"CREATE INDEX gw_policy_writer_index FOR (n:{PROBE_LABEL}) ON (n.name)",
                 accessMode="write")
    assert_error(resp, *DENIED)


# Procedures and functions -----------------------------------------------


def test_allowed_procedure_passes(gw, tokens):
    resp = query(gw, tokens["reader"], "CALL db.labels() YIELD label RETURN label ORDER BY label")
    assert resp.status == 200, resp.body
    labels = [row[0] for row in resp.json()["data"]["values"]]
    assert "Movie" in labels
    assert "Person" in labels


def test_client_deny_list_scoped_to_client(gw, tokens):
    statement = "CALL db.labels() YIELD label RETURN count(label) AS n"

    first = query(gw, tokens["no-labels"], statement)
    assert_error(first, *DENIED)
    assert "db.labels" in first.json()["errors"][0]["message"]
    # The cached plan features of the same statement still pass the
    # reader's rules, and the denial stays cached for the first client.
    allowed = query(gw, tokens["reader"], statement)
    assert allowed.status == 200, allowed.body
    again = query(gw, tokens["no-labels"], statement)
    assert_error(again, *DENIED)
    assert denial_event(gw, again)["cached"] is True
    passthrough = query(gw, tokens["no-labels"], statement, path="/db/neo4j/query/v2")
    assert_error(passthrough, *DENIED)


def test_client_deny_list_replaces_defaults(gw, tokens):
    # README: clients[].deny_procedures replaces the default list for that
    # client, so dbms.* is not denied for a client whose list omits it.
    assert query(gw, tokens["no-labels"], "CALL dbms.components() YIELD edition RETURN edition").status == 200
    assert_error(query(gw, tokens["reader"], "CALL dbms.components() YIELD edition RETURN edition"), *DENIED)


DISTANCE = "point.distance(point({x: 0, y: 0}), point({x: 3, y: 4}))"

# Places where a denied function call can sit. The plan shows each of them.
FUNCTION_PLACES = {
    "return": f"RETURN {DISTANCE} AS d",
    "upper case": "RETURN POINT.DISTANCE(point({x: 0, y: 0}), point({x: 3, y: 4})) AS d",
    "backquoted": "RETURN `point`.`distance`(point({x: 0, y: 0}), point({x: 3, y: 4})) AS d",
    "spaced": "RETURN point . distance ( point({x: 0, y: 0}), point({x: 3, y: 4}) ) AS d",
    "where after long expression": (
        "MATCH (m:Movie) WHERE m.released > 1900 + size([x IN range(1, 50) | "
        + " + ".join(f"x * {i}" for i in range(1, 60))
        + f"]) AND {DISTANCE} > 0 RETURN count(m)"),
    "order by": "MATCH (m:Movie) RETURN m.title ORDER BY point.distance(point({x: 0, y: 0}), "
                "point({x: m.released, y: 1})) LIMIT 1",
    "with": f"MATCH (m:Movie) WITH m, {DISTANCE} AS d RETURN count(*)",
    "list comprehension": "RETURN [x IN [1, 2] | point.distance(point({x: 0, y: 0}), point({x: x, y: 1}))] AS d",
    "reduce": "RETURN reduce(s = 0.0, x IN [1, 2] | s + point.distance(point({x: 0, y: 0}), point({x: x, y: 1})))",
    "case": f"RETURN CASE WHEN rand() < 2 THEN {DISTANCE} ELSE 0 END AS d",
    "exists subquery": "MATCH (m:Movie) WHERE EXISTS { MATCH (m)<-[:ACTED_IN]-(p:Person) "
                       "WHERE point.distance(point({x: 0, y: 0}), point({x: p.born, y: 1})) > 1 } RETURN count(m)",
    "call subquery": f"CALL {{ RETURN {DISTANCE} AS d }} RETURN d",
    "pattern comprehension": "MATCH (m:Movie) RETURN [(m)<-[:ACTED_IN]-(p) | "
                             "point.distance(point({x: 0, y: 0}), point({x: p.born, y: 1}))] AS d LIMIT 1",
    "parameters": "RETURN point.distance(point({x: $x, y: $y}), point({x: 0, y: 0})) AS d",
    "inside a write": "MATCH (m:Movie {title: 'The Matrix'}) "
                      f"SET m.distance = {DISTANCE}",
}


@pytest.mark.parametrize("statement", FUNCTION_PLACES.values(), ids=FUNCTION_PLACES.keys())
def test_denied_function_found_in_plan(gw, tokens, statement):
    resp = query(gw, tokens["no-labels"], statement, {"x": 3, "y": 4} if "$x" in statement else None)
    assert_error(resp, *DENIED)
    assert "point.distance" in resp.json()["errors"][0]["message"].lower()


def test_function_allowed_for_other_client(gw, tokens):
    resp = query(gw, tokens["reader"], FUNCTION_PLACES["return"])
    assert resp.status == 200, resp.body
    assert resp.json()["data"]["values"] == [[5.0]]


@pytest.mark.parametrize("statement", [
    "RETURN 'CALL dbms.components()' AS text",
    "RETURN ['dbms.listConfig(', 'LOAD CSV FROM'] AS texts",
    "/* CALL dbms.components() */ MATCH (m:Movie) RETURN count(m) AS n",
    "// CREATE INDEX x FOR (n:X) ON (n.y)\nMATCH (m:Movie) RETURN count(m) AS n",
    "MATCH (p:Person) WHERE p.name = 'dbms.components()' RETURN count(p) AS n",
], ids=["string literal", "list of strings", "block comment", "line comment", "property value"])
def test_denied_names_in_text_pass(gw, tokens, statement):
    # The policy reads the plan, so a name in a literal or a comment is no call.
    resp = query(gw, tokens["reader"], statement)
    assert resp.status == 200, resp.body


def test_unplannable_statement_gets_neo4j_error(gw, tokens):
    unknown = query(gw, tokens["reader"], "CALL gw.no.such.procedure()")
    assert_error(unknown, 400, "Neo.ClientError.Procedure.ProcedureNotFound")
    syntax = query(gw, tokens["reader"], "CALL dbms.components(")
    assert_error(syntax, 400, "Neo.ClientError.Statement.SyntaxError")


def test_explain_prefix_checked(gw, tokens):
    # The gateway plans "EXPLAIN <statement>", so an EXPLAIN statement still
    # shows its procedures, but PROFILE cannot be planned that way at all.
    assert_error(query(gw, tokens["reader"], "EXPLAIN CALL dbms.components()"), *DENIED)
    explained = query(gw, tokens["reader"], "EXPLAIN MATCH (m:Movie) RETURN m")
    assert explained.status == 200, explained.body
    assert "queryPlan" in explained.json()
    assert_error(query(gw, tokens["reader"], "PROFILE MATCH (m:Movie) RETURN count(m)"),
                   400, "Neo.ClientError.Statement.ArgumentError")


# LOAD CSV ------------------------------------------------------------------


def test_load_csv_allowed_client_reaches_canary(gw, tokens, canary):
    path = f"/allowed-{uuid.uuid4().hex}.csv"
    statement = f"LOAD CSV WITH HEADERS FROM '{canary.url(path)}' AS row RETURN row.name AS name, " \
                "toInteger(row.born) AS born ORDER BY born"

    resp = query(gw, tokens["csv"], statement)
    assert resp.status == 200, resp.body
    assert resp.json()["data"]["values"] == [["Canary One", 1970], ["Canary Two", 1980]]
    hits = [seen for seen in canary.seen() if seen[1] == path]
    assert hits
    assert all(method == "GET" for method, _ in hits)

    # The same statement (cached features) stays denied for the reader.
    denied = query(gw, tokens["reader"], statement)
    assert_error(denied, *DENIED)
    assert denial_event(gw, denied)["cached"] is True
    assert [seen for seen in canary.seen() if seen[1] == path] == hits


def test_load_csv_allowed_client_stays_read_only(gw, tokens, canary):
    statement = f"LOAD CSV FROM '{canary.url('/write.csv')}' AS row CREATE (:{PROBE_LABEL} {{name: row[0]}})"
    resp = query(gw, tokens["csv"], statement)
    assert_error(resp, 403, "Neo.ClientError.Statement.AccessMode")
    assert state.node_count() == state.MOVIES_NODES


def test_load_csv_allowed_client_keeps_other_rules(gw, tokens):
    assert_error(query(gw, tokens["csv"], "CALL dbms.components()"), *DENIED)
    assert_error(query(gw, tokens["csv"], "SHOW TRANSACTIONS"), *DENIED)


def test_policy_section_allows_load_csv(start_gateway, canary):
    gateway = start_gateway("policy-csv", policy={"allow_load_csv": True}, clients=[
        ("plain", ["neo4j"], "read"),
        ("opted-out", ["neo4j"], "read", {"allow_load_csv": False}),
    ])
    path = f"/section-{uuid.uuid4().hex}.csv"
    statement = f"LOAD CSV FROM '{canary.url(path)}' AS row RETURN count(row) AS n"

    denied = query(gateway, gateway.token("opted-out"), statement)
    assert_error(denied, *DENIED)
    assert [seen for seen in canary.seen() if seen[1] == path] == []
    allowed = query(gateway, gateway.token("plain"), statement)
    assert allowed.status == 200, allowed.body
    assert allowed.json()["data"]["values"] == [[3]]
    assert [seen for seen in canary.seen() if seen[1] == path]


def test_policy_section_deny_list_replaces_defaults(start_gateway):
    gateway = start_gateway("policy-deny", policy={"deny_procedures": ["db.label*"]},
                            clients=[("reader", ["neo4j"], "read")])
    token = gateway.token("reader")

    assert_error(query(gateway, token, "CALL db.labels()"), *DENIED)
    assert query(gateway, token, "CALL db.relationshipTypes()").status == 200
    assert query(gateway, token, "CALL dbms.components() YIELD edition RETURN edition").status == 200


def test_invalid_policy_rejected_at_start():
    bad_configs = {
        "policy-bad-key": {"policy": {"allow_csv": True}},
        "policy-bad-bool": {"policy": {"allow_load_csv": "sometimes"}},
        "policy-bad-cache": {"policy": {"cache_entries": 0}},
        "policy-bad-list": {"policy": {"deny_procedures": "dbms.*"}},
        "policy-named-without-queries": {"clients": [("lonely", ["neo4j"], "read", {"named_only": True})]},
        "policy-client-bad-key": {"clients": [("typo", ["neo4j"], "read", {"allow_loadcsv": True})]},
    }
    for name, settings in bad_configs.items():
        code, log = h.Gateway(name, **settings).start_expecting_exit()
        assert code != 0, f"{name}: the daemon started with an invalid configuration"
        assert "gateway.yaml" in log, f"{name}: the error does not name the file: {log[-500:]}"


# Named queries ---------------------------------------------------------------


def test_named_query_with_parameters(gw, tokens):
    resp = named(gw, tokens["named"], {"queryName": "movie_released", "parameters": {"title": "The Matrix"}})
    assert resp.status == 200, resp.body
    assert resp.json()["data"] == {"fields": ["released"], "values": [[1999]]}

    cast = named(gw, tokens["named"], {"queryName": "cast_of", "parameters": {"title": "Cast Away"}})
    assert cast.status == 200, cast.body
    assert ["Tom Hanks"] in cast.json()["data"]["values"]


def test_named_query_on_passthrough_route(gw, tokens):
    resp = named(gw, tokens["named"], {"queryName": "movie_released", "parameters": {"title": "The Matrix"}},
                 path="/db/neo4j/query/v2")
    assert resp.status == 202, resp.body
    assert resp.json()["data"]["values"] == [[1999]]


@pytest.mark.parametrize("statement", [
    NAMED_QUERIES["movie_released"],
    "RETURN 1",
    "CALL dbms.components()",
], ids=["text of a named query", "harmless read", "denied procedure"])
def test_named_only_client_statement_rejected(gw, tokens, statement):
    resp = query(gw, tokens["named"], statement, {"title": "The Matrix"})
    assert_error(resp, 403, "named_query_required")


@pytest.mark.parametrize("body", [
    {"queryName": "no_such_query"},
    {"queryName": "MOVIE_RELEASED", "parameters": {"title": "The Matrix"}},
    {"queryName": ""},
    {"queryName": 5},
    {"queryName": None},
    {"queryName": ["movie_released"]},
    {"queryName": "x" * 300},
    {"queryName": "movie_released", "statement": "RETURN 1"},
    {"queryName": "movie_released", "parameters": "The Matrix"},
], ids=["unknown", "other case", "empty", "number", "null", "list", "too long", "with statement",
        "parameters not a map"])
def test_named_query_bad_request(gw, tokens, body):
    assert_error(named(gw, tokens["named"], body), 400, "invalid_request")


def test_named_query_of_other_client_unknown(gw, tokens):
    resp = named(gw, tokens["reader"], {"queryName": "movie_released", "parameters": {"title": "The Matrix"}})
    assert_error(resp, 400, "invalid_request")


def test_named_query_missing_parameter(gw, tokens):
    resp = named(gw, tokens["named"], {"queryName": "movie_released"})
    assert_error(resp, 400, "Neo.ClientError.Statement.ParameterMissing")


def test_named_write_query_stays_read_only(gw, tokens):
    body = {"queryName": "create_probe", "parameters": {"name": "named-write"}}
    assert_error(named(gw, tokens["named"], body), 403, "Neo.ClientError.Statement.AccessMode")
    assert_error(named(gw, tokens["named"], dict(body, accessMode="write")), 403, "insufficient_scope")
    assert state.node_count() == state.MOVIES_NODES


# The system database -----------------------------------------------------


def test_admin_client_shows_users_on_system(gw, tokens):
    resp = query(gw, tokens["admin"], "SHOW USERS YIELD user RETURN user", path="/db/system/query/v2")
    assert resp.status == 202, resp.body
    assert ["neo4j"] in resp.json()["data"]["values"]

    by_field = query(gw, tokens["admin"], "SHOW USERS YIELD user RETURN user", database="system")
    assert by_field.status == 200, by_field.body


def test_wildcard_client_cannot_reach_system(gw, tokens):
    by_route = query(gw, tokens["any"], "SHOW USERS", path="/db/system/query/v2")
    assert_error(by_route, 403, "insufficient_scope")
    by_field = query(gw, tokens["any"], "SHOW USERS", database="system")
    assert_error(by_field, 403, "insufficient_scope")
    # Neo4j matches database names case-insensitively.
    capitals = query(gw, tokens["any"], "SHOW USERS", path="/db/SYSTEM/query/v2")
    assert capitals.status == 403, capitals.body
    assert capitals.error_code() in ("insufficient_scope", "policy_denied")
    assert_error(query(gw, tokens["any"], "SHOW USERS"), *DENIED)


def test_admin_client_runs_schema_commands(gw, tokens):
    name = "gw_policy_admin_index"
    try:
        created = query(gw, tokens["admin"], f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{PROBE_LABEL}) ON (n.name)",
                        accessMode="write")
        assert created.status == 200, created.body
        assert [name] in state.rows(f"SHOW INDEXES YIELD name WHERE name = '{name}' RETURN name")
        dropped = query(gw, tokens["admin"], f"DROP INDEX {name}", accessMode="write")
        assert dropped.status == 200, dropped.body
        assert state.rows(f"SHOW INDEXES YIELD name WHERE name = '{name}' RETURN name") == []
    finally:
        drop_index(name)


def test_admin_client_keeps_deny_list_on_neo4j(gw, tokens):
    assert_error(query(gw, tokens["admin"], "CALL dbms.listConfig() YIELD name RETURN count(name)"), *DENIED)
    assert_error(query(gw, tokens["admin"], "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row"), *DENIED)


def test_admin_client_use_clause_denied(gw, tokens):
    # Even a client that may use system must send system statements to its route.
    resp = query(gw, tokens["admin"], "USE system CALL dbms.components()", path="/db/neo4j/query/v2")
    assert_error(resp, *DENIED)


def test_admin_client_keeps_deny_list_on_system(gw, tokens):
    resp = query(gw, tokens["admin"], "CALL dbms.listConfig() YIELD name RETURN count(name)",
                 path="/db/system/query/v2")
    assert_error(resp, *DENIED)


def test_non_admin_listing_system_rejected_at_start():
    code, log = h.Gateway("policy-system-not-admin", clients=[("sneaky", ["neo4j", "system"], "read")]) \
        .start_expecting_exit()
    assert code != 0
    assert "admin" in log


def test_wildcard_admin_system_in_capitals(start_gateway):
    gateway = start_gateway("policy-open-admin", clients=[
        ("open-admin", ["*"], "read", {"admin": True, "allow_load_csv": True, "deny_procedures": []}),
    ])
    resp = query(gateway, gateway.token("open-admin"), "SHOW USERS", path="/db/SYSTEM/query/v2")
    assert_error(resp, 403, "insufficient_scope")


# Gaps in the default deny list ------------------------------------------


def test_query_statistics_denied_to_reader(gw, tokens):
    marker = f"policy-leak-{uuid.uuid4().hex}"
    sent = query(gw, tokens["writer"], "MATCH (p:Person {name: $name}) RETURN count(p) AS n", {"name": marker})
    assert sent.status == 200, sent.body

    resp = query(gw, tokens["reader"], "CALL db.stats.retrieve('QUERIES') YIELD data RETURN data")
    assert marker not in resp.body.decode(errors="replace")
    assert_error(resp, *DENIED)


def test_clear_query_caches_denied(gw, tokens):
    assert_error(query(gw, tokens["reader"], "CALL db.clearQueryCaches()"), *DENIED)


def test_vector_index_procedure_needs_admin(gw, tokens):
    name = "gw_policy_vector_index"
    try:
        resp = query(gw, tokens["writer"],
                     f"CALL db.index.vector.createNodeIndex('{name}', '{PROBE_LABEL}', 'name', 3, 'cosine')",
                     accessMode="write")
        assert_error(resp, *DENIED)
    finally:
        drop_index(name)


# The verdict cache ---------------------------------------------------------


def test_denied_statement_second_time_cached(gw, tokens):
    # A comment makes the text new, so the first request cannot hit the cache.
    statement = f"/* {uuid.uuid4().hex} */ CALL dbms.components()"

    first = query(gw, tokens["reader"], statement)
    second = query(gw, tokens["reader"], statement)
    assert_error(first, *DENIED)
    assert_error(second, *DENIED)
    assert denial_event(gw, first)["cached"] is False
    assert denial_event(gw, second)["cached"] is True
    assert access_event(gw, first).get("neo4j_us", 0) > 0
    # The cached verdict needs no Neo4j request at all.
    assert "neo4j_us" not in access_event(gw, second)


def test_cache_key_ignores_parameters(gw, tokens, canary):
    statement = f"/* {uuid.uuid4().hex} */ LOAD CSV FROM $url AS row RETURN row"

    first = query(gw, tokens["reader"], statement, {"url": canary.url("/first.csv")})
    second = query(gw, tokens["reader"], statement, {"url": canary.url("/second.csv")})
    assert_error(first, *DENIED)
    assert_error(second, *DENIED)
    assert denial_event(gw, second)["cached"] is True
    assert not [seen for seen in canary.seen() if seen[1] in ("/first.csv", "/second.csv")]


def test_cache_shared_by_both_routes(gw, tokens):
    # /query and /db/neo4j/query/v2 name the same database, so they share entries.
    statement = f"/* {uuid.uuid4().hex} */ CALL dbms.components()"
    first = query(gw, tokens["reader"], statement)
    second = query(gw, tokens["reader"], statement, path="/db/neo4j/query/v2")
    assert_error(first, *DENIED)
    assert_error(second, *DENIED)
    assert denial_event(gw, second)["cached"] is True


def test_cache_evicts_least_recently_used(start_gateway):
    gateway = start_gateway("policy-cache", policy={"cache_entries": 1}, clients=[("reader", ["neo4j"], "read")])
    token = gateway.token("reader")
    first = f"/* {uuid.uuid4().hex} */ CALL dbms.components()"
    other = f"/* {uuid.uuid4().hex} */ CALL dbms.components()"

    assert denial_event(gateway, query(gateway, token, first))["cached"] is False
    assert denial_event(gateway, query(gateway, token, first))["cached"] is True
    assert denial_event(gateway, query(gateway, token, other))["cached"] is False
    # With one entry, the second statement pushed the first one out.
    assert denial_event(gateway, query(gateway, token, first))["cached"] is False


def test_denial_event_names_no_statement(gw):
    events = log_events(gw, "statement denied by policy")
    assert events
    assert all(set(event) <= {"ts", "level", "msg", "request_id", "client", "db", "cached"} for event in events)
    assert "dbms.components" not in "\n".join(json.dumps(e) for e in events)
