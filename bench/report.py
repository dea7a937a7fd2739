#!/usr/bin/env python3
"""Writes the medians of bench/compare.sh's runs into docs/benchmarks.md (between the system-bench markers)."""
import glob, json, os, platform, statistics, subprocess, sys, datetime

out, doc, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
START, END = "<!-- system-bench:start -->", "<!-- system-bench:end -->"

def runs_of(name, store):
    return [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{name}.{store}.*.json"))]

def med(results, pick):
    return statistics.median(pick(r) for r in results) if results else None

def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()

rows = []
targets = {
    "put-saturated-1table": ("throughput", ">= 1.5x etcd"),
    "put-saturated-16tables": ("throughput", ">= 4x etcd"),
    "get-follower-local-64": ("throughput", ">= 2x etcd serializable gets"),
    "put-1client": ("p50", "p50 <= etcd's"),
}
for name in ["put-1client", "put-saturated-1table", "put-saturated-16tables", "get-serializable-64",
             "get-linearizable-64", "get-follower-local-64"]:
    a, e = runs_of(name, "armada"), runs_of(name, "etcd")
    if not a or not e:
        continue
    at, et = med(a, lambda r: r["throughput"]), med(e, lambda r: r["throughput"])
    ap50, ep50 = med(a, lambda r: r["latency"]["p50"]), med(e, lambda r: r["latency"]["p50"])
    ap99, ep99 = med(a, lambda r: r["latency"]["p99"]), med(e, lambda r: r["latency"]["p99"])
    aerr, eerr = sum(r["errors"] for r in a), sum(r["errors"] for r in e)
    target = targets.get(name)
    verdict = ""
    if target:
        kind, text = target
        if kind == "throughput":
            need = {"put-saturated-1table": 1.5, "put-saturated-16tables": 4, "get-follower-local-64": 2}[name]
            verdict = f"{text}: {'met' if at / et >= need else 'missed'}"
        else:
            verdict = f"{text}: {'met' if ap50 <= ep50 else 'missed'}"
    rows.append(f"| {name} | {at:,.0f} | {et:,.0f} | {at / et:.2f}x | {ap50:.2f} / {ap99:.2f} | {ep50:.2f} / {ep99:.2f} "
                f"| {aerr} / {eerr} | {verdict} |")

def armada_only(name, label):
    a = runs_of(name, "armada")
    if not a:
        return ""
    return (f"| {label} | {med(a, lambda r: r['throughput']):,.0f} | | | {med(a, lambda r: r['latency']['p50']):.2f} / "
            f"{med(a, lambda r: r['latency']['p99']):.2f} | | {sum(r['errors'] for r in a)} / | |")

for name, label in [("put-saturated-16tables-pinned", "put-saturated-16tables, pinned (Armada only; no leader routing)"),
                    ("put-saturated-1table-with-follower", "put-saturated-1table, follower cluster attached (Armada only)")]:
    extra = armada_only(name, label)
    if extra:
        rows.append(extra)

lag = runs_of("replication-lag", "armada")
lag_line = ""
if lag:
    lag_line = (f"\nReplication lag leader → follower cluster at {lag[0]['targetRate']:.0f} puts/s (half of Armada's median "
                f"saturated 1-table rate with the follower cluster attached), medians of {len(lag)} runs: p50 {med(lag, lambda r: r['lag']['p50']):.2f} ms, "
                f"p99 {med(lag, lambda r: r['lag']['p99']):.2f} ms, max {med(lag, lambda r: r['lag']['max']):.2f} ms "
                f"(target p99 <= 100 ms: {'met' if med(lag, lambda r: r['lag']['p99']) <= 100 else 'missed'}); "
                f"errors {sum(r['errors'] for r in lag)}.\n")

def catchup_line(name, what):
    c = runs_of(name, "armada")
    if not c:
        return ""
    times = ", ".join(f"{r['seconds']:.1f}" for r in c)
    return (f"- {what}: median {med(c, lambda r: r['seconds']):.1f} s until all 3 follower-cluster nodes applied the leader cluster's "
            f"revision ({len(c)} runs: {times} s), counted from the start of the follower cluster's JVM.\n")

catchup = ""
detached_load = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/catchup-detached-load.*.json"))]
if detached_load:
    d = detached_load[0]
    catchup += catchup_line("catchup-detached", f"Catch-up after {d['seconds']:.0f} s detached "
                            f"({d['operations']:,} puts at {d['targetRate']:.0f}/s while the follower cluster was down)")
fill = glob.glob(f"{out}/fill-100mb.armada.json")
if fill:
    f = json.load(open(fill[0]))
    loads = [open(p).read().strip() for p in sorted(glob.glob(f"{out}/catchup-snapshot.loads.*"))]
    via = "every run loaded the leader cluster's snapshot" if loads and all(l not in ("", "0") for l in loads) \
        else f"snapshot loads per run: {', '.join(loads) or 'not recorded'}"
    catchup += catchup_line("catchup-snapshot", f"Snapshot catch-up of a {f['operations'] * f['valueSize'] / 2**20:,.0f} MiB "
                            f"table ({f['operations']:,} keys x {f['valueSize']} B, filled at {f['throughput']:,.0f} puts/s) "
                            f"by a fresh follower cluster ({via})")
if catchup:
    catchup = "\nFollower catch-up (Armada only; etcd has no follower clusters):\n\n" + catchup

section = f"""{START}
## System benchmark: Armada vs etcd (`armada bench`, side by side)

Command: `bench/compare.sh {runs}` — `bin/armada dev --follower-clusters 0` (a 3-node leader cluster in one JVM; from the
follower-local gets on, a 3-node follower cluster in a second JVM, `armada dev --leader-cluster`) and a 3-member etcd {subprocess.run([os.path.dirname(doc) + '/../bench/.etcd/usr/bin/etcd', '--version'],
capture_output=True, text=True).stdout.splitlines()[0].split(':')[-1].strip() if os.path.exists(os.path.dirname(doc) + '/../bench/.etcd/usr/bin/etcd') else ''}
(Debian package, three processes) on the same machine; every scenario alternates Armada and etcd runs, {runs} runs
each, medians quoted. Load: the same generator (closed loop, HdrHistogram), 256-byte values, 10,000 keys per table,
{os.environ.get('BENCH_SECONDS', '10')} s measured after {os.environ.get('BENCH_WARMUP', '20')} s of warm-up in every run (each run is a fresh load-generator JVM), and
every server (Armada's two JVMs, etcd) took {os.environ.get('BENCH_SERVER_WARMUP', '45')} s of unrecorded load after its start: the rows show
warm JVMs, as a long-running server is. Each Armada connection is an `ArmadaClient` that knows all three nodes and sends a
table's writes and linearizable reads to the table's leader once an answer has named it (serializable reads stay on
the node it started with); jetcd spreads over the members and etcd forwards to its leader inside the cluster. The
follower cluster is not running during the leader-cluster rows (etcd has nothing like it; on one disk its fsyncs
would be charged to the leader cluster) — the row marked "follower cluster attached" shows that cost.
Machine: {os.cpu_count()} cores ({cpu()}), {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB,
{datetime.date.today().isoformat()}.

| scenario | Armada ops/s | etcd ops/s | ratio | Armada p50 / p99 ms | etcd p50 / p99 ms | errors A / E | target |
|---|---:|---:|---:|---:|---:|---:|---|
""" + "\n".join(rows) + "\n" + lag_line + catchup + END

text = open(doc).read() if os.path.exists(doc) else "# Armada benchmarks\n"
if START in text:
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    text = before + section + after
else:
    head, sep, tail = text.partition("\n## ")
    text = head.rstrip() + "\n\n" + section + "\n\n" + (sep.lstrip("\n") + tail if sep else "")
open(doc, "w").write(text)
