"""Write and side-effect attempts with a read token, each rejected with a
documented code and never given a 2xx or 5xx status. After the table the
whole database (nodes, relationships, tokens, schema, users) must be the
same as before it."""

import dataclasses
import json

import pytest

import database_state as state
import gateway_harness as h
from canary_server import CanaryServer

# (status, code) of each rejection. Neo4j rejects writes in a read
# transaction. POST /query maps that code to 403, while the pass-through
# route keeps Neo4j's own status (400).
ACCESS_MODE = (403, "Neo.ClientError.Statement.AccessMode")
ACCESS_MODE_PASSTHROUGH = (400, "Neo.ClientError.Statement.AccessMode")
POLICY = (403, "policy_denied")
SCOPE = (403, "insufficient_scope")

TOM = "MATCH (p:Person {name: 'Tom Hanks'})"
NEO4J_ROUTE = "/db/neo4j/query/v2"
SYSTEM_ROUTE = "/db/system/query/v2"


@dataclasses.dataclass
class Attempt:
    """One rejected request. The text {canary} in `statement` becomes the
    URL of the test's canary server. `parameters`, when set, is a function
    of that URL called at run time. `raw_body` replaces the JSON body."""

    name: str
    statement: str
    expect: tuple
    client: str = "reader"
    path: str = "/query"
    parameters: object = None
    extra: dict = None
    raw_body: str = None
    media: str = "application/json"


