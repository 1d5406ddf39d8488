#!/usr/bin/python3
"""report.py RAW OUT.json: the tables of `make bench` from run-bench's raw lines.

Raw lines: "OP/RUNTIME/ROUND rc wall_us user_us sys_us maxrss_kb" for timed commands,
"first/RT/ROUND first_us wall_us rss_kb pss_kb", "many-*/RT mem avail slab kstack ptables" (kB),
"many-start/RT 0 wall_us user_us sys_us 0", "memlimit/RT bytes ok512", "size/RT bytes stripped libs".
Ratios are medians of per-round ratios (berth's time over the other's, same round), so a slow
moment of the shared machine hits both sides of a ratio.
"""
import json
import statistics
import sys
from collections import defaultdict

raw, out = sys.argv[1], sys.argv[2]
timed = defaultdict(dict)  # (op, rt) -> {round: (rc, wall, cpu, rss)}
first = defaultdict(dict)  # rt -> {round: (first_us, rss_kb, pss_kb)}
mem = {}  # (phase, rt) -> (avail, slab, kstack, ptables)
span = {}  # (what, rt) -> (wall_us, cpu_us)
memlimit, size, cgmem, meta = {}, {}, {}, {}
for line in open(raw):
    f = line.split()
    if not f:
        continue
    key = f[0].split("/")
    if key[0] == "first" and len(f) >= 5:
        first[key[1]][key[2]] = (int(f[1]), int(f[3]), int(f[4]))
    elif key[0].startswith("many-") and len(f) > 1 and f[1] == "mem":
        mem[(key[0], key[1])] = tuple(int(x) for x in f[2:6])
    elif key[0] in ("many-start", "many-delete"):
        span[(key[0], key[1])] = (int(f[2]), int(f[3]) + int(f[4]))
    elif key[0] == "memlimit":
        memlimit[key[1]] = (int(f[1]), f[2] == "1")
    elif key[0] == "size":
        size[key[1]] = tuple(int(x) for x in f[1:4])
    elif key[0] == "cgmem":
        cgmem[key[1]] = int(f[1])
    elif key[0] in ("meta", "version"):
        meta["/".join(key)] = " ".join(f[1:]).replace("_", " ")
    elif len(key) == 3 and len(f) == 6:
        timed[(key[0], key[1])][key[2]] = tuple(int(x) for x in f[1:6])

RTS = [r for r in ("berth", "crun", "runc") if any(k[1] == r for k in timed)]
OTHERS = [r for r in ("crun", "runc", "floor") if r != "berth"]
summary = {"meta": meta, "ops": {}, "first": {}, "many": {}, "memlimit": {}, "size": {}}


def ms(us):
    return us / 1000.0


def stats(op, rt):
    d = timed.get((op, rt), {})
    ok = {k: v for k, v in d.items() if v[0] == 0}
    if not ok:
        return None
    walls = [v[1] for v in ok.values()]
    return {
        "n": len(ok),
        "failed": len(d) - len(ok),
        "min_ms": ms(min(walls)),
        "median_ms": ms(statistics.median(walls)),
        "cpu_median_ms": ms(statistics.median(v[2] + v[3] for v in ok.values())),
        "maxrss_median_kb": statistics.median(v[4] for v in ok.values()),
    }


def paired(op, a, b):
    da = {k: v for k, v in timed.get((op, a), {}).items() if v[0] == 0}
    db = {k: v for k, v in timed.get((op, b), {}).items() if v[0] == 0}
    common = [k for k in da if k in db and db[k][1] > 0]
    if not common:
        return None
    return statistics.median(da[k][1] / db[k][1] for k in common)


