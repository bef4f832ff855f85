#!/usr/bin/env python3
"""Measurements of `make bench`.

bench/run.sh starts Neo4j, cypher-gateway and Apache httpd, then runs the
subcommands below; each writes one JSON file that bench/report.py merges
into bench/results/latest.json. Only 127.0.0.1 is contacted, every load run
is a wrk run of fixed duration, and every loop here is bounded in count.

Subcommands:
  startup  time from exec of fresh gateway processes to the first 200 on /ready
  load     correctness checks, memory, the wrk matrix and the sustained run
  meta     machine description and versions
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
WRK_SCRIPT = os.path.join(BENCH, "wrk", "post.lua")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# wrk's default socket timeout is 2 s. On 2 cores the 1 MB workload at 64
# connections waits longer than that, and wrk would count each such request
# as an error.
WRK_TIMEOUT_S = 10

# Query workloads: the body that a client sends to the gateway's /query, and
# the row count of a correct response. The Neo4j and Apache bodies add
# "accessMode": "Read", as the gateway does before it forwards a request.
WORKLOADS = {
    "return1": {
        "title": "RETURN 1",
        "file": "return1.json",
        "rows": (1, 1),
    },
    "two_hop": {
        "title": "Two-hop recommendation (movies graph, $name = Tom Hanks, LIMIT 10)",
        "file": "two_hop.json",
        "rows": (1, 10),
    },
    "rows_10k": {
        "title": "10,000-row result (about 1 MB of JSON)",
        "file": "rows_10k.json",
        "rows": (10000, 10000),
    },
}

# Concurrency levels per workload. The 1 MB workload stops at 64
# connections. At 256, about 256 MB of responses would be in flight, and on
# 2 cores most requests would wait longer than WRK_TIMEOUT_S, so wrk would
# report timeouts in place of latencies.
LEVELS = {
    "return1": [1, 16, 64, 256],
    "two_hop": [1, 16, 64, 256],
    "rows_10k": [1, 16, 64],
    "token": [1, 16, 64, 256],
}

SYSTEMS = ["direct", "gateway", "apache"]


def log(message):
    print(f"bench: {message}", flush=True)


def env(name):
    value = os.environ.get(name)
    if value is None or value == "":
        sys.exit(f"bench: environment variable {name} is not set; run bench/run.sh, not this file")
    return value


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


# ------------------------------------------------------------- /proc --

def read_stat(pid):
    """Return (utime, stime, cutime, cstime) of a process in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # The command name may contain spaces, but the fields after it never do.
    fields = text[text.rindex(")") + 2:].split()
    return tuple(int(x) / CLOCK_TICKS for x in fields[11:15])


def children_of(parent):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == parent:
            kids.append(int(entry))
    return kids


def process_cpu_split(pid):
    """Return (user, system) CPU seconds of one process, its threads included."""
    utime, stime, _, _ = read_stat(pid)
    return utime, stime


def process_cpu(pid):
    """CPU seconds of one process, its threads included."""
    return sum(process_cpu_split(pid))


def apache_cpu_split(parent):
    """Return (user, system) CPU seconds of Apache: the parent, its live
    children, and children that already exited (cutime and cstime)."""
    utime, stime, cutime, cstime = read_stat(parent)
    user, system = utime + cutime, stime + cstime
    for child in children_of(parent):
        try:
            child_user, child_system, _, _ = read_stat(child)
        except OSError:
            continue  # exited between listing and reading
        user += child_user
        system += child_system
    return user, system


