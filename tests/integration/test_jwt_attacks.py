"""Forged and malformed bearer tokens against POST /query, one table row per
attack, plus key rotation and start-up checks of jwt.verify_keys.

Each row builds a token (or whole Authorization headers) against a gateway
that also trusts one RS256 and one ES256 public key. Rejections must be 401
invalid_token with a Bearer challenge; the positive controls must reach
Neo4j. Every URL a token names (jku, x5u) points at a canary HTTP server
on loopback, and the gateway must never contact it.
"""

import base64
import http.server
import json
import os
import threading
import time

import pytest

import gateway_harness as h
import jws_keys as jws
from conftest import assert_sanitizer_clean

STATEMENT = '{"statement":"RETURN 1 AS x"}'
LEEWAY_S = 30  # jwt.leeway_s that the harness configures
MAX_TOKEN_BYTES = 8192  # default jwt.max_token_bytes
RSA_KID = "rsa-1"
EC_KID = "ec-1"
DROP = object()  # claim value that removes the claim

# Fragments of the error messages (gw_token_strerror) that name the reason.
EXPIRED = "expired"
NOT_YET_VALID = "not valid yet"
ISSUED_IN_FUTURE = "issued in the future"
WRONG_ISSUER = "another issuer"
WRONG_AUDIENCE = "another audience"
MISSING_EXP = "no expiry"
BAD_CLAIMS = "claims are missing or have the wrong type"
ALG_NOT_ALLOWED = "algorithm"
BAD_SIGNATURE = "signature is invalid"
BAD_HEADER = "header"
CRIT = "critical"
UNKNOWN_KID = "key id"
MALFORMED = "compact JWS"
TOO_LARGE = "larger than"
NO_TOKEN = "no bearer token"


class Canary:
    """Loopback HTTP server that records every connection it accepts and
    responds with a JWKS of the attacker's key, as a real attack would."""

    def __init__(self, jwks):
        self.connections = []
        canary = self
        body = json.dumps(jwks).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, format, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def verify_request(self, request, client_address):
                canary.connections.append(client_address)
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Keys:
    """Key pairs for the table; only rsa and ec are configured."""

    def __init__(self, directory):
        self.rsa = jws.rsa_key(directory, "rsa")
        self.ec = jws.ec_key(directory, "ec")
        self.other_rsa = jws.rsa_key(directory, "other-rsa")
        self.other_ec = jws.ec_key(directory, "other-ec")
        self.attacker = jws.rsa_key(directory, "attacker")


