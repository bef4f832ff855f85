"""The gateway's pass-through route returns Neo4j's own bytes.

For each statement, `data` from POST /db/neo4j/query/v2 on the gateway must
equal, byte for byte, what Neo4j's Query API returns for the same request,
in plain JSON and in typed JSON (application/vnd.neo4j.query).
"""

import json

import pytest

import gateway_harness as h

STATEMENTS = [
    ("null", "RETURN null AS v"),
    ("booleans", "RETURN true AS t, false AS f"),
    ("int zero and small", "RETURN 0 AS z, 1 AS one, -1 AS minus"),
    ("int max", "RETURN 9223372036854775807 AS v"),
    ("int min", "RETURN -9223372036854775807 - 1 AS v"),
    ("int 2^53+1", "RETURN 9007199254740993 AS v"),
    ("floats", "RETURN 0.1 AS a, -2.5e-10 AS b, 1.0e300 AS c, 3.141592653589793 AS d"),
    ("float specials", "RETURN 1.0/0.0 AS inf, -1.0/0.0 AS ninf, 0.0/0.0 AS nan"),
    ("strings unicode", "RETURN 'héllo wörld' AS a, '日本語' AS b, '🚀 rocket' AS c, 'quote \" and \\\\ slash' AS d"),
    ("string control", "RETURN 'tab\\tnew\\nline' AS v"),
    ("empty string", "RETURN '' AS v"),
    ("lists", "RETURN [1, 2.5, 'x', null, true, [1, [2]]] AS v, [] AS empty"),
    ("maps", "RETURN {a: 1, b: {c: [1, 2]}, d: null} AS v, {} AS empty"),
    ("node", "MATCH (n:Person {name: 'Tom Hanks'}) RETURN n"),
    ("relationship", "MATCH (:Person {name: 'Tom Hanks'})-[r:ACTED_IN]->(:Movie {title: 'Cast Away'}) RETURN r"),
    ("path", "MATCH p = (:Person {name: 'Keanu Reeves'})-[:ACTED_IN]->(:Movie)<-[:DIRECTED]-(:Person) "
             "RETURN p ORDER BY length(p) LIMIT 1"),
    ("date", "RETURN date('2024-02-29') AS v"),
    ("time", "RETURN time('12:34:56.123456789+02:00') AS v"),
    ("localtime", "RETURN localtime('23:59:59.5') AS v"),
    ("datetime offset", "RETURN datetime('2024-03-31T01:30:00+01:00') AS v"),
    ("datetime zone id", "RETURN datetime('2024-03-31T03:30:00[Europe/Berlin]') AS v"),
    ("localdatetime", "RETURN localdatetime('2015-07-21T21:40:32.142') AS v"),
    ("duration", "RETURN duration('P1Y2M10DT12H45M30.25S') AS v, duration({days: -3}) AS neg"),
    ("point 2d cartesian", "RETURN point({x: 1.5, y: -2.25}) AS v"),
    ("point 3d cartesian", "RETURN point({x: 1, y: 2, z: 3}) AS v"),
    ("point wgs84 2d", "RETURN point({longitude: 12.5, latitude: 55.7}) AS v"),
    ("point wgs84 3d", "RETURN point({longitude: 12.5, latitude: 55.7, height: 100.0}) AS v"),
    ("many rows", "MATCH (m:Movie) RETURN m.title, m.released ORDER BY m.title"),
    ("aggregation", "MATCH (p:Person)-[:ACTED_IN]->(m) RETURN m.title, count(p) AS actors ORDER BY actors DESC, m.title LIMIT 5"),
]


def data_bytes(body):
    """Return the raw bytes of the top-level "data" value."""
    text = body.decode()
    start = text.index('"data":') + len('"data":')
    _, end = json.JSONDecoder().raw_decode(text, start)
    return body[start:end]


@pytest.fixture(scope="module")
def any_token(gateway):
    return gateway.token()


@pytest.mark.parametrize("accept", ["application/json", "application/vnd.neo4j.query"])
@pytest.mark.parametrize("name,statement", STATEMENTS, ids=[s[0] for s in STATEMENTS])
def test_same_bytes_as_neo4j(gateway, any_token, name, statement, accept):
    direct = h.neo4j_direct(statement, accept=accept)
    via = gateway.query(statement, token=any_token, path="/db/neo4j/query/v2", headers=[("Accept", accept)])
    assert direct.status == 202, direct.body
    assert via.status == 202, via.body
    assert data_bytes(via.body) == data_bytes(direct.body)


@pytest.mark.parametrize("accept", ["application/json", "application/vnd.neo4j.query"])
def test_bytes_value_same(gateway, any_token, accept):
    # Cypher has no byte array literal, but a typed JSON Base64 parameter
    # comes back as a byte array.
    body = json.dumps({"statement": "RETURN $b AS v",
                       "parameters": {"b": {"$type": "Base64", "_value": "AQIDBP8="}}})
    direct = h.request(h.NEO4J_URL, "POST", "/db/neo4j/query/v2", body, [
        ("Authorization", "Basic " + __import__("base64").b64encode(f"neo4j:{h.NEO4J_PASSWORD}".encode()).decode()),
        ("Content-Type", "application/vnd.neo4j.query"), ("Accept", accept)])
    via = h.request(gateway.url, "POST", "/db/neo4j/query/v2", body, [
        ("Authorization", f"Bearer {any_token}"), ("Content-Type", "application/vnd.neo4j.query"), ("Accept", accept)])
    assert direct.status == 202, direct.body
    assert via.status == 202, via.body
    assert data_bytes(via.body) == data_bytes(direct.body)


def test_whole_body_unchanged(gateway, any_token):
    statement = "MATCH (n) RETURN count(n) AS n"
    direct = h.neo4j_direct(statement)
    via = gateway.query(statement, token=any_token, path="/db/neo4j/query/v2")
    assert via.body == direct.body