ATTEMPTS = [
    # Data writes: Neo4j rejects them in the read transaction.
    Attempt("create node", "CREATE (n:GwProbe {id: 'read-token'}) RETURN n", ACCESS_MODE),
    Attempt("create relationship",
            f"{TOM} MATCH (m:Movie {{title: 'Cast Away'}}) CREATE (p)-[:GW_PROBE]->(m)", ACCESS_MODE),
    Attempt("merge node", "MERGE (n:GwProbe {id: 'merge'}) RETURN n", ACCESS_MODE),
    Attempt("merge existing with on match set",
            "MERGE (p:Person {name: 'Tom Hanks'}) ON MATCH SET p.gwProbe = true", ACCESS_MODE),
    Attempt("set property", f"{TOM} SET p.born = 1900", ACCESS_MODE),
    Attempt("set property map", f"{TOM} SET p += {{gwProbe: 1}}", ACCESS_MODE),
    Attempt("set label", f"{TOM} SET p:GwProbe", ACCESS_MODE),
    Attempt("remove property", f"{TOM} REMOVE p.born", ACCESS_MODE),
    Attempt("remove label", f"{TOM} REMOVE p:Person", ACCESS_MODE),
    Attempt("delete relationships", f"{TOM}-[r:ACTED_IN]->() DELETE r", ACCESS_MODE),
    Attempt("detach delete node", f"{TOM} DETACH DELETE p", ACCESS_MODE),
    Attempt("foreach with create", "FOREACH (i IN range(1, 3) | CREATE (:GwProbe {i: i}))", ACCESS_MODE),
    Attempt("call subquery with create", "CALL { CREATE (n:GwProbe) RETURN n } RETURN count(n) AS c",
            ACCESS_MODE),
    Attempt("unit subquery with set",
            "MATCH (m:Movie) WITH m LIMIT 1 CALL { WITH m SET m.gwProbe = 1 } RETURN m.title", ACCESS_MODE),
    Attempt("call in transactions with create",
            "UNWIND range(1, 3) AS i CALL { WITH i CREATE (:GwProbe {i: i}) } IN TRANSACTIONS OF 1 ROW",
            ACCESS_MODE),
    Attempt("db.createLabel", "CALL db.createLabel('GwProbeLabel')", ACCESS_MODE),
    Attempt("db.createProperty", "CALL db.createProperty('gwProbeKey')", ACCESS_MODE),
    # db.index.*.create* is in the default deny list, so the policy stops it
    # before Neo4j's access mode would.
    Attempt("vector index procedure",
            "CALL db.index.vector.createNodeIndex('gw_probe_vector', 'GwProbe', 'v', 3, 'cosine')", POLICY),
    Attempt("use same database then create", "USE neo4j CREATE (n:GwProbe)", ACCESS_MODE),
    Attempt("cypher options then create", "CYPHER runtime=slotted CREATE (n:GwProbe)", ACCESS_MODE),
    Attempt("create after line comment",
            "// only counts movies\nMATCH (m:Movie) WITH count(m) AS c CREATE (:GwProbe {c: c})", ACCESS_MODE),
    Attempt("create after block comment",
            "/* MATCH (n) RETURN n */ CREATE (n:GwProbe {id: 'comment'})", ACCESS_MODE),
    # The JSON escapes spell CREATE, so only the decoded text is a write.
    Attempt("create spelled with json escapes", "",
            ACCESS_MODE, raw_body='{"statement": "\\u0043\\u0052\\u0045ATE (n:GwProbe {id: \\"escaped\\"})"}'),
    Attempt("create as typed json", "CREATE (n:GwProbe {id: 'typed'})", ACCESS_MODE,
            media="application/vnd.neo4j.query"),
    Attempt("create on pass-through route", "CREATE (n:GwProbe {id: 'passthrough'})", ACCESS_MODE_PASSTHROUGH,
            path=NEO4J_ROUTE),
    # A write token must still ask for write mode.
    Attempt("write token without access mode", "CREATE (n:GwProbe {id: 'implicit'})", ACCESS_MODE,
            client="writer"),
    Attempt("write token with read access mode", "CREATE (n:GwProbe {id: 'explicit-read'})", ACCESS_MODE,
            client="writer", extra={"accessMode": "read"}),
    # A read token requesting write mode is rejected before Neo4j is called.
    Attempt("read token asking for write", "CREATE (n:GwProbe {id: 'asks-write'})", SCOPE,
            extra={"accessMode": "write"}),
    Attempt("read token asking for WRITE", "CREATE (n:GwProbe {id: 'asks-WRITE'})", SCOPE,
            extra={"accessMode": "WRITE"}),
    # LOAD CSV is denied from the plan, before Neo4j opens the URL.
    Attempt("load csv from file url", "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", POLICY),
    Attempt("load csv from canary", "LOAD CSV FROM '{canary}' AS row RETURN row", POLICY),
    Attempt("load csv with headers from canary", "LOAD CSV WITH HEADERS FROM '{canary}' AS row RETURN row",
            POLICY),
    Attempt("load csv from parameter url", "LOAD CSV FROM $url AS row RETURN row", POLICY,
            parameters=lambda canary_url: {"url": canary_url}),
    Attempt("load csv then create", "LOAD CSV FROM '{canary}' AS row CREATE (:GwProbe {name: row[0]})", POLICY),
    Attempt("load csv on pass-through route", "LOAD CSV FROM '{canary}' AS row RETURN row", POLICY,
            path=NEO4J_ROUTE),
    # Procedures matching the default deny patterns (dbms.*).
    Attempt("dbms.components", "CALL dbms.components()", POLICY),
    Attempt("dbms.listConfig", "CALL dbms.listConfig() YIELD name, value RETURN name, value", POLICY),
    Attempt("dbms.listConfig without parentheses", "CALL dbms.listConfig", POLICY),
    Attempt("dbms.listConfig backquoted", "CALL `dbms`.`listConfig`()", POLICY),
    Attempt("dbms.listConfig in subquery",
            "CALL { CALL dbms.listConfig() YIELD name RETURN name } RETURN count(name) AS n", POLICY),
    Attempt("dbms.listConnections", "CALL dbms.listConnections()", POLICY),
    Attempt("dbms.components on pass-through route", "CALL dbms.components()", POLICY, path=NEO4J_ROUTE),
    # Schema commands.
    Attempt("create index", "CREATE INDEX gw_probe_index FOR (n:GwProbe) ON (n.id)", POLICY),
    Attempt("drop index", "DROP INDEX gw_probe_missing_index IF EXISTS", POLICY),
    Attempt("create constraint",
            "CREATE CONSTRAINT gw_probe_unique IF NOT EXISTS FOR (n:GwProbe) REQUIRE n.id IS UNIQUE", POLICY),
    Attempt("drop constraint", "DROP CONSTRAINT gw_probe_missing_constraint IF EXISTS", POLICY),
    # Administration and transaction management. Neo4j routes user
    # commands to the system database, and the plan shows that.
    Attempt("create user on system route",
            "CREATE USER gw_probe_user SET PASSWORD 'gw-probe-password-1' CHANGE NOT REQUIRED", SCOPE,
            path=SYSTEM_ROUTE),
    Attempt("create user on neo4j route",
            "CREATE USER gw_probe_user SET PASSWORD 'gw-probe-password-1' CHANGE NOT REQUIRED", POLICY,
            path=NEO4J_ROUTE),
    Attempt("create user on query route",
            "CREATE USER gw_probe_user SET PASSWORD 'gw-probe-password-1' CHANGE NOT REQUIRED", POLICY),
    # The current password, so that Neo4j would reject the change as
    # "unchanged" even if the gateway let it through.
    Attempt("alter user password", "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", POLICY,
            parameters=lambda canary_url: {"password": h.NEO4J_PASSWORD}),
    Attempt("show users", "SHOW USERS", POLICY),
    Attempt("show settings", "SHOW SETTINGS", POLICY),
    Attempt("show transactions", "SHOW TRANSACTIONS", POLICY),
    Attempt("terminate transactions", "TERMINATE TRANSACTIONS 'x'", POLICY),
    Attempt("use system", "USE system CALL dbms.components()", POLICY),
    Attempt("use system on pass-through route", "USE system CALL dbms.components()", POLICY, path=NEO4J_ROUTE),
    Attempt("system database field", "SHOW USERS", SCOPE, extra={"database": "system"}),
    Attempt("system route in capitals", "SHOW USERS", SCOPE, path="/db/SYSTEM/query/v2"),
]


