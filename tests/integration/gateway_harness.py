"""Start cypher-gateway daemons for tests and talk to them over HTTP.

Every daemon gets its own port, configuration file and log file under
LOG_DIR, so a later scan can prove that no secret was ever logged.
Only loopback addresses are used.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOG_DIR = os.environ.get("GATEWAY_TEST_LOG_DIR", os.path.join(ROOT, ".local", "test-logs"))
BINARY = os.environ.get("GATEWAY_BINARY", os.path.join(ROOT, "build", "cypher-gateway"))
NEO4J_URL = os.environ.get("NEO4J_TEST_URL", "http://127.0.0.1:7475")
NEO4J_PASSWORD = os.environ.get("NEO4J_TEST_PASSWORD", "")

ISSUER = "cypher-gateway-test"
AUDIENCE = "cypher-gateway-test"

# Every secret a test run uses is recorded here for the final log scan.
SECRETS = set()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_hs256(header, payload, key):
    """Build a compact JWS with HS256 from dicts; key is bytes."""
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode()
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(signature)}"


def gen_client():
    out = subprocess.run([BINARY, "gen-client"], check=True, capture_output=True, text=True).stdout
    values = dict(line.split("=", 1) for line in out.strip().splitlines())
    SECRETS.add(values["CLIENT_SECRET"])
    return values["CLIENT_SECRET"], values["CLIENT_SECRET_HASH"]


def raw_exchange(port, data, timeout=10):
    """Send raw bytes and return everything the server sends until it
    closes the connection or stays quiet for a second."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        sock.settimeout(1.0)
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body)

    def error_code(self):
        return self.json()["errors"][0]["code"]