OPS = [
    ("run", "run of /bin/true, deleted after"),
    ("run-nonet", "run, no network namespace"),
    ("create", "create"),
    ("start", "start"),
    ("delete", "delete (stopped)"),
    ("state", "state"),
    ("exec", "exec true (floor: nsenter)"),
    ("delete-f", "delete -f of a running one"),
    ("wrapper", "crun-v1 wrapper (vs a static true)"),
]
cols = [r for r in ("berth", "crun", "runc", "floor")]
print("\n## Per command (ms: median [min]; ratio = median of per-round berth/other)\n")
print("| command | " + " | ".join(cols) + " | berth/crun | berth/runc | berth/floor |")
print("|---|" + "---|" * (len(cols) + 3))
for op, title in OPS:
    row = []
    have = False
    for r in cols:
        rr = {"crun": "crun-v1", "floor": "plain"}.get(r, r) if op == "wrapper" else r
        s = stats(op, rr)
        if s:
            have = True
            summary["ops"].setdefault(op, {})[rr] = s
            fail = f" ({s['failed']} failed)" if s["failed"] else ""
            row.append(f"{s['median_ms']:.2f} [{s['min_ms']:.2f}]{fail}")
        else:
            row.append("")
    if not have:
        continue
    rat = []
    for o in ("crun", "runc", "floor"):
        p = paired(op, "berth", o)
        if p is not None:
            summary["ops"][op].setdefault("ratios", {})[f"berth/{o}"] = p
        rat.append(f"{p:.2f}" if p is not None else "")
    print(f"| {title} | " + " | ".join(row) + " | " + " | ".join(rat) + " |")

# crun on a hybrid host runs through crun-v1 (unshare + tmpfs mount + exec): its cost is measured
# against a static true and taken off crun's times for the corrected ratio.
wr = {k: v for k, v in timed.get(("wrapper", "crun-v1"), {}).items() if v[0] == 0}
wp = {k: v for k, v in timed.get(("wrapper", "plain"), {}).items() if v[0] == 0}
common = [k for k in wr if k in wp]
if common:
    over = statistics.median(wr[k][1] - wp[k][1] for k in common)
    summary["crun_v1_overhead_ms"] = ms(over)
    print(f"\ncrun's times include its crun-v1 wrapper (private mount namespace, tmpfs over "
          f"/sys/fs/cgroup/unified): {ms(over):.2f} ms per call (median of crun-v1 less a static true). "
          "berth/crun with that taken off crun's time:")
    adj = {}
    for op, _ in OPS:
        a = {k: v for k, v in timed.get((op, "berth"), {}).items() if v[0] == 0}
        c = {k: v for k, v in timed.get((op, "crun"), {}).items() if v[0] == 0}
        ks = [k for k in a if k in c and c[k][1] - over > 0]
        if ks:
            adj[op] = statistics.median(a[k][1] / (c[k][1] - over) for k in ks)
    summary["ratios_crun_less_wrapper"] = adj
    print("  " + ", ".join(f"{op} {v:.2f}" for op, v in adj.items()))

print("\n## CPU time and peak RSS (median; wait4's rusage: user+sys of the runtime and of every process it "
      "waited for, the container's init included; not the kernel workers that tear a network namespace down. "
      "Peak RSS is the largest single process of that tree)\n")
print("| | " + " | ".join(cols) + " |")
print("|---|" + "---|" * len(cols))
for op in ("run", "exec", "state"):
    cpu = []
    rss = []
    for r in cols:
        s = stats(op, r)
        cpu.append(f"{s['cpu_median_ms']:.2f} ms" if s else "")
        rss.append(f"{s['maxrss_median_kb'] / 1024:.2f} MB" if s else "")
    print(f"| CPU of {op} | " + " | ".join(cpu) + " |")
    print(f"| peak RSS of {op} | " + " | ".join(rss) + " |")

print("\n## Binary\n")
print("| | size | stripped | shared libraries |")
print("|---|---|---|---|")
for r in RTS:
    if r in size:
        b, s, libs = size[r]
        summary["size"][r] = {"bytes": b, "stripped": s, "shared_libs": libs}
        print(f"| {r} | {b / 1e6:.2f} MB | {s / 1e6:.3f} MB | {libs} |")

