"""Loopback stand-ins for AWS, and cypher-gateway daemons that use them.

- Moto: moto's server mode with request signature checking on. moto checks
  SigV4 signatures and IAM policies once INITIAL_NO_AUTH_ACTION_COUNT
  actions have run without them. The first BOOTSTRAP_ACTIONS actions create
  the admin user, and its key signs every later setup call.
- CredentialsEndpoint: an ECS-style container credentials endpoint that
  hands out fresh STS AssumeRole credentials from moto.
- FaultProxy: sits between the daemon and moto and responds with throttling
  or server errors a set number of times, or blanks parameter values.
- ConnectionRecorder: a TCP listener that counts connections, standing in
  for Neo4j where no request may arrive.
- Daemon: one cypher-gateway process with its own config and log file.

Every server listens on 127.0.0.1 only. Daemons get an explicit
environment, so no inherited AWS_* variable can send them anywhere else.
Every secret a test creates is added to SECRETS for the final log scan.
"""

import base64
import datetime
import http.client
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import boto3
import botocore.config
import botocore.exceptions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("GATEWAY_BINARY", os.path.join(ROOT, "build", "cypher-gateway"))
LOG_DIR = os.environ.get("GATEWAY_TEST_LOG_DIR", os.path.join(ROOT, ".local", "test-logs"))
NEO4J_URL = os.environ.get("NEO4J_TEST_URL", "")
NEO4J_PASSWORD = os.environ.get("NEO4J_TEST_PASSWORD", "")

REGION = "eu-west-1"
ACCOUNT = "123456789012"
BOOTSTRAP_ACTIONS = 3