def request(base_url, method, path, body=None, headers=None, timeout=60):
    """Send one request on a new connection; headers is a list of pairs so
    tests can repeat a header or use any case."""
    parsed = urllib.parse.urlparse(base_url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        data = body.encode() if isinstance(body, str) else body
        for key, value in headers or []:
            conn.putheader(key, value)
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        resp = conn.getresponse()
        return Response(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


class Gateway:
    """One daemon process with its own config; stop() checks a clean exit."""

    def __init__(self, name, overrides=None, clients=None, env_extra=None, jwt_verify_keys=None,
                 signing_key=None, signing_key_in_file=False, policy=None):
        """jwt_verify_keys is a list of (kid, alg, pem_path) written to
        jwt.verify_keys as file: references. signing_key replaces the random
        HS256 key. With signing_key_in_file the key is read through a file:
        reference that set_signing_key() rewrites, so that a SIGHUP reload
        can rotate it. Otherwise it comes from JWT_SIGNING_KEY.
        clients is a list of (id, databases, mode) or (id, databases, mode,
        {client key: value}); policy maps keys of the top-level policy
        section to values."""
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.signing_key = signing_key if signing_key is not None else base64.b64encode(os.urandom(48)).decode()
        SECRETS.add(self.signing_key)
        SECRETS.add(NEO4J_PASSWORD)
        self.config_dir = tempfile.mkdtemp(prefix="gw-test-")
        self.signing_key_path = os.path.join(self.config_dir, "signing.key") if signing_key_in_file else None
        self.clients = {}
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "NEO4J_PASSWORD": NEO4J_PASSWORD,
        }
        if self.signing_key_path:
            self.set_signing_key(self.signing_key)
            signing_ref = f"file:{self.signing_key_path}"
        else:
            self.env["JWT_SIGNING_KEY"] = self.signing_key
            signing_ref = "env:JWT_SIGNING_KEY"
        specs = clients or [
            ("writer", ["neo4j"], "write"),
            ("reader", ["neo4j"], "read"),
            ("other-db", ["otherdb"], "write"),
        ]
        client_yaml = []
        for spec in specs:
            client_id, dbs, mode = spec[:3]
            # An optional fourth item maps more client keys (admin, queries...)
            # to values, written as JSON, which YAML reads as flow values.
            client_extra = spec[3] if len(spec) > 3 else {}
            secret, secret_hash = gen_client()
            var = "HASH_" + client_id.upper().replace("-", "_")
            self.env[var] = secret_hash
            self.clients[client_id] = secret
            client_yaml.append(
                f"  - id: {client_id}\n    secret_hash: env:{var}\n"
                f"    databases: [{', '.join(json.dumps(d) for d in dbs)}]\n    mode: {mode}\n"
                + "".join(f"    {key}: {json.dumps(value)}\n" for key, value in client_extra.items())
            )
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if key in os.environ:
                self.env[key] = os.environ[key]
        self.env.update(env_extra or {})
        settings = {
            "server.threads": 8,
            "server.max_body_bytes": 1048576,
            "server.drain_timeout_s": 10,
            "neo4j.pool_size": 8,
            "neo4j.acquire_timeout_ms": 2000,
            "neo4j.request_timeout_ms": 20000,
            "jwt.leeway_s": 30,
        }
        settings.update(overrides or {})
        # Policy values (booleans, lists) are written as JSON, unlike overrides.
        settings.update({f"policy.{key}": json.dumps(value) for key, value in (policy or {}).items()})
        sections = {}
        for key, value in settings.items():
            section, field = key.split(".", 1)
            sections.setdefault(section, {})[field] = value
        text = ""
        base = {
            "server": {"address": "127.0.0.1", "port": self.port},
            "neo4j": {"url": NEO4J_URL, "user": "neo4j", "password": "env:NEO4J_PASSWORD"},
            "jwt": {"issuer": ISSUER, "audience": AUDIENCE, "signing_key": signing_ref},
            "log": {"level": "debug"},
        }
        for section, fields in sections.items():
            base.setdefault(section, {}).update(fields)
        for section, fields in base.items():
            text += f"{section}:\n" + "".join(f"  {k}: {v}\n" for k, v in fields.items())
            if section == "jwt" and jwt_verify_keys:
                text += "  verify_keys:\n" + "".join(
                    f"    - kid: {json.dumps(kid)}\n      alg: {alg}\n"
                    f"      public_key: {json.dumps('file:' + pem_path)}\n"
                    for kid, alg, pem_path in jwt_verify_keys
                )
        text += "clients:\n" + "".join(client_yaml)
        os.makedirs(LOG_DIR, exist_ok=True)
        self.config_path = os.path.join(self.config_dir, "gateway.yaml")
        with open(self.config_path, "w") as f:
            f.write(text)
        self.log_path = os.path.join(LOG_DIR, f"{name}-{self.port}.log")
        self.proc = None

    def start(self, wait=True):
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "--config", self.config_path],
            env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        if wait:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"gateway exited with {self.proc.returncode}: {self.log()}")
                try:
                    if request(self.url, "GET", "/health", timeout=2).status == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            raise AssertionError("gateway did not answer /health within 30 s")
        return self

    def start_expecting_exit(self, timeout=30):
        """Start the daemon when it must refuse to run; return its exit code
        and log. Fails when it is still running after `timeout` seconds."""
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "--config", self.config_path],
            env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"gateway kept running although it should have exited: {self.log()}")
        self.log_file.close()
        return code, self.log()

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def set_signing_key(self, key):
        """Write a new HS256 key to the file: reference; takes effect on
        reload(). Only for gateways started with signing_key_in_file."""
        assert self.signing_key_path, "start the gateway with signing_key_in_file=True"
        SECRETS.add(key)
        self.signing_key = key
        fd = os.open(self.signing_key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")

    def reload(self, timeout=30):
        """Send SIGHUP and wait for the reload outcome in the log; return
        True when the new configuration was swapped in."""
        seen = len(self.log())
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new_lines = self.log()[seen:]
            if '"reload complete"' in new_lines:
                return True
            if '"reload failed' in new_lines:
                return False
            time.sleep(0.05)
        raise AssertionError(f"no reload outcome in the log within {timeout} s")

    def stop(self, sig=signal.SIGTERM, timeout=40):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log_file.close()
        return code

    # Convenience wrappers -------------------------------------------------

    def token(self, client_id="writer"):
        resp = self.token_request(client_id, self.clients[client_id])
        assert resp.status == 200, resp.body
        token = resp.json()["access_token"]
        SECRETS.add(token)
        return token

    def token_request(self, client_id, secret, body="grant_type=client_credentials", headers=None):
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        hdrs = [("Authorization", f"Basic {basic}"),
                ("Content-Type", "application/x-www-form-urlencoded")]
        return request(self.url, "POST", "/token", body, hdrs + (headers or []))

    def query(self, statement, parameters=None, token=None, path="/query", extra=None, headers=None, raw=None):
        body = {"statement": statement}
        if parameters is not None:
            body["parameters"] = parameters
        body.update(extra or {})
        hdrs = [("Content-Type", "application/json")]
        if token is not None:
            hdrs.append(("Authorization", f"Bearer {token}"))
        return request(self.url, "POST", path, raw if raw is not None else json.dumps(body), hdrs + (headers or []))

    def forge(self, payload_changes=None, header=None, key=None, drop=()):
        """Sign a token like the gateway would, with changes."""
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "writer", "iat": now, "nbf": now,
                   "exp": now + 300, "jti": "test", "db": ["neo4j"], "mode": "write"}
        payload.update(payload_changes or {})
        for name in drop:
            payload.pop(name, None)
        token = sign_hs256(header or {"alg": "HS256", "typ": "JWT"}, payload,
                           key if key is not None else self.signing_key.encode())
        SECRETS.add(token)
        return token


def neo4j_direct(statement, parameters=None, database="neo4j", accept="application/json", access_mode="Read"):
    """Run a statement on Neo4j's own Query API, as the reference."""
    body = {"statement": statement, "accessMode": access_mode}
    if parameters is not None:
        body["parameters"] = parameters
    auth = base64.b64encode(f"neo4j:{NEO4J_PASSWORD}".encode()).decode()
    return request(NEO4J_URL, "POST", f"/db/{database}/query/v2", json.dumps(body),
                   [("Authorization", f"Basic {auth}"), ("Content-Type", "application/json"), ("Accept", accept)])


def node_count():
    resp = neo4j_direct("MATCH (n) RETURN count(n) AS n")
    assert resp.status == 202, resp.body
    return resp.json()["data"]["values"][0][0]