if span:
    params = meta.get("meta/params", "? ?").split()
    n = int(params[1]) if len(params) > 1 else 1
    print(f"\n## {n} detached sleep containers\n")
    print("Memory per instance: deltas of /proc/meminfo with all of them running, divided by N; kernel = "
          "Slab + KernelStack + PageTables. The machine is shared, so these move with other work.\n")
    print("| | start all (s) | delete -f all (s) | CPU start+delete (s) | MemAvailable drop / instance (KiB) | kernel / instance (KiB) | one container's cgroup charge less page cache (KiB) |")
    print("|---|---|---|---|---|---|---|")
    for r in ["plain"] + RTS:
        b, a = mem.get(("many-before", r)), mem.get(("many-after", r))
        per = kern = None
        if b and a:
            per = (b[0] - a[0]) / n
            kern = (sum(a[1:]) - sum(b[1:])) / n
        st, de = span.get(("many-start", r)), span.get(("many-delete", r))
        summary["many"][r] = {
            "n": n,
            "start_s": st[0] / 1e6 if st else None,
            "delete_s": de[0] / 1e6 if de else None,
            "cpu_s": (st[1] + de[1]) / 1e6 if st and de else None,
            "memavailable_kib_per_instance": per,
            "kernel_kib_per_instance": kern,
            "cgroup_charge_kib": cgmem[r] / 1024 if r in cgmem else None,
        }
        m = summary["many"][r]
        fmt = lambda v, f: (f.format(v) if v is not None else "")
        print(f"| {r} | {fmt(m['start_s'], '{:.2f}')} | {fmt(m['delete_s'], '{:.2f}')} | {fmt(m['cpu_s'], '{:.2f}')} | "
              f"{fmt(per, '{:.0f}')} | {fmt(kern, '{:.0f}')} | {fmt(m['cgroup_charge_kib'], '{:.0f}')} |")
    for o in ("crun", "runc"):
        for w in ("start", "delete"):
            a, b = span.get((f"many-{w}", "berth")), span.get((f"many-{w}", o))
            if a and b:
                summary["many"].setdefault("ratios", {})[f"{w} berth/{o}"] = a[0] / b[0]
    if "ratios" in summary["many"]:
        print("\nratios: " + ", ".join(f"{k} {v:.2f}" for k, v in summary["many"]["ratios"].items()))

if memlimit:
    print("\n## Smallest memory.limit under which `run` of /bin/true works (4 KiB resolution, 128 KiB..64 MiB)\n")
    print("| | smallest limit | 512 KiB works |")
    print("|---|---|---|")
    for r in RTS:
        if r in memlimit:
            b, ok = memlimit[r]
            summary["memlimit"][r] = {"smallest_bytes": b, "works_512k": ok}
            txt = "fails even at 64 MiB" if b < 0 else (f"<= {b // 1024} KiB" if b == 128 * 1024 else f"{b // 1024} KiB")
            print(f"| {r} | {txt} | {'yes' if ok else 'no'} |")

if first:
    print("\n## Process, container, VM: side by side\n")
    print("Time to first instruction: from fork in the driver to the workload's first act (it prints "
          "CLOCK_MONOTONIC; the VM's init writes a console line, timed on arrival). Memory: a process or "
          "container's kernel memory (Slab+KernelStack+PageTables) per instance from the many-containers test, "
          "its cgroup's own charge, and the MemAvailable drop; the VM's qemu RSS / PSS.\n")
    print("| | time to first instruction (median [min]) | memory per instance | isolation |")
    print("|---|---|---|---|")
    iso = {
        "plain": "none: shares the kernel, filesystem, pids, network",
        "berth": "namespaces (mount, pid, ipc, uts, net), cgroup limits, read-only root, masked /proc; shares the host kernel",
        "crun": "as berth (same config)",
        "runc": "as berth (same config)",
        "qemu": "hardware virtualization (software-emulated here, TCG): own kernel; host exposed through qemu's device models",
    }
    for r in ["plain", "berth", "crun", "runc", "qemu"]:
        d = first.get(r)
        if not d:
            continue
        v = [x[0] for x in d.values() if x[0] >= 0]
        if not v:
            continue
        med, mn = statistics.median(v), min(v)
        entry = {"first_median_ms": ms(med), "first_min_ms": ms(mn)}
        if r == "qemu":
            rss = statistics.median(x[1] for x in d.values())
            pss = statistics.median(x[2] for x in d.values())
            entry.update(rss_kib=rss, pss_kib=pss)
            memtxt = f"{rss / 1024:.0f} MiB RSS / {pss / 1024:.0f} MiB PSS (-m 128M)"
        else:
            m = summary["many"].get(r, {})
            per, kern, cg = (m.get("memavailable_kib_per_instance"), m.get("kernel_kib_per_instance"),
                             m.get("cgroup_charge_kib"))
            entry.update(memory_kib=per, kernel_kib=kern, cgroup_charge_kib=cg)
            parts = []
            if kern is not None:
                parts.append(f"{kern:.0f} KiB kernel")
            if cg is not None:
                parts.append(f"cgroup charge {cg:.0f} KiB without page cache")
            if per is not None:
                parts.append(f"MemAvailable drop {per:.0f} KiB (noisy on a shared machine)")
            memtxt = ", ".join(parts)
        summary["first"][r] = entry
        t = f"{ms(med) / 1000:.2f} s [{ms(mn) / 1000:.2f}]" if med > 100000 else f"{ms(med):.2f} ms [{ms(mn):.2f}]"
        print(f"| {'QEMU VM (tests/vm kernel)' if r == 'qemu' else r} | {t} | {memtxt} | {iso[r]} |")