SECRETS = set()
LOG_FILES = []

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def base_env():
    """PATH and sanitizer settings only: no AWS_* variable is inherited."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def gen_client():
    out = subprocess.run([BINARY, "gen-client"], check=True, capture_output=True, text=True).stdout
    values = dict(line.split("=", 1) for line in out.strip().splitlines())
    SECRETS.add(values["CLIENT_SECRET"])
    SECRETS.add(values["CLIENT_SECRET_HASH"])
    return values["CLIENT_SECRET"], values["CLIENT_SECRET_HASH"]


def random_secret(prefix):
    value = prefix + "-" + os.urandom(24).hex()
    SECRETS.add(value)
    return value


class Moto:
    """moto's server with authentication on, an admin user, and helpers."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        os.makedirs(LOG_DIR, exist_ok=True)
        self.log_path = os.path.join(LOG_DIR, f"moto-{self.port}.log")
        self.proc = None
        self.admin = None

    def start(self):
        env = base_env()
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(BOOTSTRAP_ACTIONS)
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=env, stdout=self.log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc)

        # The bootstrap actions: exactly BOOTSTRAP_ACTIONS calls that moto does not check.
        iam = self.client("iam", "bootstrap", "bootstrap")
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        self.admin = (key["AccessKeyId"], key["SecretAccessKey"])
        SECRETS.add(self.admin[1])
        self.assert_auth_on()
        return self

    def assert_auth_on(self):
        """A request signed with a wrong secret key must be rejected."""
        wrong = self.client("ssm", self.admin[0], "not-the-admin-secret")
        try:
            wrong.get_parameters(Names=["/any"])
        except botocore.exceptions.ClientError as e:
            assert "SignatureDoesNotMatch" in str(e), e
        else:
            raise AssertionError("moto accepted a request with a wrong signature: authentication is off")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()

    def client(self, service, key_id, secret, token=None, endpoint=None):
        return boto3.client(
            service, endpoint_url=endpoint or self.url, region_name=REGION, aws_access_key_id=key_id,
            aws_secret_access_key=secret, aws_session_token=token,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))

    def admin_client(self, service):
        return self.client(service, *self.admin)

    def create_user(self, name, allow_get_parameters=True):
        """An IAM user with an access key; returns (key id, secret key)."""
        iam = self.admin_client("iam")
        iam.create_user(UserName=name)
        if allow_get_parameters:
            iam.put_user_policy(UserName=name, PolicyName="read-secrets", PolicyDocument=self.ssm_policy())
        key = iam.create_access_key(UserName=name)["AccessKey"]
        SECRETS.add(key["SecretAccessKey"])
        return key["AccessKeyId"], key["SecretAccessKey"]

    @staticmethod
    def ssm_policy():
        # moto authorizes SSM actions against the resource "*" only, so the
        # policy cannot name parameter ARNs here (AWS itself can, see
        # docs/configuration.md).
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"}]})

    def create_task_role(self, name):
        iam = self.admin_client("iam")
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="read-secrets", PolicyDocument=self.ssm_policy())
        return arn

    def assume_role(self, arn):
        creds = self.admin_client("sts").assume_role(RoleArn=arn, RoleSessionName="gateway-task",
                                                     DurationSeconds=900)["Credentials"]
        SECRETS.add(creds["SecretAccessKey"])
        SECRETS.add(creds["SessionToken"])
        return creds

    def put(self, name, value, type_="SecureString"):
        self.admin_client("ssm").put_parameter(Name=name, Value=value, Type=type_, Overwrite=True)


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 with a free port, run in a thread."""

    def __init__(self, handler):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, status, doc, headers=()):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class _CredentialsHandler(_QuietHandler):
    def do_GET(self):
        owner = self.server.owner
        if self.path != "/creds":
            self.send_json(404, {"message": "not found"})
            return
        if self.headers.get("Authorization") != owner.token:
            owner.rejected += 1
            self.send_json(401, {"message": "invalid authorization token"})
            return
        creds = owner.moto.assume_role(owner.role_arn)
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=owner.ttl_s)
        with owner.lock:
            owner.calls.append(time.monotonic())
            owner.key_ids.append(creds["AccessKeyId"])
        self.send_json(200, {
            "RoleArn": owner.role_arn,
            "AccessKeyId": creds["AccessKeyId"],
            "SecretAccessKey": creds["SecretAccessKey"],
            "Token": creds["SessionToken"],
            "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        })


class CredentialsEndpoint(_Server):
    """GET /creds with the right Authorization header returns new STS
    credentials for `role_arn` whose Expiration is `ttl_s` seconds away."""

    def __init__(self, moto, role_arn, token, ttl_s=3600):
        self.moto = moto
        self.role_arn = role_arn
        self.token = token
        self.ttl_s = ttl_s
        self.calls = []
        self.key_ids = []
        self.rejected = 0
        self.lock = threading.Lock()
        SECRETS.add(token)
        super().__init__(_CredentialsHandler)
        self.url = f"http://127.0.0.1:{self.port}/creds"


class _ProxyHandler(_QuietHandler):
    def do_POST(self):
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            names = json.loads(body).get("Names", [])
        except ValueError:
            names = None
        with owner.lock:
            owner.requests.append({"names": names, "target": self.headers.get("X-Amz-Target"),
                                   "signed": "AWS4-HMAC-SHA256" in self.headers.get("Authorization", "")})
            fault = owner.faults.pop(0) if owner.faults else None
            number = len(owner.requests)
        if fault == "throttle":
            self.send_json(400, {"__type": "ThrottlingException", "message": "Rate exceeded"},
                           [("x-amzn-RequestId", f"throttle-{number}")])
            return
        if isinstance(fault, int):
            self.send_json(fault, {"__type": "InternalFailure", "message": "injected"},
                           [("x-amzn-RequestId", f"fault-{number}")])
            return
        self.forward(owner, body)

    def forward(self, owner, body):
        # The Host header is passed unchanged, because it is part of the signature.
        headers = {key: value for key, value in self.headers.items()}
        conn = http.client.HTTPConnection("127.0.0.1", owner.upstream_port, timeout=30)
        try:
            conn.request("POST", self.path, body, headers)
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            upstream_headers = resp.getheaders()
        finally:
            conn.close()
        if status == 200 and owner.blank:
            doc = json.loads(data)
            for param in doc.get("Parameters", []):
                if param.get("Name") in owner.blank:
                    param["Value"] = ""
            data = json.dumps(doc).encode()
        self.send_response(status)
        for key, value in upstream_headers:
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FaultProxy(_Server):
    """Forwards requests to moto, after responding to the first requests with
    the queued faults: "throttle" (HTTP 400 ThrottlingException) or an HTTP
    status such as 503. Names in `blank` get an empty Value in responses."""

    def __init__(self, moto, faults=(), blank=()):
        self.upstream_port = moto.port
        self.faults = list(faults)
        self.blank = set(blank)
        self.requests = []
        self.lock = threading.Lock()
        super().__init__(_ProxyHandler)
        self.url = f"http://127.0.0.1:{self.port}"


class ConnectionRecorder:
    """Accepts TCP connections on 127.0.0.1, counts and closes them."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def render_config(sections, clients):
    """YAML in the layout of config/gateway.yaml: sections of scalars, then
    the clients list."""
    text = ""
    for section, fields in sections.items():
        text += f"{section}:\n" + "".join(f"  {k}: {v}\n" for k, v in fields.items())
    text += "clients:\n"
    for client_id, secret_ref in clients:
        text += f"  - id: {client_id}\n    secret_hash: {secret_ref}\n    databases: [neo4j]\n    mode: read\n"
    return text


