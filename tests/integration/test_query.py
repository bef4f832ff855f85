"""POST /query and POST /db/{database}/query/v2 on the real movies graph."""

import json
import time

import gateway_harness as h

TOM_HANKS = "MATCH (p:Person {name: $name})-[:ACTED_IN]->(m) RETURN m.title ORDER BY m.title"


def titles(resp):
    return [row[0] for row in resp.json()["data"]["values"]]


def test_count(gateway):
    resp = gateway.query("MATCH (n) RETURN count(n) AS n", token=gateway.token())
    assert resp.status == 200
    assert resp.json()["data"] == {"fields": ["n"], "values": [[171]]}
    assert resp.json()["bookmarks"]
    assert resp.header("X-Request-Id")


def test_parameterised_query(gateway):
    resp = gateway.query(TOM_HANKS, {"name": "Tom Hanks"}, token=gateway.token())
    assert resp.status == 200
    got = titles(resp)
    assert len(got) == 12
    assert got[0] == "A League of Their Own"
    assert "Cast Away" in got
    assert got == sorted(got)


def test_integer_parameters_stay_integers(gateway):
    resp = gateway.query("UNWIND range(1,5) AS x RETURN x ORDER BY x SKIP $skip LIMIT $limit",
                         {"skip": 0, "limit": 2}, token=gateway.token())
    assert resp.status == 200, resp.body
    assert resp.json()["data"]["values"] == [[1], [2]]


def test_parameter_value_types(gateway):
    resp = gateway.query("RETURN valueType($n) AS tn, valueType($f) AS tf", {"n": 3, "f": 2.5},
                         token=gateway.token())
    assert resp.status == 200, resp.body
    assert resp.json()["data"]["values"] == [["INTEGER NOT NULL", "FLOAT NOT NULL"]]


def test_limit_parameter(gateway):
    resp = gateway.query("MATCH (m:Movie) RETURN m.title ORDER BY m.title LIMIT $n", {"n": 3},
                         token=gateway.token())
    assert resp.status == 200
    assert len(titles(resp)) == 3


def test_node_relationship_path(gateway):
    resp = gateway.query(
        "MATCH p = (a:Person {name: 'Keanu Reeves'})-[r:ACTED_IN]->(m:Movie {title: 'The Matrix'}) "
        "RETURN a, r, p", token=gateway.token())
    assert resp.status == 200, resp.body
    node, rel, path = resp.json()["data"]["values"][0]
    assert node["labels"] == ["Person"]
    assert node["properties"]["name"] == "Keanu Reeves"
    assert rel["type"] == "ACTED_IN"
    assert rel["properties"]["roles"] == ["Neo"]
    assert rel["startNodeElementId"] == node["elementId"]
    assert len(path) == 3


def test_syntax_error(gateway):
    resp = gateway.query("RETRUN 1", token=gateway.token())
    assert resp.status == 400
    assert resp.error_code() == "Neo.ClientError.Statement.SyntaxError"


def test_error_after_rows_is_not_success(gateway):
    resp = gateway.query("UNWIND [1, 2, 0] AS x RETURN 10 / x AS y", token=gateway.token())
    assert resp.status == 400
    body = resp.json()
    assert "data" not in body
    assert body["errors"][0]["code"] == "Neo.ClientError.Statement.ArithmeticError"


def test_error_after_rows_on_passthrough(gateway):
    resp = gateway.query("UNWIND [1, 2, 0] AS x RETURN 10 / x AS y", token=gateway.token(),
                         path="/db/neo4j/query/v2")
    assert resp.status == 400
    assert "data" not in resp.json()


def test_read_token_create_refused(gateway):
    before = h.node_count()
    resp = gateway.query("CREATE (n:Probe {id: 'h04'}) RETURN n", token=gateway.token("reader"))
    assert 400 <= resp.status < 500
    assert resp.error_code() == "Neo.ClientError.Statement.AccessMode"
    assert h.node_count() == before


def test_read_token_set_refused(gateway):
    resp = gateway.query("MATCH (n) SET n.touched = true RETURN count(n)", token=gateway.token("reader"))
    assert 400 <= resp.status < 500
    assert resp.error_code() == "Neo.ClientError.Statement.AccessMode"
    check = h.neo4j_direct("MATCH (n) WHERE n.touched IS NOT NULL RETURN count(n) AS c")
    assert check.json()["data"]["values"] == [[0]]


