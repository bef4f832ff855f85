#!/usr/bin/env python3
"""Write BENCHMARKS.md, the chart and bench/results/latest.json from the
JSON files that bench/run.sh and bench/measure.py leave in the state
directory (.local/bench/).

It can also be run alone to rebuild the page and the chart from a saved
results file:  python3 bench/report.py --from-results bench/results/latest.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SYSTEM_NAMES = {
    "direct": "Neo4j direct",
    "gateway": "cypher-gateway",
    "apache": "Apache httpd",
}
WORKLOAD_TITLES = {
    "return1": "RETURN 1",
    "two_hop": "Two-hop recommendation",
    "rows_10k": "10,000-row result (about 1 MB of JSON)",
    "token": "POST /token (gateway only)",
}
GOAL_P50_RATIO = 1.10
GOAL_THROUGHPUT_VS_DIRECT = 0.95
GOAL_CPU_FRACTION = 1 / 3
GOAL_RSS_IDLE_MIB = 16
GOAL_RSS_CONNECTIONS_MIB = 64
GOAL_VERIFY_PER_S = 300_000
GOAL_SUSTAINED_GROWTH_KIB = 1024


def load_parts(state_dir):
    parts = {}
    for name in ("run", "meta", "jwt", "startup", "load"):
        path = os.path.join(state_dir, f"{name}.json")
        try:
            with open(path) as f:
                parts[name] = json.load(f)
        except FileNotFoundError:
            sys.exit(f"report: {path} is missing; run bench/run.sh (make bench) to produce it")
    return {
        "schema": 1,
        "run": parts["run"],
        "machine": parts["meta"]["machine"],
        "versions": parts["meta"]["versions"],
        "jwt": parts["jwt"],
        "startup": parts["startup"],
        **parts["load"],
    }


# ------------------------------------------------------------ helpers --

def ms(us):
    return f"{us / 1000:.2f}"


def latency_ms(run, percentile):
    """Format a wrk percentile, or a dash when the run completed nothing."""
    return ms(run["latency_us"][percentile]) if run["requests"] else "–"


def cpu_us(value):
    return "–" if value is None else f"{value:,.0f}"


def fmt_ratio(value):
    return f"{value:.2f}" if value == value and value not in (float("inf"), float("-inf")) else "–"


def mib(kib):
    return f"{kib / 1024:.1f}"


def ratio(a, b):
    return a / b if a is not None and b else float("nan")


def find(results, workload, system, connections):
    for run in results["runs"]:
        if run["workload"] == workload and run["system"] == system and run["connections"] == connections:
            return run
    return None


def levels(results, workload):
    return sorted({r["connections"] for r in results["runs"] if r["workload"] == workload})


def met(ok):
    return "met" if ok else "**not met**"


# -------------------------------------------------------------- goals --

def evaluate_goals(results):
    goals = []

    direct = find(results, "return1", "direct", 1)
    gateway = find(results, "return1", "gateway", 1)
    goal = f"p50 at 1 connection, RETURN 1: gateway ≤ {GOAL_P50_RATIO:.2f} × direct"
    if direct["requests"] and gateway["requests"]:
        value = ratio(gateway["latency_us"]["p50"], direct["latency_us"]["p50"])
        goals.append({"goal": goal, "met": value <= GOAL_P50_RATIO,
                      "measured": f"{ms(gateway['latency_us']['p50'])} ms vs {ms(direct['latency_us']['p50'])} ms "
                                  f"= {value:.2f} ×"})
    else:
        goals.append({"goal": goal, "met": False, "measured": "a run completed no request"})

    for workload in ("return1", "two_hop", "rows_10k"):
        runs = {s: find(results, workload, s, 64) for s in SYSTEM_NAMES}
        if None in runs.values():
            continue
        vs_direct = ratio(runs["gateway"]["requests_per_s"], runs["direct"]["requests_per_s"])
        vs_apache = ratio(runs["gateway"]["requests_per_s"], runs["apache"]["requests_per_s"])
        goals.append({
            "goal": f"throughput at 64 connections, {WORKLOAD_TITLES[workload]}: gateway ≥ "
                    f"{GOAL_THROUGHPUT_VS_DIRECT:.2f} × direct and ≥ Apache",
            "measured": f"{fmt_ratio(vs_direct)} × direct, {fmt_ratio(vs_apache)} × Apache",
            "met": vs_direct >= GOAL_THROUGHPUT_VS_DIRECT and vs_apache >= 1.0,
        })

    for workload in ("return1", "two_hop"):
        gateway = find(results, workload, "gateway", 64)
        apache = find(results, workload, "apache", 64)
        g = gateway["cpu_us_per_request"]["gateway"]
        a = apache["cpu_us_per_request"]["apache"]
        goal = f"CPU time per request at 64 connections, {WORKLOAD_TITLES[workload]}: gateway ≤ 1/3 of Apache"
        if g is None or a is None:
            goals.append({"goal": goal, "met": False, "measured": "a run completed no request"})
            continue
        goals.append({"goal": goal, "met": g <= a * GOAL_CPU_FRACTION,
                      "measured": f"{g:.0f} µs vs {a:.0f} µs = {fmt_ratio(ratio(g, a))} of Apache"})

    idle = results["rss_idle_kib"]["rss"]
    goals.append({
        "goal": f"gateway RSS idle ≤ {GOAL_RSS_IDLE_MIB} MiB",
        "measured": f"{mib(idle)} MiB",
        "met": idle <= GOAL_RSS_IDLE_MIB * 1024,
    })
    connections = results["connections_memory"]
    goals.append({
        "goal": f"gateway RSS with {connections['connections']:,} open connections ≤ "
                f"{GOAL_RSS_CONNECTIONS_MIB} MiB",
        "measured": f"{mib(connections['rss_kib_with_connections'])} MiB",
        "met": connections["rss_kib_with_connections"] <= GOAL_RSS_CONNECTIONS_MIB * 1024,
    })

    # Judged on full verification (signature and claims parse), which every
    # token gets on first use; the cache-hit rate is shown next to it.
    jwt = results["jwt"]
    goals.append({
        "goal": f"HS256 verification ≥ {GOAL_VERIFY_PER_S:,} per second per core",
        "measured": f"{jwt['verify_per_s']:,.0f} per second for a full verification; "
                    f"{jwt['verify_cached_per_s']:,.0f} per second when the token is in the verified-token cache",
        "met": jwt["verify_per_s"] >= GOAL_VERIFY_PER_S,
    })

    sustained = results["sustained"]
    goals.append({
        "goal": f"sustained {sustained['duration_s']:.0f} s at {sustained['connections']} connections, two-hop: "
                f"no errors and RSS growth < 1 MiB after warm-up",
        "measured": f"{sustained['errors_total']} errors, RSS {sustained['rss_growth_kib']:+,} KiB",
        "met": sustained["errors_total"] == 0 and sustained["rss_growth_kib"] < GOAL_SUSTAINED_GROWTH_KIB,
    })
    return goals


# -------------------------------------------------------------- chart --

CHART_SERIES = {
    "direct": ("Neo4j direct", "#1b9e77"),
    "gateway": ("cypher-gateway /query", "#d95f02"),
    "apache": ("Apache + mod\\_auth\\_openidc", "#7570b3"),
}


def gnuplot_script(results, datadir, chart_path):
    """Return a gnuplot script with one row per workload: throughput on the
    left, p50 (solid) and p99 (dashed) latency on the right. Runs that
    completed no request have no latency and are left out."""
    lines = [
        'set terminal pngcairo size 1400,1500 font "DejaVu Sans,11"',
        f"set output '{chart_path}'",
        "set logscale x 2",
        'set xtics ("1" 1, "16" 16, "64" 64, "256" 256)',
        "set xrange [0.8:320]",
        "set grid",
        'set key top left font ",10"',
        'set xlabel "connections"',
        'set multiplot layout 3,2 title "cypher-gateway benchmark: one run on a shared 2-core machine" '
        'font ",14"',
    ]
    for workload in ("return1", "two_hop", "rows_10k"):
        series = []
        for system, (label, color) in CHART_SERIES.items():
            path = os.path.join(datadir, f"{workload}-{system}.dat")
            points = 0
            with open(path, "w") as f:
                for connections in levels(results, workload):
                    run = find(results, workload, system, connections)
                    if run and run["requests"] > 0:
                        f.write(f"{connections} {run['requests_per_s']} {run['latency_us']['p50'] / 1000:.3f} "
                                f"{run['latency_us']['p99'] / 1000:.3f}\n")
                        points += 1
            if points:
                series.append((path, label, color))
        lines.append(f"set title '{WORKLOAD_TITLES[workload]}'")
        if not series:
            lines += ["set multiplot next", "set multiplot next"]
            continue
        lines += ["unset logscale y", "set yrange [0:*]", 'set ylabel "requests/s"']
        lines.append("plot " + ", ".join(f"'{path}' using 1:2 with linespoints lw 2 pt 7 lc rgb '{color}' "
                                         f"title '{label}'" for path, label, color in series))
        lines += ["set logscale y 10", "set yrange [*:*]", 'set ylabel "latency (ms), log scale"']
        plots = [f"'{path}' using 1:3 with linespoints lw 2 pt 7 lc rgb '{color}' title '{label} p50'"
                 for path, label, color in series]
        plots += [f"'{path}' using 1:4 with linespoints lw 2 dt 2 pt 6 lc rgb '{color}' title '{label} p99'"
                  for path, label, color in series]
        lines.append("plot " + ", ".join(plots))
    lines.append("unset multiplot")
    return "\n".join(lines) + "\n"


def write_chart(results, chart_path):
    os.makedirs(os.path.dirname(chart_path), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-chart-") as datadir:
        script = os.path.join(datadir, "chart.gp")
        with open(script, "w") as f:
            f.write(gnuplot_script(results, datadir, chart_path))
        subprocess.run(["gnuplot", script], check=True)


# ----------------------------------------------------------- markdown --

def workload_tables(results, workload):
    lines = [
        "| connections | system | requests/s | p50 ms | p90 ms | p99 ms | errors | proxy CPU µs/request "
        "| Neo4j CPU µs/request | others' CPU |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for connections in levels(results, workload):
        for system in SYSTEM_NAMES:
            run = find(results, workload, system, connections)
            if not run:
                continue
            cpu = run["cpu_us_per_request"]
            proxy_cpu = cpu.get(system) if system != "direct" else None
            lines.append(
                f"| {connections} | {SYSTEM_NAMES[system]} | {run['requests_per_s']:,.1f} | {latency_ms(run, 'p50')} "
                f"| {latency_ms(run, 'p90')} | {latency_ms(run, 'p99')} | {run['errors_total']} "
                f"| {cpu_us(proxy_cpu)} | {cpu_us(cpu['neo4j'])} | {run['other_cpu_share']:.0%} |")
    lines += [
        "",
        "| connections | requests/s gateway/direct | requests/s gateway/Apache | p50 gateway/direct "
        "| p50 gateway/Apache | p99 gateway/direct | p99 gateway/Apache |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for connections in levels(results, workload):
        d, g, a = (find(results, workload, s, connections) for s in SYSTEM_NAMES)
        if not (d and g and a):
            continue
        cells = [ratio(g["requests_per_s"], d["requests_per_s"]), ratio(g["requests_per_s"], a["requests_per_s"])]
        for percentile in ("p50", "p99"):
            for other in (d, a):
                both = g["requests"] and other["requests"]
                cells.append(ratio(g["latency_us"][percentile], other["latency_us"][percentile]) if both
                             else float("nan"))
        lines.append(f"| {connections} | " + " | ".join(fmt_ratio(c) for c in cells) + " |")
    return lines


def token_table(results):
    lines = [
        "| connections | requests/s | p50 ms | p90 ms | p99 ms | errors | gateway CPU µs/request |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for connections in levels(results, "token"):
        run = find(results, "token", "gateway", connections)
        lines.append(f"| {connections} | {run['requests_per_s']:,.1f} | {latency_ms(run, 'p50')} "
                     f"| {latency_ms(run, 'p90')} | {latency_ms(run, 'p99')} | {run['errors_total']} "
                     f"| {cpu_us(run['cpu_us_per_request']['gateway'])} |")
    return lines


def others_share(results):
    shares = [r["other_cpu_share"] for r in results["runs"] if r["other_cpu_share"] is not None]
    if not shares:
        return "unknown"
    return f"{sum(shares) / len(shares):.0%} on average, {max(shares):.0%} at most"


def reading_note(results):
    """Return a paragraph that compares Neo4j's CPU time per request with
    the proxies', or "" when the runs it needs are missing."""
    gateway = find(results, "return1", "gateway", 64)
    apache = find(results, "return1", "apache", 64)
    if not (gateway and apache and gateway["requests"] and apache["requests"]):
        return ""
    neo4j_us = gateway["cpu_us_per_request"]["neo4j"]
    gateway_us = gateway["cpu_us_per_request"]["gateway"]
    apache_us = apache["cpu_us_per_request"]["apache"]
    return (f"How to read the throughput goals: at 64 connections Neo4j used {neo4j_us / 1000:.1f} ms of CPU time "
            f"per RETURN 1 request, the gateway {gateway_us:,.0f} µs and Apache {apache_us:,.0f} µs. "
            "Neo4j's share of the two cores therefore bounds the throughput of all three systems, and "
            "their throughput ratios vary more with the other load on the machine than with the proxies' own "
            "cost. The CPU time figures, unlike the ratios, measure the proxies themselves; on a busy machine "
            "they include cache misses and context switches caused by the other processes.")


