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

lag = runs_of("replication-lag", "armada")
lag_line = ""
if lag:
    lag_line = (f"\nReplication lag leader → follower cluster at {lag[0]['targetRate']:.0f} puts/s (half of Armada's median "
                f"saturated 1-table rate), medians of {len(lag)} runs: p50 {med(lag, lambda r: r['lag']['p50']):.2f} ms, "
                f"p99 {med(lag, lambda r: r['lag']['p99']):.2f} ms, max {med(lag, lambda r: r['lag']['max']):.2f} ms "
                f"(target p99 <= 100 ms: {'met' if med(lag, lambda r: r['lag']['p99']) <= 100 else 'missed'}); "
                f"errors {sum(r['errors'] for r in lag)}.\n")

section = f"""{START}
## System benchmark: Armada vs etcd (`armada bench`, side by side)

Command: `bench/compare.sh {runs}` — `bin/armada dev` (3-node leader cluster + one 3-node follower cluster, all in
one JVM) and a 3-member etcd {subprocess.run([os.path.dirname(doc) + '/../bench/.etcd/usr/bin/etcd', '--version'],
capture_output=True, text=True).stdout.splitlines()[0].split(':')[-1].strip() if os.path.exists(os.path.dirname(doc) + '/../bench/.etcd/usr/bin/etcd') else ''}
(Debian package, three processes) on the same machine; every scenario alternates Armada and etcd runs, {runs} runs
each, medians quoted. Load: the same generator (closed loop, HdrHistogram), 256-byte values, 10,000 keys per table,
8 s measured after 3 s warm-up. Armada's clients spread over all three nodes (writes to non-leaders are forwarded),
as jetcd does for etcd.
Machine: {os.cpu_count()} cores ({cpu()}), {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB,
{datetime.date.today().isoformat()}.

| scenario | Armada ops/s | etcd ops/s | ratio | Armada p50 / p99 ms | etcd p50 / p99 ms | errors A / E | target |
|---|---:|---:|---:|---:|---:|---:|---|
""" + "\n".join(rows) + "\n" + lag_line + END

text = open(doc).read() if os.path.exists(doc) else "# Armada benchmarks\n"
if START in text:
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    text = before + section + after
else:
    head, sep, tail = text.partition("\n## ")
    text = head.rstrip() + "\n\n" + section + "\n\n" + (sep.lstrip("\n") + tail if sep else "")
open(doc, "w").write(text)
