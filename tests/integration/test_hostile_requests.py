"""Hostile and malformed HTTP requests, sent as raw bytes.

The gateway must respond to each with a 4xx (a JSON error from the
gateway, any body when libmicrohttpd responds by itself) or close the
connection. It must never send a 5xx or crash, and /health must return
200 after every case. Positive controls (status 200 or 202) show that the same
request shape works when nothing is wrong with it.
"""

import json
import socket
import time

import pytest

import gateway_harness as h

BODY = b'{"statement":"RETURN 1 AS x"}'
STALL = "stall"  # no response and the connection stays open, e.g. an unfinished request line
CLOSED = "closed"  # the connection was closed without a response


class Outcome:
    """What came back on one connection: the responses in order, and how
    the connection ended."""

    def __init__(self, data, ending):
        self.data = data
        self.ending = ending  # CLOSED, STALL or "open" after a complete response
        self.responses = parse_responses(data)

    @property
    def status(self):
        return self.responses[0]["status"] if self.responses else None


def parse_responses(data):
    """Split raw bytes into responses framed by Content-Length."""
    responses = []
    while data:
        head_end = data.find(b"\r\n\r\n")
        if head_end < 0 or not data.startswith(b"HTTP/"):
            break
        lines = data[:head_end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status = int(parts[1])
        body_start = head_end + 4
        length = 0 if status in (100, 204, 304) else int(headers.get("content-length", "0"))
        responses.append({"status": status, "headers": headers, "body": data[body_start:body_start + length]})
        data = data[body_start + length:]
    return responses


def exchange(port, data, quiet=1.0):
    """Send data on a new connection and read until the server closes it or
    stays quiet for `quiet` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return Outcome(b"", CLOSED)
        sock.settimeout(quiet)
        chunks = []
        ending = CLOSED
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                ending = STALL if not chunks else "open"
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return Outcome(b"".join(chunks), ending)


class Expect:
    """Allowed results of one case.

    statuses: allowed status codes of the first response. code: the
    gateway's JSON error code, checked when the status is an error the
    gateway sends itself (libmicrohttpd sends HTML). endings: allowed
    connection endings when no response came back."""

    def __init__(self, *statuses, code=None, endings=(), mhd=False):
        self.statuses = statuses
        self.code = code
        self.endings = endings
        self.mhd = mhd


def gateway_error(status, code):
    return Expect(status, code=code)


def ok(status=200):
    return Expect(status)


class Request:
    """Raw request builder for one gateway and token."""

    def __init__(self, gw, token):
        self.gw = gw
        self.port = gw.port
        self.token = token.encode()

    def auth(self):
        return b"Authorization: Bearer " + self.token + b"\r\n"

    def post(self, body=BODY, content_type=b"application/json", extra=b"", path=b"/query", auth=True,
             length=None, after_length=b""):
        """Build a POST; extra goes before Content-Length, after_length after it."""
        head = b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if auth:
            head += self.auth()
        if content_type is not None:
            head += b"Content-Type: " + content_type + b"\r\n"
        head += extra
        head += b"Content-Length: " + (str(len(body)).encode() if length is None else length) + b"\r\n"
        head += after_length
        return head + b"Connection: close\r\n\r\n" + body

    def chunked(self, chunks, extra=b""):
        return (b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\n" + self.auth() +
                b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n" + extra +
                b"Connection: close\r\n\r\n" + chunks)

    def get(self, path=b"/health", method=b"GET", version=b"HTTP/1.1", extra=b""):
        return method + b" " + path + b" " + version + b"\r\nHost: 127.0.0.1\r\n" + extra + b"Connection: close\r\n\r\n"


def chunk(data, size=None):
    return (b"%x" % len(data) if size is None else size) + b"\r\n" + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"
DEEP_ARRAY = b"[" * 10000 + b"]" * 10000
DEEP_OBJECT = b'{"a":' * 10000 + b"1" + b"}" * 10000
TLS_CLIENT_HELLO_START = bytes.fromhex("16030100a5010000a10303") + bytes(range(32)) + b"\x00" * 64


def case(name, build, expect, xfail=None):
    marks = [pytest.mark.xfail(reason=xfail, strict=True)] if xfail else []
    return pytest.param(build, expect, id=name, marks=marks)


INVALID_REQUEST = gateway_error(400, "invalid_request")
UNSUPPORTED = gateway_error(415, "unsupported_media_type")
# libmicrohttpd rejects syntax errors with 400 and an HTML body, or closes.
MHD_REJECT = Expect(400, endings=(CLOSED,), mhd=True)
# Requests too large for libmicrohttpd's per-connection memory.
MHD_TOO_LARGE = Expect(413, 414, 431, endings=(CLOSED,), mhd=True)

CASES = [
    # Malformed JSON bodies on POST /query with a valid token.
    case("json-empty", lambda r: r.post(b""), INVALID_REQUEST),
    case("json-truncated", lambda r: r.post(b'{"statement":"RETURN 1"'), INVALID_REQUEST),
    case("json-array", lambda r: r.post(b'["RETURN 1"]'), INVALID_REQUEST),
    case("json-string", lambda r: r.post(b'"RETURN 1"'), INVALID_REQUEST),
    case("json-number", lambda r: r.post(b"1"), INVALID_REQUEST),
    case("json-null", lambda r: r.post(b"null"), INVALID_REQUEST),
    case("json-trailing-garbage", lambda r: r.post(BODY + b" x"), INVALID_REQUEST),
    case("json-two-objects", lambda r: r.post(BODY + BODY), INVALID_REQUEST),
    case("json-byte-order-mark", lambda r: r.post(b"\xef\xbb\xbf" + BODY), INVALID_REQUEST),
    case("json-single-quotes", lambda r: r.post(b"{'statement':'RETURN 1'}"), INVALID_REQUEST),
    case("json-nan", lambda r: r.post(b'{"statement":"RETURN $x","parameters":{"x":NaN}}'), INVALID_REQUEST),
    case("json-number-overflow", lambda r: r.post(b'{"statement":"RETURN $x","parameters":{"x":1e999999}}'),
         INVALID_REQUEST),
    case("json-duplicate-key", lambda r: r.post(b'{"statement":"RETURN 1","statement":"RETURN 2"}'),
         INVALID_REQUEST),
    case("json-statement-number", lambda r: r.post(b'{"statement":1}'), INVALID_REQUEST),
    case("json-unknown-field", lambda r: r.post(b'{"statement":"RETURN 1","user":"neo4j"}'), INVALID_REQUEST),
    case("json-nested-10000-body", lambda r: r.post(DEEP_ARRAY), INVALID_REQUEST),
    case("json-nested-10000-parameter",
         lambda r: r.post(b'{"statement":"RETURN $p","parameters":{"p":' + DEEP_ARRAY + b"}}"), INVALID_REQUEST),
    case("json-nested-10000-objects",
         lambda r: r.post(b'{"statement":"RETURN $p","parameters":{"p":' + DEEP_OBJECT + b"}}"), INVALID_REQUEST),

    # Invalid UTF-8 and NUL bytes in the body.
    case("utf8-invalid-byte", lambda r: r.post(b'{"statement":"RETURN \xff\xfe"}'), INVALID_REQUEST),
    case("utf8-overlong", lambda r: r.post(b'{"statement":"RETURN \xc0\xaf"}'), INVALID_REQUEST),
    case("utf8-encoded-surrogate", lambda r: r.post(b'{"statement":"RETURN \xed\xa0\x80"}'), INVALID_REQUEST),
    case("utf8-truncated-sequence", lambda r: r.post(b'{"statement":"RETURN \xe2\x82"}'), INVALID_REQUEST),
    case("json-lone-surrogate-escape",
         lambda r: r.post(b'{"statement":"RETURN $x AS x","parameters":{"x":"\\ud800"}}'), INVALID_REQUEST),
    case("nul-raw-in-string", lambda r: r.post(b'{"statement":"RETURN 1\x00"}'), INVALID_REQUEST),
    case("nul-raw-between-tokens", lambda r: r.post(b'{"statement":\x00"RETURN 1"}'), INVALID_REQUEST),
    case("nul-escaped-in-key",
         lambda r: r.post(b'{"statement":"RETURN 1","parameters":{"x\\u0000":1}}'), INVALID_REQUEST),
    case("nul-escaped-in-statement", lambda r: r.post(b'{"statement":"RETURN 1\\u0000"}'),
         Expect(400, code="Neo.ClientError.Statement.SyntaxError")),
    case("nul-escaped-in-statement-pass-through",
         lambda r: r.post(b'{"statement":"RETURN 1\\u0000"}', path=b"/db/neo4j/query/v2"),
         Expect(400, code="Neo.ClientError.Statement.SyntaxError")),
    case("nul-escaped-in-parameter",
         lambda r: r.post(b'{"statement":"RETURN $x AS x","parameters":{"x":"a\\u0000b"}}'), ok()),

    # Content types.
    case("content-type-text-plain", lambda r: r.post(content_type=b"text/plain"), UNSUPPORTED),
    case("content-type-form", lambda r: r.post(content_type=b"application/x-www-form-urlencoded"), UNSUPPORTED),
    case("content-type-json-prefix", lambda r: r.post(content_type=b"application/jsonx"), UNSUPPORTED),
    case("content-type-multipart", lambda r: r.post(content_type=b"multipart/form-data; boundary=x"), UNSUPPORTED),
    case("content-type-empty", lambda r: r.post(content_type=b""), UNSUPPORTED),
    case("content-type-missing", lambda r: r.post(content_type=None), UNSUPPORTED),
    case("content-type-control-character", lambda r: r.post(content_type=b"application/json\x01"), UNSUPPORTED),
    case("content-type-charset", lambda r: r.post(content_type=b"application/json; charset=utf-8"), ok()),
    case("token-with-json-body", lambda r: r.post(b'{"grant_type":"client_credentials"}', path=b"/token",
                                                  auth=False), INVALID_REQUEST),
    case("token-form-invalid-bytes", lambda r: r.post(b"grant_type=client_credentials\xff\xfe\x00\x01",
                                                      content_type=b"application/x-www-form-urlencoded",
                                                      path=b"/token", auth=False), INVALID_REQUEST),

    # Invalid UTF-8, NUL and CR in header values.
    case("header-utf8-invalid-unrelated", lambda r: r.post(extra=b"X-Note: \xc3\x28\xff\r\n"), ok()),
    case("header-utf8-invalid-authorization",
         lambda r: r.post(auth=False, extra=b"Authorization: Bearer \xff\xfe" + r.token + b"\r\n"),
         gateway_error(401, "invalid_token")),
    case("header-utf8-invalid-content-type", lambda r: r.post(content_type=b"application/json\xff\xfe"),
         UNSUPPORTED),
    case("header-utf8-invalid-accept", lambda r: r.post(extra=b"Accept: \xff\xfe\r\n"),
         gateway_error(406, "not_acceptable")),
    case("header-nul-unrelated", lambda r: r.post(extra=b"X-Note: a\x00b\r\n"), Expect(200, 400, mhd=True)),
    # libmicrohttpd 0.9.75 ends the header value at the NUL and reports that
    # shorter length, so the gateway receives only the valid token before it.
    # NOTE: the bytes after the NUL are dropped unseen, not rejected.
    case("header-nul-after-token",
         lambda r: r.post(auth=False, extra=b"Authorization: Bearer " + r.token + b"\x00junk\r\n"),
         Expect(200, 400, 401, mhd=True)),
    case("header-bare-cr-after-token",
         lambda r: r.post(auth=False, extra=b"Authorization: Bearer " + r.token + b"\rjunk\r\n"),
         Expect(400, 401, mhd=True)),
    case("header-space-before-colon",
         lambda r: r.post(auth=False, extra=b"Authorization : Bearer " + r.token + b"\r\n"),
         Expect(400, 401, mhd=True)),
    case("header-obs-fold-authorization",
         lambda r: r.post(auth=False, extra=b"Authorization: Bearer\r\n " + r.token + b"\r\n"),
         Expect(400, 401, mhd=True)),
    case("header-line-without-colon", lambda r: r.post(extra=b"NoColonHere\r\n"), MHD_REJECT),

    # Headers too large for the connection's memory.
    case("header-64-kib", lambda r: r.post(extra=b"X-Big: " + b"a" * 65536 + b"\r\n"), MHD_TOO_LARGE),
    case("headers-1000", lambda r: r.post(extra=b"".join(b"X-Header-%d: v\r\n" % i for i in range(1000))),
         Expect(200, 413, 431, endings=(CLOSED,), mhd=True)),
    case("request-target-64-kib", lambda r: r.get(path=b"/" + b"a" * 65536), MHD_TOO_LARGE),

    # Versions and request lines.
    case("http-1.0-health", lambda r: b"GET /health HTTP/1.0\r\n\r\n", ok()),
    case("http-1.0-query", lambda r: r.post().replace(b"HTTP/1.1", b"HTTP/1.0", 1), ok()),
    case("http-0.9-request-line", lambda r: b"GET /health\r\n\r\n", MHD_REJECT),
    # 505 is the status RFC 9110 defines for an unsupported major version,
    # so it is the one 5xx these cases may get.
    case("http-version-9.9", lambda r: r.get(version=b"HTTP/9.9"), Expect(400, 505, endings=(CLOSED,), mhd=True)),
    case("http-2-preface", lambda r: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
         Expect(400, 505, endings=(CLOSED,), mhd=True)),
    case("request-line-garbage", lambda r: b"GARBAGE\r\n\r\n", MHD_REJECT),
    case("request-line-binary", lambda r: bytes(range(1, 256)) + b"\r\n\r\n", MHD_REJECT),
    case("request-line-extra-token", lambda r: b"GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n", MHD_REJECT),
    case("request-line-nul-in-target", lambda r: r.get(path=b"/he\x00alth"), Expect(200, 400, 404, mhd=True)),
    case("tls-client-hello", lambda r: TLS_CLIENT_HELLO_START, Expect(400, endings=(CLOSED, STALL), mhd=True)),
    case("empty-lines-only", lambda r: b"\r\n\r\n\r\n", Expect(400, endings=(CLOSED, STALL), mhd=True)),

    # Methods.
    case("method-unknown-on-query", lambda r: r.get(path=b"/query", method=b"BREW"),
         gateway_error(405, "method_not_allowed")),
    case("method-unknown-on-health", lambda r: r.get(method=b"BREW"), gateway_error(405, "method_not_allowed")),
    case("method-lower-case", lambda r: r.get(method=b"get"), gateway_error(405, "method_not_allowed")),
    case("method-with-brace", lambda r: r.get(method=b"G{T"), Expect(400, 405, code="method_not_allowed",
                                                                      mhd=True)),
    case("method-delete-on-query", lambda r: r.post(path=b"/query").replace(b"POST", b"DELETE", 1),
         gateway_error(405, "method_not_allowed")),
    case("method-connect", lambda r: b"CONNECT 127.0.0.1:7475 HTTP/1.1\r\nHost: 127.0.0.1:7475\r\n\r\n",
         Expect(400, 404, 405, code="not_found", mhd=True)),
    case("method-options-asterisk", lambda r: r.get(path=b"*", method=b"OPTIONS"),
         Expect(400, 404, code="not_found", mhd=True)),

    # Request targets: absolute form, dot segments and percent-encoding.
    # RFC 9112 3.2.2 lets a server serve the absolute form; 404 is fine too.
    case("absolute-form-health", lambda r: r.get(path=b"http://127.0.0.1:%d/health" % r.port),
         Expect(200, 404, code="not_found")),
    case("absolute-form-query", lambda r: r.post(path=b"http://127.0.0.1:%d/query" % r.port),
         Expect(200, 404, code="not_found")),
    case("path-encoded-dot-dot-database", lambda r: r.post(path=b"/db/%2e%2e/query/v2"), INVALID_REQUEST),
    case("path-encoded-slash-in-database", lambda r: r.post(path=b"/db/neo4j%2Fx/query/v2"),
         gateway_error(404, "not_found")),
    case("path-dot-dot-to-system", lambda r: r.post(path=b"/db/..%2fsystem/query/v2"),
         gateway_error(404, "not_found")),
    # A path with %00 is left undecoded, so "%00" is an invalid database name.
    case("path-encoded-nul-database", lambda r: r.post(path=b"/db/%00/query/v2"),
         Expect(400, 404, code="invalid_request")),
    case("path-encoded-invalid-utf8-database", lambda r: r.post(path=b"/db/%ff/query/v2"), INVALID_REQUEST),
    case("path-system-database-not-in-token", lambda r: r.post(path=b"/db/system/query/v2"),
         gateway_error(403, "insufficient_scope")),
    case("path-dot-dot-segment", lambda r: r.get(path=b"/query/../health"), gateway_error(404, "not_found")),
    case("path-double-slash", lambda r: r.get(path=b"//health"), gateway_error(404, "not_found")),
    case("path-upper-case", lambda r: r.get(path=b"/HEALTH"), gateway_error(404, "not_found")),
    case("path-encoded-route", lambda r: r.post(path=b"/quer%79"), ok()),
    case("path-encoded-nul-suffix", lambda r: r.post(path=b"/query%00/../admin"),
         gateway_error(404, "not_found")),

    # Chunked bodies.
    case("chunked-valid", lambda r: r.chunked(chunk(BODY) + LAST_CHUNK), ok()),
    case("chunked-extension", lambda r: r.chunked(chunk(BODY, b"%x;name=value" % len(BODY)) + LAST_CHUNK), ok()),
    case("chunked-size-not-hex", lambda r: r.chunked(chunk(BODY, b"zz") + LAST_CHUNK), MHD_REJECT),
    case("chunked-size-negative", lambda r: r.chunked(chunk(BODY, b"-1") + LAST_CHUNK), MHD_REJECT),
    case("chunked-size-0x-prefix", lambda r: r.chunked(chunk(BODY, b"0x%x" % len(BODY)) + LAST_CHUNK), MHD_REJECT),
    case("chunked-size-leading-space", lambda r: r.chunked(chunk(BODY, b" %x" % len(BODY)) + LAST_CHUNK),
         MHD_REJECT),
    case("chunked-size-overflow", lambda r: r.chunked(chunk(BODY, b"f" * 20) + LAST_CHUNK),
         Expect(400, 413, endings=(CLOSED,), mhd=True)),
    case("chunked-size-smaller-than-data", lambda r: r.chunked(chunk(BODY, b"%x" % (len(BODY) - 10)) + LAST_CHUNK),
         MHD_REJECT),
    case("chunked-missing-crlf-after-data", lambda r: r.chunked(b"%x\r\n" % len(BODY) + BODY + LAST_CHUNK),
         MHD_REJECT),
    case("chunked-with-content-length",
         lambda r: r.chunked(chunk(BODY) + LAST_CHUNK, extra=b"Content-Length: 5\r\n"), Expect(200, 400, mhd=True)),
    case("transfer-encoding-gzip",
         lambda r: r.post(extra=b"Transfer-Encoding: gzip\r\n"), Expect(400, mhd=True)),
    case("transfer-encoding-identity-with-content-length",
         lambda r: r.post(extra=b"Transfer-Encoding: identity\r\n"), Expect(400, mhd=True)),

    # Content-Length values.
    case("content-length-not-a-number", lambda r: r.post(length=b"abc"), MHD_REJECT),
    case("content-length-negative", lambda r: r.post(length=b"-1"), MHD_REJECT),
    case("content-length-plus-sign", lambda r: r.post(length=b"+%d" % len(BODY)), MHD_REJECT),
    case("content-length-list", lambda r: r.post(length=b"%d, %d" % (len(BODY), len(BODY))), MHD_REJECT),
    case("content-length-huge", lambda r: r.post(length=b"9" * 23), Expect(400, 413, mhd=True)),
    case("content-length-over-max-body", lambda r: r.post(length=b"%d" % (2 * 1048576)),
         gateway_error(413, "payload_too_large")),
    case("content-length-twice-same", lambda r: r.post(after_length=b"Content-Length: %d\r\n" % len(BODY)),
         Expect(200, 400, mhd=True)),
    # The correct length comes first, so taking the first field succeeds.
    case("content-length-twice-different", lambda r: r.post(after_length=b"Content-Length: 5\r\n"),
         Expect(400, mhd=True)),
]


@pytest.fixture(scope="module")
def req(gateway):
    return Request(gateway, gateway.token("reader"))


def assert_serving(gw):
    assert gw.proc.poll() is None, f"gateway exited with {gw.proc.returncode}"
    assert h.request(gw.url, "GET", "/health", timeout=10).status == 200


@pytest.mark.parametrize("build, expect", CASES)
def test_hostile_request(req, build, expect):
    outcome = exchange(req.port, build(req))

    if outcome.status is None:
        assert outcome.ending in expect.endings, f"no response ({outcome.ending}): {outcome.data[:300]!r}"
    else:
        assert outcome.status in expect.statuses, outcome.data[:600]
        response = outcome.responses[0]
        is_json = response["headers"].get("content-type", "").startswith("application/json")
        if outcome.status >= 400 and not expect.mhd:
            assert is_json, outcome.data[:600]
        if outcome.status >= 400 and is_json and expect.code is not None:
            errors = json.loads(response["body"])["errors"]
            assert errors[0]["code"] == expect.code, outcome.data[:600]
    assert_serving(req.gw)


def test_table_size():
    assert len({param.id for param in CASES}) == len(CASES)


def test_pipelined_requests_in_order(req):
    data = (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n"
            b"POST /query HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\n" + req.auth() +
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY +
            b"GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: third\r\nConnection: close\r\n\r\n")
    outcome = exchange(req.port, data, quiet=5)

    assert [r["status"] for r in outcome.responses] == [200, 200, 404], outcome.data[:1000]
    assert [r["headers"].get("x-request-id") for r in outcome.responses] == ["first", "second", "third"]
    assert json.loads(outcome.responses[1]["body"])["data"]["values"] == [[1]]
    assert outcome.ending == CLOSED
    assert_serving(req.gw)


def test_pipelined_rejected_body_not_parsed(req):
    # The second request has a bad token, so the gateway responds before
    # reading its body. That body looks like a request but must be skipped.
    smuggled = b"GET /smuggled HTTP/1.1\r\nHost: x\r\nX-Request-Id: smuggled\r\n\r\n"
    data = (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n"
            b"POST /query HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\nAuthorization: Bearer x.y.z\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled +
            b"GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: third\r\nConnection: close\r\n\r\n")
    outcome = exchange(req.port, data, quiet=5)

    ids = [r["headers"].get("x-request-id") for r in outcome.responses]
    assert "smuggled" not in ids, outcome.data[:1500]
    assert ids[:2] == ["first", "second"]
    assert [r["status"] for r in outcome.responses][:2] == [200, 401]
    # The connection may close after the early 401. If it stays open, the
    # third request gets the next response.
    assert ids[2:] in ([], ["third"])
    assert_serving(req.gw)


def test_http_1_0_connection_closes(req):
    outcome = exchange(req.port, b"GET /health HTTP/1.0\r\n\r\n", quiet=5)

    assert outcome.status == 200
    assert outcome.ending == CLOSED


@pytest.mark.parametrize("half_close", [True, False], ids=["half-close", "stay-open"])
def test_short_body_connection_closed(start_gateway, half_close):
    timeout_s = 2
    gw = start_gateway("hostile-short-body", overrides={"server.connection_timeout_s": timeout_s})
    data = Request(gw, gw.token("reader")).post(length=b"%d" % (len(BODY) + 100))
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        sock.settimeout(timeout_s + 8)
        received = b""
        while True:
            chunk_data = sock.recv(65536)
            if not chunk_data:
                break
            received += chunk_data

    # NOTE: libmicrohttpd 0.9.75 sometimes misses a half-close that arrives
    # together with the data, so even then the close may only come when
    # server.connection_timeout_s runs out.
    assert time.monotonic() - started < timeout_s + 5
    # A response is optional because the request never completed, but it
    # must not be a success or a 5xx.
    statuses = [r["status"] for r in parse_responses(received)]
    assert all(400 <= status < 500 for status in statuses), received[:600]
    assert_serving(gw)


def read_until_blank_line(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk_data = sock.recv(65536)
        if not chunk_data:
            break
        data += chunk_data
    return data


def test_expect_100_continue(req):
    head = (b"POST /query HTTP/1.1\r\nHost: x\r\n" + req.auth() + b"Content-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY))
    with socket.create_connection(("127.0.0.1", req.port), timeout=10) as sock:
        sock.sendall(head)
        interim = read_until_blank_line(sock)
        assert interim.startswith(b"HTTP/1.1 100"), interim

        sock.sendall(BODY)
        received = b""
        while True:
            chunk_data = sock.recv(65536)
            if not chunk_data:
                break
            received += chunk_data
    responses = parse_responses(received)
    assert [r["status"] for r in responses] == [200], received[:600]
    assert json.loads(responses[0]["body"])["data"]["values"] == [[1]]


def test_expect_100_continue_bad_token(req):
    head = (b"POST /query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x.y.z\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(BODY))
    with socket.create_connection(("127.0.0.1", req.port), timeout=10) as sock:
        sock.sendall(head)
        received = read_until_blank_line(sock)
    # The 401 comes instead of 100 Continue: the body is never requested.
    assert received.startswith(b"HTTP/1.1 401"), received[:300]
    assert_serving(req.gw)


def test_chunked_body_over_max_cut_short(start_gateway):
    max_body = 65536
    gw = start_gateway("hostile-chunked", overrides={"server.max_body_bytes": max_body})
    token = gw.token("reader")
    head = (b"POST /query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() +
            b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = chunk(b" " * 16384)
    received = None  # stays None while the gateway keeps reading without responding
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as sock:
        sock.sendall(head)
        # Up to 64 times the limit. A gateway that stops reading makes
        # sendall time out or fail, which also counts as cutting short.
        for _ in range(64 * max_body // len(piece)):
            try:
                sock.settimeout(10)
                sock.sendall(piece)
                sock.settimeout(0.01)
                received = sock.recv(65536)
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                received = b""
            break
    assert_serving(gw)
    assert received is not None, "the gateway read 64 times server.max_body_bytes without responding"
    statuses = [r["status"] for r in parse_responses(received)]
    assert statuses in ([413], []), received[:600]