def test_write_token_without_write_mode_reads(gateway):
    # Writes must be asked for explicitly, even with a write token.
    resp = gateway.query("CREATE (n:Probe {id: 'implicit'})", token=gateway.token("writer"))
    assert resp.error_code() == "Neo.ClientError.Statement.AccessMode"


def test_write_token_create_and_delete(gateway):
    token = gateway.token("writer")
    before = h.node_count()
    created = gateway.query("CREATE (n:Probe {id: $id}) RETURN n.id AS id", {"id": "write-test"}, token=token,
                            extra={"accessMode": "write", "includeCounters": True})
    assert created.status == 200, created.body
    assert created.json()["counters"]["nodesCreated"] == 1
    assert created.json()["counters"]["containsUpdates"] is True
    assert h.node_count() == before + 1
    deleted = gateway.query("MATCH (n:Probe {id: $id}) DELETE n", {"id": "write-test"}, token=token,
                            extra={"accessMode": "WRITE", "includeCounters": True,
                                   "bookmarks": created.json()["bookmarks"]})
    assert deleted.status == 200, deleted.body
    assert deleted.json()["counters"]["nodesDeleted"] == 1
    assert h.node_count() == before


def test_passthrough_route(gateway):
    resp = gateway.query("MATCH (n) RETURN count(n) AS n", token=gateway.token(), path="/db/neo4j/query/v2")
    assert resp.status == 202
    assert resp.json()["data"]["values"] == [[171]]


def test_passthrough_syntax_error(gateway):
    resp = gateway.query("RETRUN 1", token=gateway.token(), path="/db/neo4j/query/v2")
    assert resp.status == 400
    assert resp.error_code() == "Neo.ClientError.Statement.SyntaxError"


def test_passthrough_database_not_allowed(gateway):
    resp = gateway.query("RETURN 1", token=gateway.token(), path="/db/system/query/v2")
    assert resp.status == 403
    assert resp.error_code() == "insufficient_scope"


def test_unknown_database(start_gateway):
    gw = start_gateway("anydb", clients=[("any", ["*"], "read")])
    resp = gw.query("RETURN 1", token=gw.token("any"), extra={"database": "nosuchdb"})
    assert resp.status == 404
    assert resp.error_code() == "Neo.ClientError.Database.DatabaseNotFound"


def test_typed_json_accept(gateway):
    resp = gateway.query("RETURN 1 AS x", token=gateway.token(), headers=[("Accept", "application/vnd.neo4j.query")])
    assert resp.status == 200
    assert resp.header("Content-Type").startswith("application/vnd.neo4j.query")
    assert resp.json()["data"]["values"] == [[{"$type": "Integer", "_value": "1"}]]


def test_unsupported_accept(gateway):
    resp = gateway.query("RETURN 1 AS x", token=gateway.token(), headers=[("Accept", "text/html")])
    assert resp.status == 406
    assert resp.error_code() == "not_acceptable"


def test_invalid_bodies(gateway):
    token = gateway.token()
    cases = [
        ("not json", "invalid_request"),
        ("[]", "invalid_request"),
        ("{}", "invalid_request"),
        ('{"statement": ""}', "invalid_request"),
        ('{"statement": 1}', "invalid_request"),
        ('{"statement": "RETURN 1", "parameters": []}', "invalid_request"),
        ('{"statement": "RETURN 1", "bookmarks": [1]}', "invalid_request"),
        ('{"statement": "RETURN 1", "accessMode": "admin"}', "invalid_request"),
        ('{"statement": "RETURN 1", "impersonatedUser": "neo4j"}', "invalid_request"),
        ('{"statement": "RETURN 1", "statement": "RETURN 2"}', "invalid_request"),
        ('{"statement": "RETURN 1", "database": "../system"}', "invalid_request"),
        (b'{"statement": "RETURN \xff"}', "invalid_request"),
    ]
    for body, code in cases:
        resp = gateway.query(None, token=token, raw=body)
        assert resp.status == 400, (body, resp.status, resp.body)
        assert resp.error_code() == code, body


def test_wrong_content_type(gateway):
    resp = h.request(gateway.url, "POST", "/query", '{"statement":"RETURN 1"}',
                     [("Content-Type", "text/plain"), ("Authorization", f"Bearer {gateway.token()}")])
    assert resp.status == 415
    assert resp.error_code() == "unsupported_media_type"


def test_body_too_large(gateway):
    # The declared length is enough: the gateway responds before reading.
    head = (f"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {gateway.token()}\r\nContent-Length: {2 * 1024 * 1024}\r\n\r\n")
    answer = h.raw_exchange(gateway.port, head.encode())
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code":"payload_too_large"' in answer