def memory_kib(pid):
    """Return {"rss": VmRSS, "hwm": VmHWM} in KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                out["hwm"] = int(line.split()[1])
    return out


def system_cpu_ticks():
    """Return (busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user
    return total - idle, total


def load_average():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


# -------------------------------------------------------------- HTTP --

def http_request(url, method, path, body=None, headers=None, timeout=30):
    """Send one request on a new connection; return (status, headers, body)."""
    host, port = url.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_hs256(payload, key):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


# ----------------------------------------------------------- startup --

def wait_ready(port, deadline):
    """Poll GET /ready every millisecond until it returns 200; return the
    monotonic time of that response, or None at the deadline."""
    request = b"GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(request)
                data = b""
                while b"\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                if data.startswith(b"HTTP/1.1 200"):
                    return time.monotonic()
        except OSError:
            pass
        time.sleep(0.001)
    return None


def listening_startup_ms(log_path):
    """Return startup_ms from the gateway's "listening" log line, if any."""
    with open(log_path) as f:
        for line in f:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("msg") == "listening":
                return event.get("startup_ms")
    return None


def cmd_startup(args):
    """Start the gateway `args.runs` times and time each start to ready."""
    port = int(env("BENCH_GATEWAY_PORT"))
    runs = []
    for index in range(args.runs):
        log_path = os.path.join(args.log_dir, f"startup-{index + 1}.log")
        with open(log_path, "w") as log_file:
            started = time.monotonic()
            proc = subprocess.Popen([args.binary, "--config", args.config], stdout=log_file,
                                    stderr=subprocess.STDOUT, cwd=ROOT)
            try:
                ready = wait_ready(port, started + 30)
                rss = memory_kib(proc.pid)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if ready is None:
            sys.exit(f"bench: the gateway started for the startup test did not return 200 on /ready "
                     f"within 30 s; see {log_path}")
        runs.append({
            "exec_to_ready_ms": round((ready - started) * 1000, 2),
            "main_to_listening_ms": listening_startup_ms(log_path),
            "rss_kib_at_ready": rss["rss"],
        })
        time.sleep(0.2)
    times = [r["exec_to_ready_ms"] for r in runs]
    result = {"runs": runs, "median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times)}
    write_json(args.out, result)
    log(f"start to ready: median {result['median_ms']:.1f} ms over {len(runs)} starts")


# -------------------------------------------------------------- meta --

def command_output(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return (done.stdout + done.stderr).strip()


def cmd_meta(args):
    cpu_model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])

    neo4j_version = "unknown"
    status, _, body = http_request(env("BENCH_NEO4J_URL"), "POST", "/db/neo4j/query/v2",
                                   body=json.dumps({"statement": "CALL dbms.components() YIELD versions, edition "
                                                                 "RETURN versions[0] + ' ' + edition"}),
                                   headers={"Content-Type": "application/json",
                                            "Authorization": env("BENCH_NEO4J_AUTHORIZATION")})
    if status == 202:
        neo4j_version = json.loads(body)["data"]["values"][0][0]

    openidc = command_output(["dpkg-query", "-W", "-f=${Version}", "libapache2-mod-auth-openidc"])
    gnuplot = command_output(["gnuplot", "--version"])
    result = {
        "machine": {
            "nproc": os.cpu_count(),
            "cpu_model": cpu_model,
            "kernel": platform.release(),
            "memory_gib": round(mem_kib / 1024 / 1024, 1),
            "os": command_output(["sh", "-c", ". /etc/os-release && echo \"$PRETTY_NAME\""]),
        },
        "versions": {
            "cypher-gateway": command_output([args.binary, "--version"]),
            "neo4j": neo4j_version,
            "apache": command_output([args.apache_bin, "-v"]).splitlines()[0],
            "mod_auth_openidc": "libapache2-mod-auth-openidc " + openidc,
            "wrk": command_output(["wrk", "-v"]).splitlines()[0],
            "gnuplot": gnuplot,
            "python": platform.python_version(),
        },
    }
    write_json(args.out, result)


# -------------------------------------------------------------- load --

class Target:
    """One system under test: where requests go and what they carry."""

    def __init__(self, name, url, path, authorization, body_kind, status):
        self.name = name
        self.url = url
        self.path = path
        self.authorization = authorization
        self.body_kind = body_kind  # "gateway" or "neo4j"
        self.status = status  # status code of a successful response


class Bench:
    def __init__(self, args):
        self.args = args
        self.state = args.state_dir
        self.duration = args.duration
        self.gateway_pid = int(env("BENCH_GATEWAY_PID"))
        self.apache_pid = int(env("BENCH_APACHE_PID"))
        self.neo4j_pid = int(env("BENCH_NEO4J_PID"))
        self.token = env("BENCH_TOKEN")
        self.key = env("JWT_SIGNING_KEY").encode()
        self.issuer = env("BENCH_ISSUER")
        neo4j_auth = env("BENCH_NEO4J_AUTHORIZATION")
        bearer = f"Bearer {self.token}"
        self.targets = {
            "direct": Target("direct", env("BENCH_NEO4J_URL"), "/db/neo4j/query/v2", neo4j_auth, "neo4j", 202),
            "gateway": Target("gateway", env("BENCH_GATEWAY_URL"), "/query", bearer, "gateway", 200),
            "apache": Target("apache", env("BENCH_APACHE_URL"), "/db/neo4j/query/v2", bearer, "neo4j", 202),
        }
        self.client_authorization = env("BENCH_CLIENT_AUTHORIZATION")
        self.wrk_dir = os.path.join(self.state, "wrk")
        self.body_dir = os.path.join(self.state, "bodies")
        os.makedirs(self.wrk_dir, exist_ok=True)
        os.makedirs(self.body_dir, exist_ok=True)
        self.result = {"runs": [], "settings": {
            "duration_s": self.duration,
            "sustained_s": args.sustained,
            "wrk_timeout_s": WRK_TIMEOUT_S,
            "levels": LEVELS,
            "gateway_path": "/query",
        }}
        self.write_bodies()

    def write_bodies(self):
        """Write the request bodies: the gateway gets the client's body, and
        Neo4j and Apache get the body that the gateway forwards."""
        self.bodies = {}
        for name, workload in WORKLOADS.items():
            with open(os.path.join(BENCH, "workloads", workload["file"])) as f:
                gateway_body = json.load(f)
            neo4j_body = dict(gateway_body, accessMode="Read")
            for kind, body in (("gateway", gateway_body), ("neo4j", neo4j_body)):
                path = os.path.join(self.body_dir, f"{name}.{kind}.json")
                with open(path, "w") as f:
                    json.dump(body, f, separators=(",", ":"))
                self.bodies[(name, kind)] = path
        self.bodies[("token", "form")] = os.path.join(BENCH, "workloads", "token.form")

    def body_bytes(self, workload, kind):
        with open(self.bodies[(workload, kind)], "rb") as f:
            return f.read()

    # ---------------------------------------------------- checks --

    def check_responses(self):
        """Send each workload once to each system and check the rows, so
        that an error response can never pass for a fast one."""
        checks = {}
        for name, workload in WORKLOADS.items():
            data = {}
            for system in SYSTEMS:
                target = self.targets[system]
                status, _, body = http_request(target.url, "POST", target.path,
                                               body=self.body_bytes(name, target.body_kind),
                                               headers={"Content-Type": "application/json",
                                                        "Accept": "application/json",
                                                        "Authorization": target.authorization})
                if status != target.status:
                    sys.exit(f"bench: {system} returned HTTP {status} for {name}, expected {target.status}: "
                             f"{body[:300]!r}")
                document = json.loads(body)
                if "errors" in document:
                    sys.exit(f"bench: {system} returned errors for {name}: {document['errors']}")
                rows = len(document["data"]["values"])
                low, high = workload["rows"]
                if not low <= rows <= high:
                    sys.exit(f"bench: {system} returned {rows} rows for {name}, expected {low}..{high}")
                data[system] = document["data"]
                checks.setdefault(name, {})[system] = {"status": status, "rows": rows, "response_bytes": len(body)}
            if not data["direct"] == data["gateway"] == data["apache"]:
                sys.exit(f"bench: the three systems returned different rows for {name}")
        status, _, body = http_request(self.targets["gateway"].url, "POST", "/token",
                                       body=self.body_bytes("token", "form"),
                                       headers={"Content-Type": "application/x-www-form-urlencoded",
                                                "Authorization": self.client_authorization})
        if status != 200 or "access_token" not in json.loads(body):
            sys.exit(f"bench: POST /token returned HTTP {status}: {body[:300]!r}")
        checks["token"] = {"gateway": {"status": status, "rows": 0, "response_bytes": len(body)}}
        log("all three systems return the same rows for every workload")
        return checks

    def check_rejections(self):
        """Both token checkers must reject the same bad tokens, so Apache is
        not measured doing less work than the gateway."""
        now = int(time.time())
        claims = json.loads(base64.urlsafe_b64decode(self.token.split(".")[1] + "=="))
        signature_tampered = self.token[:-2] + ("A" if self.token[-2] != "A" else "B") + self.token[-1]
        cases = {
            "bad signature": signature_tampered,
            "wrong audience": sign_hs256(dict(claims, aud="someone-else"), self.key),
            "wrong issuer": sign_hs256(dict(claims, iss="someone-else"), self.key),
            "expired": sign_hs256(dict(claims, iat=now - 7200, nbf=now - 7200, exp=now - 3600), self.key),
            "other database": sign_hs256(dict(claims, db=["otherdb"]), self.key),
        }
        results = {}
        for case, token in cases.items():
            results[case] = {}
            for system in ("gateway", "apache"):
                target = self.targets[system]
                status, _, _ = http_request(target.url, "POST", target.path,
                                            body=self.body_bytes("return1", target.body_kind),
                                            headers={"Content-Type": "application/json",
                                                     "Authorization": f"Bearer {token}"})
                results[case][system] = status
                if status not in (401, 403):
                    sys.exit(f"bench: {system} returned HTTP {status} for a token with {case}, "
                             f"expected 401 or 403")
        log("the gateway and Apache both reject bad signatures, audiences, issuers, expired tokens "
            "and other databases")
        return results

    # --------------------------------------------------- memory --

    def connections_memory(self, count):
        """Open `count` keep-alive connections to the gateway, send GET
        /health on each, and read the gateway's memory with all open."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < count + 100:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1000), hard))
        port = int(self.targets["gateway"].url.rsplit(":", 1)[1])
        request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

        before = memory_kib(self.gateway_pid)
        fds_before = len(os.listdir(f"/proc/{self.gateway_pid}/fd"))
        sockets = []
        try:
            for _ in range(count):
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                sockets.append(sock)
                sock.sendall(request)
                response = b""
                while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
                    chunk = sock.recv(4096)
                    if not chunk:
                        raise RuntimeError("the gateway closed a connection that should stay open")
                    response += chunk
                if not response.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(f"GET /health returned {response[:40]!r}")

            time.sleep(0.5)
            fds_open = len(os.listdir(f"/proc/{self.gateway_pid}/fd"))
            during = memory_kib(self.gateway_pid)
        finally:
            for sock in sockets:
                sock.close()
        time.sleep(0.5)
        after = memory_kib(self.gateway_pid)

        result = {
            "connections": count,
            "gateway_fds_before": fds_before,
            "gateway_fds_with_connections": fds_open,
            "rss_kib_before": before["rss"],
            "rss_kib_with_connections": during["rss"],
            "rss_kib_after_close": after["rss"],
            "hwm_kib": during["hwm"],
        }
        log(f"RSS with {count} open connections: {during['rss'] / 1024:.1f} MiB "
            f"({fds_open - fds_before} more file descriptors)")
        return result

    # ------------------------------------------------------ wrk --

    def settle(self, max_s=15):
        """Wait until Neo4j has finished the requests that the previous wrk
        run left in flight: its CPU use over 0.5 s falls below 20 % of one
        core and a RETURN 1 sent to it directly succeeds within 2 s. Return
        the seconds waited (at most about `max_s`)."""
        direct = self.targets["direct"]
        body = self.body_bytes("return1", "neo4j")
        started = time.monotonic()
        while time.monotonic() - started < max_s:
            before = process_cpu(self.neo4j_pid)
            time.sleep(0.5)
            if (process_cpu(self.neo4j_pid) - before) / 0.5 >= 0.2:
                continue
            try:
                status, _, _ = http_request(direct.url, "POST", direct.path, body=body, timeout=2,
                                            headers={"Content-Type": "application/json",
                                                     "Authorization": direct.authorization})
            except OSError:
                continue
            if status == direct.status:
                break
        return round(time.monotonic() - started, 1)

    def cpu_snapshot(self):
        busy, total = system_cpu_ticks()
        gateway = process_cpu_split(self.gateway_pid)
        apache = apache_cpu_split(self.apache_pid)
        return {
            "gateway": sum(gateway),
            "gateway_system": gateway[1],
            "apache": sum(apache),
            "apache_system": apache[1],
            "neo4j": process_cpu(self.neo4j_pid),
            "wrk": resource.getrusage(resource.RUSAGE_CHILDREN),
            "busy": busy,
            "total": total,
        }

    def wrk(self, label, url, body_file, content_type, authorization, connections, duration):
        """Run wrk once; return its summary (from bench/wrk/post.lua)."""
        threads = min(2, connections)
        result_file = os.path.join(self.wrk_dir, f"{label}.json")
        text_file = os.path.join(self.wrk_dir, f"{label}.txt")
        argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"--timeout={WRK_TIMEOUT_S}s",
                "--latency", "-s", WRK_SCRIPT, url]
        wrk_env = dict(os.environ, BENCH_BODY_FILE=body_file, BENCH_CONTENT_TYPE=content_type,
                       BENCH_AUTHORIZATION=authorization, BENCH_RESULT_FILE=result_file)
        if os.path.exists(result_file):
            os.remove(result_file)
        with open(text_file, "w") as out:
            out.write("$ " + " ".join(argv) + "\n")
            out.flush()
            done = subprocess.run(argv, env=wrk_env, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=duration + WRK_TIMEOUT_S + 30)
        if done.returncode != 0 or not os.path.exists(result_file):
            sys.exit(f"bench: wrk failed (exit {done.returncode}); see {text_file}")
        with open(result_file) as f:
            summary = json.load(f)
        summary["threads"] = threads
        summary["command"] = " ".join(argv)
        summary["output"] = os.path.relpath(text_file, ROOT)
        return summary

    def measure(self, workload, system, connections, duration=None, record=True):
        duration = duration or self.duration
        if workload == "token":
            target = self.targets["gateway"]
            url = target.url + "/token"
            body_file = self.bodies[("token", "form")]
            content_type = "application/x-www-form-urlencoded"
            authorization = self.client_authorization
        else:
            target = self.targets[system]
            url = target.url + target.path
            body_file = self.bodies[(workload, target.body_kind)]
            content_type = "application/json"
            authorization = target.authorization
        label = f"{workload}-{system}-c{connections}" + ("" if record else "-warmup")

        settle_s = self.settle()
        load_before = load_average()
        before = self.cpu_snapshot()
        summary = self.wrk(label, url, body_file, content_type, authorization, connections, duration)
        after = self.cpu_snapshot()

        requests = summary["requests"]
        seconds = summary["duration_us"] / 1e6
        errors = summary["errors"]
        cpu = {name: after[name] - before[name] for name in ("gateway", "apache", "neo4j")}
        # Kernel share of the proxies' CPU time (network system calls, mostly).
        system_cpu = {name: after[f"{name}_system"] - before[f"{name}_system"] for name in ("gateway", "apache")}
        cpu["wrk"] = ((after["wrk"].ru_utime + after["wrk"].ru_stime)
                      - (before["wrk"].ru_utime + before["wrk"].ru_stime))
        busy = (after["busy"] - before["busy"]) / CLOCK_TICKS
        total = (after["total"] - before["total"]) / CLOCK_TICKS
        ours = sum(cpu.values())
        run = {
            "workload": workload,
            "system": system,
            "connections": connections,
            "threads": summary["threads"],
            "duration_s": round(seconds, 3),
            "requests": requests,
            "requests_per_s": round(requests / seconds, 1) if seconds else 0,
            "bytes": summary["bytes"],
            "latency_us": summary["latency_us"],
            "errors": errors,
            "errors_total": sum(errors.values()),
            "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
            "cpu_us_per_request": {k: round(v / requests * 1e6, 1) if requests else None
                                   for k, v in cpu.items()},
            "system_cpu_us_per_request": {k: round(v / requests * 1e6, 1) if requests else None
                                          for k, v in system_cpu.items()},
            # CPU time of every process on the machine that is not part of
            # this benchmark, as a share of both cores: the noise indicator.
            "other_cpu_share": round(max(0.0, busy - ours) / total, 3) if total else None,
            "load_average_before": load_before,
            "settle_s": settle_s,
            "command": summary["command"],
            "output": summary["output"],
        }
        if record:
            self.result["runs"].append(run)
            latency = summary["latency_us"]
            log(f"{workload:8} {system:7} c={connections:<3} {run['requests_per_s']:9.1f} req/s  "
                f"p50 {latency['p50'] / 1000:8.2f} ms  p99 {latency['p99'] / 1000:8.2f} ms  "
                f"errors {run['errors_total']}  others' CPU {run['other_cpu_share']:.0%}")
        return run

    # ------------------------------------------------- sustained --

    def sustained(self, seconds, connections, warmup_s):
        """Run the two-hop workload through the gateway for `seconds` and
        sample the gateway's RSS after `warmup_s` and when wrk ends."""
        target = self.targets["gateway"]
        label = f"sustained-two_hop-gateway-c{connections}"
        result_file = os.path.join(self.wrk_dir, f"{label}.json")
        text_file = os.path.join(self.wrk_dir, f"{label}.txt")
        argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={WRK_TIMEOUT_S}s", "--latency",
                "-s", WRK_SCRIPT, target.url + target.path]
        wrk_env = dict(os.environ, BENCH_BODY_FILE=self.bodies[("two_hop", "gateway")],
                       BENCH_CONTENT_TYPE="application/json", BENCH_AUTHORIZATION=target.authorization,
                       BENCH_RESULT_FILE=result_file)

        self.settle()
        samples = []
        started = time.monotonic()
        before = process_cpu(self.gateway_pid)
        with open(text_file, "w") as out:
            out.write("$ " + " ".join(argv) + "\n")
            out.flush()
            proc = subprocess.Popen(argv, env=wrk_env, stdout=out, stderr=subprocess.STDOUT)
            try:
                next_sample = started + warmup_s
                while proc.poll() is None and time.monotonic() < started + seconds + WRK_TIMEOUT_S + 30:
                    now = time.monotonic()
                    if now >= next_sample:
                        samples.append({"t_s": round(now - started, 1),
                                        "rss_kib": memory_kib(self.gateway_pid)["rss"]})
                        next_sample += 5
                    time.sleep(0.1)
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
        end_rss = memory_kib(self.gateway_pid)["rss"]
        cpu = process_cpu(self.gateway_pid) - before

        if proc.returncode != 0 or not os.path.exists(result_file):
            sys.exit(f"bench: wrk failed in the sustained run (exit {proc.returncode}); see {text_file}")
        with open(result_file) as f:
            summary = json.load(f)
        warm_rss = samples[0]["rss_kib"] if samples else None

        result = {
            "workload": "two_hop",
            "system": "gateway",
            "connections": connections,
            "duration_s": round(summary["duration_us"] / 1e6, 1),
            "requests": summary["requests"],
            "requests_per_s": round(summary["requests"] / (summary["duration_us"] / 1e6), 1),
            "latency_us": summary["latency_us"],
            "errors": summary["errors"],
            "errors_total": sum(summary["errors"].values()),
            "warmup_s": warmup_s,
            "rss_kib_after_warmup": warm_rss,
            "rss_kib_at_end": end_rss,
            "rss_growth_kib": end_rss - warm_rss if warm_rss is not None else None,
            "rss_samples": samples,
            "gateway_cpu_us_per_request": round(cpu / summary["requests"] * 1e6, 1) if summary["requests"] else None,
            "command": " ".join(argv),
            "output": os.path.relpath(text_file, ROOT),
        }
        log(f"sustained: {result['requests_per_s']} req/s for {result['duration_s']} s, "
            f"{result['errors_total']} errors, RSS {warm_rss} -> {end_rss} KiB")
        return result

    # ------------------------------------------------------ plan --

    def run(self):
        args = self.args
        self.result["load_average_start"] = load_average()
        self.result["responses"] = self.check_responses()
        self.result["rejections"] = self.check_rejections()

        self.result["rss_idle_kib"] = memory_kib(self.gateway_pid)
        self.result["connections_memory"] = self.connections_memory(args.connections)

        # Neo4j compiles each query and its JIT warms up on first use;
        # the proxies open their Neo4j connections. None of this is recorded.
        log("warming up")
        for workload in WORKLOADS:
            for system in SYSTEMS:
                self.measure(workload, system, 16, duration=args.warmup if system == "direct" else 1,
                             record=False)
        self.measure("token", "gateway", 16, duration=1, record=False)

        for workload in WORKLOADS:
            for index, connections in enumerate(LEVELS[workload]):
                # Rotating the order spreads slow drifts of the machine's
                # load over all three systems.
                order = SYSTEMS[index % 3:] + SYSTEMS[:index % 3]
                for system in order:
                    self.measure(workload, system, connections)
        for connections in LEVELS["token"]:
            self.measure("token", "gateway", connections)

        time.sleep(1)
        self.result["rss_idle_after_load_kib"] = memory_kib(self.gateway_pid)
        self.result["sustained"] = self.sustained(args.sustained, 64, min(10, args.sustained // 3))
        self.result["load_average_end"] = load_average()
        write_json(args.out, self.result)


def cmd_load(args):
    Bench(args).run()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    startup = sub.add_parser("startup", help="time fresh gateway starts until /ready returns 200")
    startup.add_argument("--binary", required=True, help="path of cypher-gateway")
    startup.add_argument("--config", required=True, help="gateway configuration file")
    startup.add_argument("--runs", type=int, default=5, help="number of starts (default 5)")
    startup.add_argument("--log-dir", required=True, help="directory for the gateways' logs")
    startup.add_argument("--out", required=True, help="JSON file to write")

    load = sub.add_parser("load", help="checks, memory, the wrk matrix and the sustained run")
    load.add_argument("--state-dir", required=True, help="directory for wrk outputs and request bodies")
    load.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    load.add_argument("--warmup", type=int, default=4,
                      help="seconds of unrecorded load on Neo4j per workload before measuring (default 4)")
    load.add_argument("--sustained", type=int, default=60, help="seconds of the sustained run (default 60)")
    load.add_argument("--connections", type=int, default=1000,
                      help="open connections for the memory test (default 1000)")
    load.add_argument("--out", required=True, help="JSON file to write")

    meta = sub.add_parser("meta", help="machine description and versions")
    meta.add_argument("--binary", required=True, help="path of cypher-gateway")
    meta.add_argument("--apache-bin", required=True, help="path of the Apache httpd binary")
    meta.add_argument("--out", required=True, help="JSON file to write")

    args = parser.parse_args()
    {"startup": cmd_startup, "load": cmd_load, "meta": cmd_meta}[args.command](args)


if __name__ == "__main__":
    main()