class Attack:
    """Builds tokens for one gateway; every token is recorded for the log scan."""

    def __init__(self, gw, keys, canary):
        self.gw = gw
        self.keys = keys
        self.canary = canary
        self.hs_key = gw.signing_key.encode()

    def claims(self, **changes):
        now = int(time.time())
        payload = {"iss": h.ISSUER, "aud": h.AUDIENCE, "sub": "writer", "iat": now, "nbf": now,
                   "exp": now + 300, "jti": "attack", "db": ["neo4j"], "mode": "read"}
        for name, value in changes.items():
            if value is DROP:
                payload.pop(name, None)
            else:
                payload[name] = value
        return payload

    def record(self, token):
        if len(token) >= 40:
            h.SECRETS.add(token)
        return token

    def hs256(self, header=None, key=None, **changes):
        header = header if header is not None else {"alg": "HS256", "typ": "JWT"}
        return self.record(jws.sign(header, self.claims(**changes), "HS256", key or self.hs_key))

    def signed(self, header, alg, key, **changes):
        """Sign the claims with any algorithm and key, whatever the header contains."""
        return self.record(jws.sign(header, self.claims(**changes), alg, key))

    def rs256(self, kid=RSA_KID, key=None, **changes):
        header = {"alg": "RS256", "typ": "JWT"}
        if kid is not None:
            header["kid"] = kid
        return self.signed(header, "RS256", key or self.keys.rsa, **changes)

    def es256(self, kid=EC_KID, key=None, **changes):
        return self.signed({"alg": "ES256", "typ": "JWT", "kid": kid}, "ES256", key or self.keys.ec, **changes)

    def es256_der_signature(self):
        """ES256 token whose signature is the DER form openssl produces, not
        the r || s form that JWS requires."""
        head = jws.encode_segment({"alg": "ES256", "typ": "JWT", "kid": EC_KID})
        body = jws.encode_segment(self.claims())
        der = self.keys.ec.sign_sha256(f"{head}.{body}".encode())
        return self.record(f"{head}.{body}.{h.b64url(der)}")

    def accepted_token(self):
        """Return an HS256 token that the gateway has just accepted once."""
        token = self.hs256()
        resp = self.gw.query("RETURN 1 AS x", token=token)
        assert resp.status == 200, resp.body
        return token

    def hs256_segments(self, head, body):
        """Sign encoded segment text as it is with the gateway's own key."""
        return self.record(jws.sign_segments(head, body, "HS256", self.hs_key))

    def body_text(self, accept):
        """Encoded default claims whose text satisfies accept(text); the jti
        varies until one does."""
        for i in range(400):
            # '~~~' and '???' encode to text with '-' and '_' when they
            # start on a 3-byte boundary; the prefix moves that boundary.
            text = jws.encode_segment(self.claims(jti="x" * (i % 4) + "~~~???" * (1 + i // 4)))
            if accept(text):
                return text
        raise AssertionError("no payload encoding matched")

    def sized(self, max_len=None, min_len=None):
        """Valid HS256 token padded with an extra claim, either the longest
        one of at most max_len characters or the shortest above min_len."""
        for pad in range(MAX_TOKEN_BYTES * 2):
            token = jws.sign({"alg": "HS256", "typ": "JWT"}, self.claims(pad="p" * pad), "HS256", self.hs_key)
            if min_len is not None and len(token) > min_len:
                return self.record(token)
            if max_len is not None and len(token) > max_len:
                return self.record(previous)
            previous = token
        raise AssertionError("no padding reached the size")


HS256_HEADER = jws.encode_segment({"alg": "HS256", "typ": "JWT"})


def bearer(token):
    return [("Authorization", f"Bearer {token}")]


def flip_low_bit(text):
    """Set the lowest bit of the last base64url character, which lands in
    the unused trailing bits when the length is 2 or 3 mod 4."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return text[:-1] + alphabet[alphabet.index(text[-1]) | 1]


def now():
    return int(time.time())


def case(name, build, status, code, reason=None):
    return pytest.param(build, status, code, reason, id=name)


INVALID = "invalid_token"
OK = None

CASES = [
    # Time claims, with jwt.leeway_s = 30.
    case("expired", lambda a: a.hs256(iat=now() - 600, nbf=now() - 600, exp=now() - 120),
         401, INVALID, EXPIRED),
    case("exp-exactly-now-minus-leeway", lambda a: a.hs256(iat=now() - 600, nbf=now() - 600, exp=now() - LEEWAY_S),
         401, INVALID, EXPIRED),
    case("exp-within-leeway", lambda a: a.hs256(iat=now() - 600, nbf=now() - 600, exp=now() - 10), 200, OK),
    case("nbf-beyond-leeway", lambda a: a.hs256(nbf=now() + 120), 401, INVALID, NOT_YET_VALID),
    case("nbf-within-leeway", lambda a: a.hs256(nbf=now() + 20), 200, OK),
    case("iat-beyond-leeway", lambda a: a.hs256(iat=now() + 120), 401, INVALID, ISSUED_IN_FUTURE),
    case("iat-within-leeway", lambda a: a.hs256(iat=now() + 20), 200, OK),
    case("exp-missing", lambda a: a.hs256(exp=DROP), 401, INVALID, MISSING_EXP),
    case("exp-string", lambda a: a.hs256(exp=str(now() + 300)), 401, INVALID, BAD_CLAIMS),
    case("exp-float", lambda a: a.hs256(exp=now() + 300.5), 401, INVALID, BAD_CLAIMS),
    case("exp-float-whole", lambda a: a.hs256(exp=float(now() + 300)), 401, INVALID, BAD_CLAIMS),
    case("nbf-string", lambda a: a.hs256(nbf=str(now())), 401, INVALID, BAD_CLAIMS),

    # Issuer, audience and the gateway's own claims.
    case("iss-wrong", lambda a: a.hs256(iss="someone-else"), 401, INVALID, WRONG_ISSUER),
    case("iss-missing", lambda a: a.hs256(iss=DROP), 401, INVALID, WRONG_ISSUER),
    case("aud-wrong", lambda a: a.hs256(aud="another-api"), 401, INVALID, WRONG_AUDIENCE),
    case("aud-array-with-ours", lambda a: a.hs256(aud=["another-api", h.AUDIENCE]), 200, OK),
    case("aud-array-without-ours", lambda a: a.hs256(aud=["another-api", "third-api"]),
         401, INVALID, WRONG_AUDIENCE),
    case("sub-missing", lambda a: a.hs256(sub=DROP), 401, INVALID, BAD_CLAIMS),
    case("sub-too-long", lambda a: a.hs256(sub="s" * 129), 401, INVALID, BAD_CLAIMS),
    case("db-not-array", lambda a: a.hs256(db="neo4j"), 401, INVALID, BAD_CLAIMS),
    case("db-invalid-name", lambda a: a.hs256(db=["../neo4j"]), 401, INVALID, BAD_CLAIMS),
    case("mode-admin", lambda a: a.hs256(mode="admin"), 401, INVALID, BAD_CLAIMS),

    # Unicode and control characters in sub. sub is an opaque id that is
    # only logged (as escaped JSON), so any non-NUL string is accepted.
    case("sub-emoji", lambda a: a.hs256(sub="writer-\U0001F600"), 200, OK),
    case("sub-control-characters", lambda a: a.hs256(sub="writer\u0001\u001b[31m\r\n"), 200, OK),
    case("sub-nul", lambda a: a.hs256(sub="writer\u0000admin"), 401, INVALID, BAD_CLAIMS),

    # Algorithms other than the pinned ones.
    case("alg-none-without-signature", lambda a: a.hs256(header={"alg": "none", "typ": "JWT"}).rsplit(".", 1)[0] + ".",
         401, INVALID, MALFORMED),
    case("alg-none-with-signature", lambda a: a.hs256(header={"alg": "none", "typ": "JWT"}),
         401, INVALID, ALG_NOT_ALLOWED),
    case("alg-None", lambda a: a.hs256(header={"alg": "None", "typ": "JWT"}), 401, INVALID, ALG_NOT_ALLOWED),
    case("alg-NONE", lambda a: a.hs256(header={"alg": "NONE", "typ": "JWT"}), 401, INVALID, ALG_NOT_ALLOWED),
    case("alg-hs384", lambda a: a.signed({"alg": "HS384", "typ": "JWT"}, "HS384", a.hs_key),
         401, INVALID, ALG_NOT_ALLOWED),
    case("alg-hs512", lambda a: a.signed({"alg": "HS512", "typ": "JWT"}, "HS512", a.hs_key),
         401, INVALID, ALG_NOT_ALLOWED),
    case("alg-lowercase-hs256", lambda a: a.hs256(header={"alg": "hs256", "typ": "JWT"}),
         401, INVALID, ALG_NOT_ALLOWED),
    case("alg-not-string", lambda a: a.hs256(header={"alg": ["HS256"], "typ": "JWT"}), 401, INVALID, BAD_HEADER),
    case("rs256-without-kid", lambda a: a.rs256(kid=None), 401, INVALID, ALG_NOT_ALLOWED),

    # Algorithm confusion: the configured RSA public key text as HMAC key.
    case("hs256-public-pem-as-hmac-key-with-kid",
         lambda a: a.signed({"alg": "HS256", "typ": "JWT", "kid": RSA_KID}, "HS256", a.keys.rsa.public_pem),
         401, INVALID, ALG_NOT_ALLOWED),
    case("hs256-public-pem-as-hmac-key-without-kid",
         lambda a: a.signed({"alg": "HS256", "typ": "JWT"}, "HS256", a.keys.rsa.public_pem),
         401, INVALID, BAD_SIGNATURE),

    # Public keys chosen by kid.
    case("rs256-correct-kid", lambda a: a.rs256(), 200, OK),
    case("rs256-unknown-kid", lambda a: a.rs256(kid="rsa-2"), 401, INVALID, UNKNOWN_KID),
    case("rs256-other-rsa-key", lambda a: a.rs256(key=a.keys.other_rsa), 401, INVALID, BAD_SIGNATURE),
    case("rs256-kid-of-es256-key", lambda a: a.rs256(kid=EC_KID), 401, INVALID, ALG_NOT_ALLOWED),
    case("es256-correct-kid", lambda a: a.es256(), 200, OK),
    case("es256-other-ec-key", lambda a: a.es256(key=a.keys.other_ec), 401, INVALID, BAD_SIGNATURE),
    case("es256-kid-of-rs256-key", lambda a: a.es256(kid=RSA_KID), 401, INVALID, ALG_NOT_ALLOWED),
    case("es256-der-signature", lambda a: a.es256_der_signature(), 401, INVALID, BAD_SIGNATURE),
    case("kid-not-string", lambda a: a.signed({"alg": "RS256", "kid": 1}, "RS256", a.keys.rsa),
         401, INVALID, BAD_HEADER),
    case("hs256-other-key", lambda a: a.hs256(key=b"k" * 48), 401, INVALID, BAD_SIGNATURE),
    # A token accepted once is cached; altered copies of it must miss the cache.
    case("cached-token-trailing-bits", lambda a: flip_low_bit(a.accepted_token()), 401, INVALID, BAD_SIGNATURE),
    case("cached-token-padding", lambda a: a.accepted_token() + "=", 401, INVALID, BAD_SIGNATURE),
    case("cached-token-extra-segment", lambda a: a.accepted_token() + ".e30", 401, INVALID, MALFORMED),
    case("cached-token-again", lambda a: a.accepted_token(), 200, OK),
    case("hs256-signature-flipped", lambda a: (lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1])(a.hs256()),
         401, INVALID, BAD_SIGNATURE),

    # Key URLs and embedded keys in the header: never read, never fetched.
    case("jku-with-kid", lambda a: a.signed({"alg": "RS256", "kid": RSA_KID, "jku": a.canary.url + "/jwks.json"},
                                            "RS256", a.keys.attacker), 401, INVALID, BAD_SIGNATURE),
    case("jku-without-kid", lambda a: a.signed({"alg": "RS256", "jku": a.canary.url + "/jwks.json"},
                                               "RS256", a.keys.attacker), 401, INVALID, ALG_NOT_ALLOWED),
    case("x5u-with-kid", lambda a: a.signed({"alg": "RS256", "kid": RSA_KID, "x5u": a.canary.url + "/cert.pem"},
                                            "RS256", a.keys.attacker), 401, INVALID, BAD_SIGNATURE),
    case("jwk-embedded-with-kid",
         lambda a: a.signed({"alg": "RS256", "kid": RSA_KID, "jwk": jws.rsa_public_jwk(a.keys.attacker)},
                            "RS256", a.keys.attacker), 401, INVALID, BAD_SIGNATURE),
    case("jwk-embedded-without-kid",
         lambda a: a.signed({"alg": "RS256", "jwk": dict(jws.rsa_public_jwk(a.keys.attacker),
                                                         x5u=a.canary.url + "/cert.pem")},
                            "RS256", a.keys.attacker), 401, INVALID, ALG_NOT_ALLOWED),
    case("kid-is-url", lambda a: a.signed({"alg": "RS256", "kid": a.canary.url + "/key.pem"},
                                          "RS256", a.keys.attacker), 401, INVALID, UNKNOWN_KID),

    # Structure of the compact serialization.
    case("two-segments", lambda a: a.hs256().rsplit(".", 1)[0], 401, INVALID, MALFORMED),
    case("four-segments", lambda a: a.hs256() + ".e30", 401, INVALID, MALFORMED),
    case("five-segments", lambda a: a.hs256() + ".e30.e30", 401, INVALID, MALFORMED),
    case("empty-header-segment", lambda a: "." + a.hs256().split(".", 1)[1], 401, INVALID, MALFORMED),
    case("empty-payload-segment", lambda a: a.hs256_segments(HS256_HEADER, ""), 401, INVALID, MALFORMED),
    case("empty-signature-segment", lambda a: a.hs256().rsplit(".", 1)[0] + ".", 401, INVALID, MALFORMED),
    case("only-dots", lambda a: "..", 401, INVALID, MALFORMED),
    case("not-a-jws", lambda a: "hello", 401, INVALID, MALFORMED),
    case("size-over-max", lambda a: a.sized(min_len=MAX_TOKEN_BYTES), 401, INVALID, TOO_LARGE),
    case("size-9000", lambda a: a.sized(min_len=9000), 401, INVALID, TOO_LARGE),
    case("size-at-max", lambda a: a.sized(max_len=MAX_TOKEN_BYTES), 200, OK),

    # Non-canonical base64url, each with a valid HS256 signature over the
    # text as sent, so only the strict decoder can reject it.
    case("padding-on-signature", lambda a: a.hs256() + "=", 401, INVALID, BAD_SIGNATURE),
    case("padding-on-payload",
         lambda a: a.hs256_segments(HS256_HEADER, (lambda b: b + "=" * (-len(b) % 4))(
             a.body_text(lambda t: len(t) % 4 != 0))),
         401, INVALID, BAD_CLAIMS),
    case("plus-instead-of-minus",
         lambda a: a.hs256_segments(HS256_HEADER, a.body_text(lambda t: "-" in t).replace("-", "+")),
         401, INVALID, BAD_CLAIMS),
    case("slash-instead-of-underscore",
         lambda a: a.hs256_segments(HS256_HEADER, a.body_text(lambda t: "_" in t).replace("_", "/")),
         401, INVALID, BAD_CLAIMS),
    case("trailing-bits-in-payload",
         lambda a: a.hs256_segments(HS256_HEADER, flip_low_bit(a.body_text(lambda t: len(t) % 4 in (2, 3)))),
         401, INVALID, BAD_CLAIMS),
    case("trailing-bits-in-signature", lambda a: flip_low_bit(a.hs256()), 401, INVALID, BAD_SIGNATURE),

    # Header content.
    case("header-not-json", lambda a: a.hs256_segments(jws.encode_segment(b"not json"),
                                                       jws.encode_segment(a.claims())), 401, INVALID, BAD_HEADER),
    case("header-json-array", lambda a: a.hs256_segments(jws.encode_segment(["HS256"]),
                                                         jws.encode_segment(a.claims())), 401, INVALID, BAD_HEADER),
    case("header-duplicate-alg-none-last",
         lambda a: a.hs256_segments(jws.encode_segment(b'{"alg":"HS256","alg":"none","typ":"JWT"}'),
                                    jws.encode_segment(a.claims())), 401, INVALID, BAD_HEADER),
    case("header-duplicate-alg-hs256-last",
         lambda a: a.hs256_segments(jws.encode_segment(b'{"alg":"none","alg":"HS256","typ":"JWT"}'),
                                    jws.encode_segment(a.claims())), 401, INVALID, BAD_HEADER),
    case("header-crit", lambda a: a.hs256(header={"alg": "HS256", "typ": "JWT", "crit": ["exp"], "exp": now()}),
         401, INVALID, CRIT),
    case("payload-not-json", lambda a: a.hs256_segments(HS256_HEADER, jws.encode_segment(b"{not json")),
         401, INVALID, BAD_CLAIMS),
    case("payload-duplicate-exp",
         lambda a: a.hs256_segments(HS256_HEADER, jws.encode_segment(
             json.dumps(a.claims(exp=now() - 600))[:-1].encode() + b',"exp":' + str(now() + 600).encode() + b"}")),
         401, INVALID, BAD_CLAIMS),

    # The Authorization header itself.
    case("bearer-two-tokens", lambda a: [("Authorization", f"Bearer {a.hs256()} {a.hs256()}")],
         401, INVALID, MALFORMED),
    case("scheme-lower-case", lambda a: [("Authorization", f"bearer {a.hs256()}")], 200, OK),
    case("scheme-upper-case", lambda a: [("Authorization", f"BEARER {a.hs256()}")], 200, OK),
    case("scheme-two-spaces", lambda a: [("Authorization", f"Bearer  {a.hs256()}")], 200, OK),
    case("scheme-basic", lambda a: [("Authorization", "Basic " + base64.b64encode(b"writer:secret").decode())],
         401, INVALID, NO_TOKEN),
    case("scheme-tab-separator", lambda a: [("Authorization", f"Bearer\t{a.hs256()}")], 401, INVALID, NO_TOKEN),
    case("scheme-without-separator", lambda a: [("Authorization", f"Bearer{a.hs256()}")], 401, INVALID, NO_TOKEN),
    case("header-name-lower-case", lambda a: [("authorization", f"Bearer {a.hs256()}")], 200, OK),
    case("two-authorization-headers",
         lambda a: [("Authorization", f"Bearer {a.hs256()}"), ("Authorization", f"Bearer {a.hs256()}")],
         400, "invalid_request"),
]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return Keys(str(tmp_path_factory.mktemp("jwt-keys")))


@pytest.fixture(scope="module")
def attack(keys):
    canary = Canary({"keys": [dict(jws.rsa_public_jwk(keys.attacker), kid=RSA_KID, alg="RS256")]})
    gw = h.Gateway("jwt-attacks", jwt_verify_keys=[(RSA_KID, "RS256", keys.rsa.public_path),
                                                   (EC_KID, "ES256", keys.ec.public_path)]).start()
    yield Attack(gw, keys, canary)
    code = gw.stop()
    canary.stop()
    assert code == 0, gw.log()
    assert_sanitizer_clean(gw.log())


@pytest.mark.parametrize("build, status, code, reason", CASES)
def test_jwt_attack(attack, build, status, code, reason):
    built = build(attack)
    headers = built if isinstance(built, list) else bearer(built)
    resp = h.request(attack.gw.url, "POST", "/query", STATEMENT, [("Content-Type", "application/json")] + headers)

    assert resp.status == status, resp.body
    if status == 200:
        assert resp.json()["data"]["values"] == [[1]]
    else:
        assert resp.error_code() == code, resp.body
    if status == 401:
        challenge = resp.header("WWW-Authenticate") or ""
        assert challenge.startswith("Bearer"), challenge
        assert 'error="invalid_token"' in challenge
    if reason is not None:
        assert reason in resp.json()["errors"][0]["message"]
    assert attack.canary.connections == []


def test_table_size():
    assert len(CASES) >= 40
    assert len({param.id for param in CASES}) == len(CASES)


def test_canary_never_contacted(attack):
    # Give a background fetch, if there were one, time to arrive.
    time.sleep(1)
    assert attack.canary.connections == []
    assert h.request(attack.canary.url, "GET", "/probe").status == 200
    assert len(attack.canary.connections) == 1


def test_log_lines_stay_json(attack):
    forged_line = '\n{"level":"error","msg":"forged"}\n'
    token = attack.hs256(sub="writer" + forged_line)
    resp = attack.gw.query("RETURN 1 AS x", token=token)
    assert resp.status == 200, resp.body

    # The access line is written after the response is sent.
    deadline = time.monotonic() + 10
    while True:
        lines = attack.gw.log().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        if any(record.get("client") == "writer" + forged_line for record in records):
            break
        assert time.monotonic() < deadline, "no access log line names the forged client"
        time.sleep(0.05)
    assert not any(record.get("msg") == "forged" for record in records)


def test_cached_token_still_expires(start_gateway):
    gw = start_gateway("jwt-cache-expiry", overrides={"jwt.leeway_s": 0})
    now = int(time.time())
    token = gw.forge({"iat": now, "nbf": now, "exp": now + 4})
    assert gw.query("RETURN 1 AS x", token=token).status == 200
    assert gw.query("RETURN 1 AS x", token=token).status == 200

    time.sleep(max(0.0, now + 4.5 - time.time()))
    resp = gw.query("RETURN 1 AS x", token=token)
    assert resp.status == 401, resp.body
    assert EXPIRED in resp.json()["errors"][0]["message"]


def test_token_rejected_after_key_rotation(start_gateway):
    gw = start_gateway("jwt-rotation", signing_key_in_file=True)
    old_token = gw.token()
    assert gw.query("RETURN 1 AS x", token=old_token).status == 200

    gw.set_signing_key(base64.b64encode(os.urandom(48)).decode())
    assert gw.reload(), gw.log()[-2000:]

    resp = gw.query("RETURN 1 AS x", token=old_token)
    assert resp.status == 401, resp.body
    assert resp.error_code() == "invalid_token"
    assert BAD_SIGNATURE in resp.json()["errors"][0]["message"]
    new_token = gw.token()
    assert gw.query("RETURN 1 AS x", token=new_token).status == 200


def test_failed_reload_keeps_key(start_gateway):
    gw = start_gateway("jwt-rotation-short", signing_key_in_file=True)
    token = gw.token()
    gw.set_signing_key("too-short-for-hs256")
    assert not gw.reload()
    assert gw.query("RETURN 1 AS x", token=token).status == 200


@pytest.fixture(scope="module")
def bad_keys(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("jwt-bad-keys"))
    not_pem = os.path.join(directory, "not-pem.pem")
    with open(not_pem, "w") as f:
        f.write("this is not a PEM public key\n")
    private_only = jws.rsa_key(directory, "private-only")
    return {
        "missing": os.path.join(directory, "missing.pem"),
        "not-pem": not_pem,
        "private-pem": private_only.private_path,
        "rsa-1024": jws.rsa_key(directory, "rsa-1024", bits=1024).public_path,
        "ec-p384": jws.ec_key(directory, "ec-p384", curve="P-384").public_path,
        "rsa-2048": jws.rsa_key(directory, "rsa-2048").public_path,
        "ec-p256": jws.ec_key(directory, "ec-p256").public_path,
    }


@pytest.mark.parametrize("kid, alg, key_name", [
    ("key-file-missing", "RS256", "missing"),
    ("key-not-pem", "RS256", "not-pem"),
    ("key-private-pem", "RS256", "private-pem"),
    ("key-rsa-1024", "RS256", "rsa-1024"),
    ("key-ec-p384", "ES256", "ec-p384"),
    ("key-ec-for-rs256", "RS256", "ec-p256"),
    ("key-rsa-for-es256", "ES256", "rsa-2048"),
])
def test_start_rejects_bad_verify_key(bad_keys, kid, alg, key_name):
    gw = h.Gateway(f"bad-{kid}", jwt_verify_keys=[(kid, alg, bad_keys[key_name])])
    code, log = gw.start_expecting_exit()
    assert code != 0, log
    assert_sanitizer_clean(log)
    assert kid in log


@pytest.mark.parametrize("name, key, in_file", [
    ("signing-key-empty-env", "", False),
    ("signing-key-empty-file", "", True),
    ("signing-key-31-bytes", "s" * 31, False),
    ("signing-key-31-bytes-file", "s" * 31, True),
])
def test_start_rejects_bad_signing_key(name, key, in_file):
    gw = h.Gateway(name, signing_key=key, signing_key_in_file=in_file)
    code, log = gw.start_expecting_exit()
    assert code != 0, log
    assert_sanitizer_clean(log)
    assert "jwt.signing_key" in log


def test_start_accepts_32_byte_signing_key(start_gateway):
    gw = start_gateway("signing-key-32-bytes", signing_key=base64.b64encode(os.urandom(24)).decode())
    assert len(gw.signing_key) == 32
    assert gw.query("RETURN 1 AS x", token=gw.token()).status == 200