def markdown(results, goals, chart_rel):
    machine = results["machine"]
    versions = results["versions"]
    run = results["run"]
    settings = results["settings"]
    jwt = results["jwt"]
    startup = results["startup"]
    connections = results["connections_memory"]
    sustained = results["sustained"]
    responses = results["responses"]

    out = []
    add = out.append
    add("# Benchmarks")
    add("")
    add("<!-- Generated by `make bench` (bench/run.sh and bench/report.py); edits are overwritten. -->")
    add("")
    add(f"Figures from one run of `make bench` on {run['started_at'][:10]} (commit {run['git']['commit']}"
        f"{', with uncommitted changes' if run['git']['uncommitted_files'] else ''}), on a shared 2-core "
        f"machine where other engineers were running builds and tests at the same time. "
        f"Other processes used {others_share(results)} of the CPU time during the measurements "
        f"(the \"others' CPU\" column). Load average: {results['load_average_start'][0]:.1f} at the start "
        f"and {results['load_average_end'][0]:.1f} at the end. "
        "Treat differences of less than about 20 % between systems as noise, and rerun before relying on one.")
    add("")
    add(f"![Throughput and latency by concurrency]({chart_rel})")
    add("")

    add("## Goals")
    add("")
    add("| goal | measured | result |")
    add("|---|---|---|")
    for goal in goals:
        add(f"| {goal['goal']} | {goal['measured']} | {met(goal['met'])} |")
    add("")

    reading = reading_note(results)
    if reading:
        add(reading)
        add("")

    add("## Setup")
    add("")
    add("| machine | |")
    add("|---|---|")
    add(f"| CPUs (nproc) | {machine['nproc']} |")
    add(f"| CPU model | {machine['cpu_model']} |")
    add(f"| kernel | {machine['kernel']} |")
    add(f"| memory | {machine['memory_gib']} GiB |")
    add(f"| OS | {machine['os']} |")
    add("")
    add("| software | version |")
    add("|---|---|")
    for name, version in versions.items():
        add(f"| {name} | {version} |")
    add("")
    add("Systems, all on 127.0.0.1 and all with keep-alive connections from the client:")
    add("")
    add(f"- **Neo4j direct**: `POST /db/neo4j/query/v2` on Neo4j's HTTP port with HTTP Basic credentials. "
        f"Neo4j answers 202. Heap {run['neo4j_heap']}, page cache 128 MiB (scripts/neo4j.sh).")
    add(f"- **cypher-gateway**: `POST {settings['gateway_path']}` (the product path, which answers 200) with a "
        "Bearer token from its own `POST /token`. Configuration bench/gateway.yaml: 16 worker threads, "
        "16 pooled keep-alive connections to Neo4j, log level info, so every request writes a JSON access-log "
        "line (to a file).")
    add("- **Apache httpd**: MPM event (2 processes × 128 threads), mod_auth_openidc as an OAuth 2.0 resource "
        "server that checks the same HS256 tokens with the shared key (`AuthType oauth20`, "
        "`OIDCOAuthVerifySharedKeys`) and requires the same issuer, audience and database claims, then "
        "mod_proxy_http forwards to `/db/neo4j/query/v2` with the Neo4j Basic credentials set by "
        "`RequestHeader` and a keep-alive connection pool. It writes one access-log line per request. "
        "Configuration template: bench/apache/httpd.conf.in. Apache answers with Neo4j's 202.")
    add("")
    add("Neo4j gets the same body from all three: the gateway adds `\"accessMode\": \"Read\"` to the client's "
        "body, and the direct and Apache requests carry it already.")
    add("")
    add(f"Load: wrk, {settings['duration_s']} s per measurement, 1 thread at 1 connection and 2 threads "
        f"otherwise, socket timeout {settings['wrk_timeout_s']} s, on the same 2 cores as the servers, so the "
        "client takes CPU time from them. Each workload first runs for a few seconds on every system without "
        "being recorded (Neo4j's query compilation and JIT, the proxies' Neo4j connections). The order of the "
        "three systems rotates from one concurrency level to the next, and before each run the script waits "
        "until Neo4j is idle again (below 20 % of one core, and a direct RETURN 1 succeeds), because requests "
        "that wrk abandons at the end of a run keep Neo4j busy. Errors are wrk's socket errors "
        "(connect, read, write, timeout) plus responses with a status outside 200–399. CPU time per request is "
        "utime + stime from /proc/PID/stat before and after each run, divided by the requests of that run; "
        "for Apache it is summed over the parent and all its children.")
    add("")
    sizes = ", ".join(f"{WORKLOAD_TITLES[w]} {responses[w]['gateway']['response_bytes']:,} bytes"
                      for w in ("return1", "two_hop", "rows_10k"))
    add("Checks before measuring: each workload returns the same rows from all three systems "
        f"(response sizes: {sizes}), "
        "and both the gateway and Apache reject a token with a bad signature, another audience, another "
        "issuer, an expired one, and one for another database.")
    add("")

    for workload in ("return1", "two_hop", "rows_10k"):
        add(f"## {WORKLOAD_TITLES[workload]}")
        add("")
        if workload == "two_hop":
            add("Co-actors of Tom Hanks's co-actors who never acted with him, ranked by the number of paths, "
                "first 10 (bench/workloads/two_hop.json).")
            add("")
        if workload == "rows_10k":
            direct64 = find(results, "rows_10k", "direct", 64)
            measured = (f" At 64 connections Neo4j alone already took {ms(direct64['latency_us']['p50'])} ms "
                        "per request (p50)." if direct64 and direct64["requests"] else "")
            add("`UNWIND range(1, 10000)` with a string of about 100 bytes per row "
                "(bench/workloads/rows_10k.json). Measured at 1, 16 and 64 connections only: at 256 "
                "connections about 256 MB of responses would be in flight, and on 2 cores most requests "
                f"would wait longer than wrk's {settings['wrk_timeout_s']} s timeout (an estimate from the "
                f"lower levels), so wrk would count timeouts in place of latencies.{measured}")
            add("")
        out.extend(workload_tables(results, workload))
        add("")

    add("## " + WORKLOAD_TITLES["token"])
    add("")
    add("HTTP Basic client credentials (`grant_type=client_credentials`), a sha256 secret hash, and a new "
        "signed token per request. Apache has no token endpoint (mod_auth_openidc only validates tokens), "
        "so there is nothing to compare.")
    add("")
    out.extend(token_table(results))
    add("")

    add("## Gateway internals")
    add("")
    add("| measure | value |")
    add("|---|---|")
    add(f"| gw_jwt_verify, valid token ({jwt['token_bytes']} bytes), full verification, one thread "
        f"| {jwt['verify_per_s']:,.0f} per CPU second ({jwt['verify_us']:.2f} µs each) |")
    add(f"| gw_jwt_verify, the same token from the verified-token cache | {jwt['verify_cached_per_s']:,.0f} per CPU "
        "second |")
    add(f"| gw_jwt_verify, token with a bad signature | {jwt['reject_bad_signature_per_s']:,.0f} per CPU second |")
    add(f"| gw_jwt_issue | {jwt['issue_per_s']:,.0f} per CPU second |")
    add(f"| RSS idle (after start, /ready and one /token) | {mib(results['rss_idle_kib']['rss'])} MiB |")
    add(f"| RSS with {connections['connections']:,} open keep-alive connections (one GET /health each) "
        f"| {mib(connections['rss_kib_with_connections'])} MiB "
        f"({connections['gateway_fds_with_connections'] - connections['gateway_fds_before']:,} more file "
        f"descriptors) |")
    add(f"| RSS idle after the load runs | {mib(results['rss_idle_after_load_kib']['rss'])} MiB "
        f"(peak {mib(results['rss_idle_after_load_kib']['hwm'])} MiB) |")
    add(f"| start to ready (exec to first 200 on /ready, no SSM), median of {len(startup['runs'])} | "
        f"{startup['median_ms']:.1f} ms (min {startup['min_ms']:.1f}, max {startup['max_ms']:.1f}) |")
    main_ms = [r["main_to_listening_ms"] for r in startup["runs"] if r["main_to_listening_ms"] is not None]
    if main_ms:
        add(f"| main() to listening, from the gateway's own log, median | {sorted(main_ms)[len(main_ms) // 2]:.1f} ms |")
    add("")
    add("CPU time per request at 64 connections:")
    add("")
    add("| workload | cypher-gateway µs (kernel part) | Apache µs (kernel part) | gateway / Apache "
        "| Neo4j µs (via gateway) |")
    add("|---|---:|---:|---:|---:|")
    for workload in ("return1", "two_hop", "rows_10k"):
        g = find(results, workload, "gateway", 64)
        a = find(results, workload, "apache", 64)
        if g and a:
            gw, ap = g["cpu_us_per_request"]["gateway"], a["cpu_us_per_request"]["apache"]
            gw_kernel = g.get("system_cpu_us_per_request", {}).get("gateway")
            ap_kernel = a.get("system_cpu_us_per_request", {}).get("apache")
            add(f"| {WORKLOAD_TITLES[workload]} | {cpu_us(gw)} ({cpu_us(gw_kernel)}) | {cpu_us(ap)} ({cpu_us(ap_kernel)}) "
                f"| {fmt_ratio(ratio(gw, ap))} "
                f"| {cpu_us(g['cpu_us_per_request']['neo4j'])} |")
    add("")
    add("The HS256 figures come from bench/jwt_verify_bench.c, which links the gateway's core objects, sets up "
        "the verifier as the gateway does (precomputed HMAC states), and times one thread with "
        "CLOCK_THREAD_CPUTIME_ID. Time the scheduler gives to other processes does not count, but a busy "
        "machine still slows the thread down through shared CPU caches. \"Full verification\" runs without "
        "the verified-token cache: signature check, claims parse and time checks on every call.")
    add("")

    add("## Sustained run")
    add("")
    add(f"Two-hop workload through the gateway, {sustained['connections']} connections, "
        f"{sustained['duration_s']:.0f} s: {sustained['requests']:,} requests "
        f"({sustained['requests_per_s']:,.1f}/s), p50 {ms(sustained['latency_us']['p50'])} ms, "
        f"p99 {ms(sustained['latency_us']['p99'])} ms, {sustained['errors_total']} errors. "
        f"RSS {mib(sustained['rss_kib_after_warmup'])} MiB after {sustained['warmup_s']} s of warm-up and "
        f"{mib(sustained['rss_kib_at_end'])} MiB at the end ({sustained['rss_growth_kib']:+,} KiB).")
    add("")
    add("| time (s) | RSS (KiB) |")
    add("|---:|---:|")
    for sample in sustained["rss_samples"]:
        add(f"| {sample['t_s']} | {sample['rss_kib']:,} |")
    add(f"| end | {sustained['rss_kib_at_end']:,} |")
    add("")

    add("## Commands")
    add("")
    add("Everything above comes from one command, which needs root for `apt-get` only when a Debian package "
        "(apache2, libapache2-mod-auth-openidc, wrk, gnuplot-nox, jq) is missing:")
    add("")
    add("```sh")
    add("make bench          # BENCH_DURATION=5 BENCH_SUSTAINED=60 by default")
    add("```")
    add("")
    add("It runs these, with secrets passed in the environment and never on a command line:")
    add("")
    add("```sh")
    for key in ("jwt_build", "jwt_run", "neo4j", "gateway", "apache"):
        add(run["commands"][key])
    example = find(results, "two_hop", "gateway", 64)
    if example:
        add("# one wrk run per table row, for example:")
        add(example["command"].replace(ROOT + "/", ""))
    add(sustained["command"].replace(ROOT + "/", ""))
    add("```")
    add("")
    add("wrk's text output for every run is kept in .local/bench/wrk/ until the next run; the raw figures "
        "of this page are in [bench/results/latest.json](bench/results/latest.json).")
    add("")
    add(f"The run took {run['elapsed_s'] // 60} min {run['elapsed_s'] % 60} s.")
    add("")
    # Profiling notes are written by hand, so they live in their own file
    # and survive the regeneration of this page.
    notes = os.path.join(ROOT, "bench", "PROFILING.md")
    if os.path.exists(notes):
        with open(notes) as f:
            add(f.read().rstrip())
        add("")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--state-dir", help="directory with run.json, meta.json, jwt.json, startup.json, load.json")
    source.add_argument("--from-results", help="an existing results file to render again")
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "results", "latest.json"),
                        help="results file to write (with --state-dir)")
    parser.add_argument("--markdown", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--chart", default=os.path.join(ROOT, "docs", "benchmarks", "latency-throughput.png"))
    args = parser.parse_args()

    if args.state_dir:
        results = load_parts(args.state_dir)
        results["goals"] = evaluate_goals(results)
        os.makedirs(os.path.dirname(args.results), exist_ok=True)
        with open(args.results, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")
    else:
        with open(args.from_results) as f:
            results = json.load(f)
        results["goals"] = evaluate_goals(results)

    write_chart(results, os.path.abspath(args.chart))
    chart_rel = os.path.relpath(os.path.abspath(args.chart), os.path.dirname(os.path.abspath(args.markdown)))
    with open(args.markdown, "w") as f:
        f.write(markdown(results, results["goals"], chart_rel))
    missed = [g["goal"] for g in results["goals"] if not g["met"]]
    print(f"report: wrote {args.markdown}, {args.chart} and the results; "
          f"{len(results['goals']) - len(missed)} of {len(results['goals'])} goals met")
    for goal in missed:
        print(f"report: not met: {goal}")


if __name__ == "__main__":
    main()