def test_body_too_large_with_expect_continue(gateway):
    head = (f"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {gateway.token()}\r\nContent-Length: {2 * 1024 * 1024}\r\n"
            f"Expect: 100-continue\r\n\r\n")
    answer = h.raw_exchange(gateway.port, head.encode())
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_chunked_body_too_large(gateway):
    token = gateway.token()
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
    head = (f"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    try:
        answer = h.raw_exchange(gateway.port, head + body)
    except (BrokenPipeError, ConnectionResetError):
        answer = b""
    # The limit is noticed while reading a chunked body; the gateway then
    # closes the connection instead of reading on (no 200, no 5xx).
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert h.request(gateway.url, "GET", "/health").status == 200


def test_chunked_body_accepted(gateway):
    token = gateway.token()
    payload = b'{"statement":"RETURN 41 + 1 AS x"}'
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
    head = (f"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    answer = h.raw_exchange(gateway.port, head + body)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert b'"values":[[42]]' in answer


def test_not_found_and_method(gateway):
    resp = h.request(gateway.url, "GET", "/nope")
    assert resp.status == 404
    assert resp.error_code() == "not_found"
    resp = h.request(gateway.url, "GET", "/query")
    assert resp.status == 405
    assert resp.error_code() == "method_not_allowed"
    resp = h.request(gateway.url, "POST", "/db/bad!name/query/v2", "{}", [("Content-Type", "application/json")])
    assert resp.status == 400


def test_health_and_ready(gateway):
    health = h.request(gateway.url, "GET", "/health")
    assert health.status == 200
    assert health.json() == {"status": "ok"}
    ready = h.request(gateway.url, "GET", "/ready")
    assert ready.status == 200
    assert ready.json()["status"] == "ready"


def test_request_id_echoed(gateway):
    resp = h.request(gateway.url, "GET", "/health", headers=[("X-Request-Id", "trace-123")])
    assert resp.header("X-Request-Id") == "trace-123"
    resp = h.request(gateway.url, "GET", "/health", headers=[("X-Request-Id", "bad id with spaces")])
    assert resp.header("X-Request-Id") != "bad id with spaces"


def test_keep_alive_reuse(gateway):
    import http.client
    token = gateway.token()
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=30)
    try:
        for i in range(20):
            conn.request("POST", "/query", json.dumps({"statement": "RETURN $i AS i", "parameters": {"i": i}}),
                         {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
            resp = conn.getresponse()
            assert resp.status == 200
            assert json.loads(resp.read())["data"]["values"] == [[i]]
    finally:
        conn.close()


def test_failed_queries_do_not_leak_pool_slots(start_gateway):
    gw = start_gateway("pool2", overrides={"neo4j.pool_size": 2, "neo4j.acquire_timeout_ms": 5000})
    token = gw.token()
    for _ in range(5):
        resp = gw.query("RETURN 1/0 AS boom", token=token)
        assert resp.status == 400
        assert resp.error_code() == "Neo.ClientError.Statement.ArithmeticError"
    for _ in range(5):
        resp = gw.query("RETRUN 1", token=token)
        assert resp.status == 400
        assert resp.error_code() == "Neo.ClientError.Statement.SyntaxError"
    started = time.monotonic()
    resp = gw.query("RETURN 1 AS ok", token=token)
    assert resp.status == 200
    assert time.monotonic() - started < 1.0
    assert "pool_exhausted" not in gw.log()


def running_transactions(marker):
    resp = h.neo4j_direct("SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery CONTAINS $m "
                          "RETURN count(*) AS n", {"m": marker}, access_mode="Write")
    assert resp.status == 202, resp.body
    return resp.json()["data"]["values"][0][0]


def test_runaway_query_stopped_on_server(start_gateway):
    gw = start_gateway("budget", overrides={"neo4j.request_timeout_ms": 3000})
    statement = "UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 100 RETURN count(x) AS c"
    started = time.monotonic()
    resp = gw.query(statement, token=gw.token())
    elapsed = time.monotonic() - started
    assert resp.status == 504, resp.body
    assert resp.error_code() == "neo4j_timeout"
    assert elapsed < 10
    time.sleep(3)
    assert running_transactions("x % 7 = 100") == 0
    assert "terminated timed-out transaction" in gw.log()


def test_reserved_parameter_rejected(gateway):
    resp = gateway.query("RETURN 1", {"cypher_gateway_request_id": "x"}, token=gateway.token())
    assert resp.status == 400
    assert resp.error_code() == "invalid_request"