@pytest.fixture(scope="module")
def tokens(gateway):
    return {"reader": gateway.token("reader"), "writer": gateway.token("writer")}


@pytest.fixture(scope="module")
def canary():
    server = CanaryServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def snapshot_before():
    before = state.snapshot()
    assert before["node_count"] == state.MOVIES_NODES
    assert before["relationship_count"] == state.MOVIES_RELATIONSHIPS
    return before


def send(gateway, token, canary_url, attempt):
    if attempt.raw_body is not None:
        body = attempt.raw_body
    else:
        fields = {"statement": attempt.statement.replace("{canary}", canary_url)}
        if attempt.parameters is not None:
            fields["parameters"] = attempt.parameters(canary_url)
        fields.update(attempt.extra or {})
        body = json.dumps(fields)
    headers = [("Content-Type", attempt.media), ("Authorization", f"Bearer {token}")]
    return h.request(gateway.url, "POST", attempt.path, body, headers)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.name for a in ATTEMPTS])
def test_write_attempt_rejected(gateway, tokens, canary, snapshot_before, attempt):
    canary_url = canary.url("/rows.csv")
    resp = send(gateway, tokens[attempt.client], canary_url, attempt)
    status, code = attempt.expect

    assert not 200 <= resp.status < 300, resp.body
    assert resp.status < 500, resp.body
    assert resp.status == status, resp.body
    assert resp.error_code() == code, resp.body
    assert "data" not in resp.json()
    assert canary.seen() == []
    assert state.node_count() == state.MOVIES_NODES
    assert state.relationship_count() == state.MOVIES_RELATIONSHIPS


def test_table_size():
    assert len(ATTEMPTS) >= 25


def test_attempt_names_unique():
    names = [a.name for a in ATTEMPTS]
    assert len(names) == len(set(names))


def test_canary_never_contacted(canary):
    assert canary.seen() == []


def test_database_unchanged_after_table(snapshot_before):
    after = state.snapshot()

    assert after["node_count"] == state.MOVIES_NODES
    assert after["relationship_count"] == state.MOVIES_RELATIONSHIPS
    state.assert_unchanged(snapshot_before, after)
    assert not any("gw_probe" in row[0] for row in after["indexes"])
    assert not any("gw_probe" in row[0] for row in after["constraints"])
    assert not any("gw_probe" in row[0] for row in after["users"])


def test_no_dbms_function_to_try():
    # The table calls dbms procedures only, because Neo4j 5.26 Community has
    # no dbms.* function. Add a case here when a Neo4j upgrade brings one.
    names = state.rows("SHOW FUNCTIONS YIELD name WHERE name STARTS WITH 'dbms.' RETURN name")
    assert names == []


def test_denials_logged_without_statement(gateway):
    # Every policy denial above has its own log event, and none names the statement.
    events = [json.loads(line) for line in gateway.log().splitlines()
              if line.startswith("{") and '"statement denied by policy"' in line]
    assert len(events) >= sum(1 for a in ATTEMPTS if a.expect == POLICY)
    assert all(set(event) <= {"ts", "level", "msg", "request_id", "client", "db", "cached"} for event in events)
    assert "gw_probe_user" not in gateway.log()
    assert "/etc/passwd" not in gateway.log()