class Daemon:
    """One cypher-gateway process. Output (stdout and stderr) goes to a log
    file under LOG_DIR that the final scan reads."""

    def __init__(self, name, neo4j_url, password_ref, key_ref, clients, ssm, env):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        sections = {
            "server": {"address": "127.0.0.1", "port": self.port, "threads": 4, "drain_timeout_s": 5},
            "neo4j": {"url": neo4j_url, "user": "neo4j", "password": password_ref, "pool_size": 4},
            "jwt": {"issuer": "cypher-gateway-ssm-test", "audience": "cypher-gateway-ssm-test",
                    "signing_key": key_ref},
            "log": {"level": "debug"},
            "ssm": dict(ssm),
        }
        os.makedirs(LOG_DIR, exist_ok=True)
        self.config_path = os.path.join(tempfile.mkdtemp(prefix="gw-ssm-test-"), "gateway.yaml")
        with open(self.config_path, "w") as f:
            f.write(render_config(sections, clients))
        self.env = base_env()
        self.env.update(env)
        self.log_path = os.path.join(LOG_DIR, f"ssm-{name}-{self.port}.log")
        LOG_FILES.append(self.log_path)
        self.proc = None
        self.log_file = None

    def _spawn(self, args):
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BINARY, "--config", self.config_path] + args, env=self.env,
                                     stdout=self.log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def run(self, args=(), timeout=60):
        """Runs to exit; returns (exit code, seconds taken)."""
        started = time.monotonic()
        self._spawn(list(args))
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name}: still running after {timeout} s:\n{self.log()[-3000:]}")
        finally:
            self.log_file.close()
        self.assert_sanitizer_clean()
        return code, time.monotonic() - started

    def start(self, timeout=60):
        self._spawn([])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log_file.close()
                raise AssertionError(f"{self.name}: exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            if self.events("listening"):
                return self
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: not listening after {timeout} s:\n{self.log()[-3000:]}")

    def sighup_and_wait(self, timeout=60):
        """Sends SIGHUP and waits for the reload to finish; returns its msg."""
        done = len(self.events("reload complete")) + len(self.events("reload failed, keeping the running "
                                                                      "configuration"))
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ends = [e for e in self.events() if e.get("msg") in (
                "reload complete", "reload failed, keeping the running configuration")]
            if len(ends) > done:
                return ends[-1]["msg"]
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: reload did not finish in {timeout} s")

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log_file and not self.log_file.closed:
            self.log_file.close()
        self.assert_sanitizer_clean()
        return self.proc.returncode if self.proc else None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def events(self, msg=None):
        out = []
        for line in self.log().splitlines():
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if msg is None or event.get("msg") == msg:
                out.append(event)
        return out

    def assert_sanitizer_clean(self):
        text = self.log()
        for marker in SANITIZER_MARKERS:
            assert marker not in text, f"{self.name}: sanitizer report:\n{text[-4000:]}"

    # HTTP helpers ---------------------------------------------------------

    def request(self, method, path, body=None, headers=()):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body, dict(headers))
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def token(self, client_id, secret):
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        status, body = self.request("POST", "/token", "grant_type=client_credentials", [
            ("Authorization", f"Basic {basic}"), ("Content-Type", "application/x-www-form-urlencoded")])
        assert status == 200, body
        token = json.loads(body)["access_token"]
        SECRETS.add(token)
        return token

    def query(self, token, statement):
        status, body = self.request("POST", "/query", json.dumps({"statement": statement}), [
            ("Authorization", f"Bearer {token}"), ("Content-Type", "application/json")])
        return status, json.loads(body)


def scan_logs(paths):
    """Returns one line per secret found in any of `paths`, naming the file
    and the secret's length (never the secret)."""
    leaks = []
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            text = f.read().decode(errors="replace")
        for secret in SECRETS:
            if secret and secret in text:
                leaks.append(f"{os.path.basename(path)}: a secret of {len(secret)} characters appears")
    return leaks