# issue 6's targets, from this run's figures
# Against crun, the ratios with crun-v1's cost taken off (when crun ran through it): the stricter.
def ratio(op, o):
    if o == "crun" and op in summary.get("ratios_crun_less_wrapper", {}):
        return summary["ratios_crun_less_wrapper"][op]
    return summary["ops"].get(op, {}).get("ratios", {}).get(f"berth/{o}")


targets = []
rs = summary["ops"].get("run", {}).get("berth", {})
sz = summary["size"].get("berth", {})
ml = summary["memlimit"].get("berth", {})
mr = dict(summary["many"].get("ratios", {}))
over = summary.get("crun_v1_overhead_ms")
for w in ("start", "delete"):
    a, c = span.get((f"many-{w}", "berth")), span.get((f"many-{w}", "crun"))
    if over and a and c and "n" in summary["many"].get("crun", {}):
        mr[f"{w} berth/crun"] = a[0] / (c[0] - summary["many"]["crun"]["n"] * over * 1000)
        summary["many"].setdefault("ratios_crun_less_wrapper", {})[w] = mr[f"{w} berth/crun"]
for name, val, limit in [
    ("run median / crun's", ratio("run", "crun"), 0.5),
    ("run median / floor's", ratio("run", "floor"), 1.5),
    ("exec median / crun's", ratio("exec", "crun"), 0.5),
    ("state median / a static true", ratio("state", "floor"), 2.0),
    ("start of N containers / crun's", mr.get("start berth/crun"), 0.5),
    ("delete -f of N containers / crun's", mr.get("delete berth/crun"), 0.5),
    ("peak RSS of run (MB)", rs.get("maxrss_median_kb", 0) / 1024 if rs else None, 1.5),
    ("stripped binary (MB)", sz.get("stripped", 0) / 1e6 if sz else None, 0.5),
]:
    if val is not None:
        targets.append({"target": name, "value": val, "at_most": limit, "met": val <= limit})
if ml:
    targets.append({"target": "run works under 512 KiB", "value": ml["works_512k"], "met": ml["works_512k"]})
summary["targets"] = targets
if targets:
    print("\n## Issue 6 targets" + (" (against crun: its crun-v1 wrapper's cost taken off)" if over else "") + "\n")
    print("| target | this run | wanted | met |")
    print("|---|---|---|---|")
    for t in targets:
        v = t["value"]
        vt = f"{v:.2f}" if isinstance(v, float) else str(v)
        print(f"| {t['target']} | {vt} | {'<= ' + str(t['at_most']) if 'at_most' in t else 'yes'} | {'yes' if t['met'] else 'NO'} |")

print(f"\n{meta.get('version/berth', '')}; {meta.get('version/runc', '')}; {meta.get('version/crun', '')}")
print(f"kernel {meta.get('meta/host', '')}; load average at the end {meta.get('meta/load', '')}; rounds, N: {meta.get('meta/params', '')}")
with open(out, "w") as fh:
    json.dump(summary, fh, indent=1, sort_keys=True)
print(f"summary: {out}")
