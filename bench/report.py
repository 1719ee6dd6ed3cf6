"""bench/bench.py's figures over several runs: each as the median of the runs with
its range, a flag where it moved by more than 20 %, and each goal of issue #14 with
its target and whether it is met (judged on the medians)."""

import statistics

INF = float("inf")


class Figures:
    def __init__(self, runs):
        self.runs = runs
        self.moved = []

    def values(self, key):
        return [run[key] for run in self.runs if key in run]

    def median(self, key):
        return statistics.median(self.values(key))

    def text(self, key, digits=1):
        values = self.values(key)
        med, lo, hi = statistics.median(values), min(values), max(values)
        if med == INF:
            return "never"
        if len(values) == 1 or lo == hi:
            return f"{med:.{digits}f}"
        if hi == INF or (med and (hi - lo) / abs(med) > 0.2):
            self.moved.append(key)
            flag = " (moved >20 %)"
        else:
            flag = ""
        return f"{med:.{digits}f} [{lo:.{digits}f}–{hi:.{digits}f}]{flag}"


def verdict(ok):
    return "met" if ok else "NOT MET"


def lag_section(f, delays, waiters):
    print("\n1. Ready-to-exit lag, ms: the waiter's exit minus the server's \"ready to accept connections\""
          "\n   line; \"never\": it exited before the server could take a login, or failed")
    goals = []
    for d in delays:
        print(f"   server {d} s late{'':>10}  p50{'':>22}p95{'':>19}early or failed (all runs)")
        for w in waiters:
            key = f"lag {d:>2} s {w}"
            early = sum(f.values(f"{key} early or failed"))
            print(f"     {w:16} {f.text(key + ' p50 ms'):>24} {f.text(key + ' p95 ms'):>24}   {early}")
        p50, p95 = f.median(f"lag {d:>2} s pgready p50 ms"), f.median(f"lag {d:>2} s pgready p95 ms")
        peers = [w for w in waiters if w != "pgready"]
        best50 = min(f.median(f"lag {d:>2} s {w} p50 ms") for w in peers)
        best95 = min(f.median(f"lag {d:>2} s {w} p95 ms") for w in peers)
        ok = p50 <= 30 and p95 <= 80 and p50 < best50 and p95 < best95
        goals.append((f"1. lag, server {d} s late", f"p50 {p50:.1f} / p95 {p95:.1f} ms; best peer "
                      f"{best50:.1f} / {best95:.1f}", "≤ 30 / ≤ 80 ms, below every peer", verdict(ok)))
    attempts = f.median("57P03 phase pgready attempts in any 1 s")
    lag = f.median("57P03 phase pgready lag p50 ms")
    print("\n1b. A 10 s phase of 57P03 answers, then the real server on the same port")
    print(f"   pgready attempts in any 1 s of the phase {f.text('57P03 phase pgready attempts in any 1 s', 0)};"
          f" lag p50 after it {f.text('57P03 phase pgready lag p50 ms')} ms")
    goals.append(("1b. 57P03 phase", f"{attempts:.0f} attempts in any 1 s; lag p50 {lag:.1f} ms",
                  "≤ 10; ≤ 60 ms", verdict(attempts <= 10 and lag <= 60)))
    return goals


def cpu_section(f, waiters):
    print("\n2. CPU per minute of waiting on a refused port (perf task-clock, children included; all at once)")
    for w in waiters + ["C floor"]:
        extra = ""
        if w in ("pgready", "C floor"):
            extra = (f"  {f.text(f'cpu {w} attempts per minute', 0)} attempts/min,"
                     f" {f.text(f'cpu {w} µs per attempt', 0)} µs each")
        print(f"   {w:16} {f.text(f'cpu {w} ms per minute'):>24} ms{extra}")
    cpu = f.median("cpu pgready ms per minute")
    floor = f.median("cpu C floor ms per minute")
    return [("2. CPU per minute waiting", f"{cpu:.0f} ms (C floor at the same pace {floor:.0f} ms)", "≤ 50 ms",
             verdict(cpu <= 50))]


def check_section(f):
    print("\n3. Single check on a ready server (median ms of interleaved rounds)")
    goals = []
    for e in ("empty env", "shell env"):
        print(f"   {e}")
        for name in ("pgready check", "pg_isready", "psql -c 'select 1'", "static no-op"):
            print(f"     {name:22} {f.text(f'check {e} {name} median ms', 2):>28}")
        print(f"     pgready / pg_isready   {f.text(f'check {e} pgready / pg_isready', 2):>28}")
        print(f"     pgready's own cost     {f.text(f'check {e} pgready own ms beyond stages', 2):>28}"
              "  (wall − reported stages − a static no-op's start)")
        ratio = f.median(f"check {e} pgready / pg_isready")
        own = f.median(f"check {e} pgready own ms beyond stages")
        goals.append((f"3. single check, {e}", f"{ratio:.2f}× pg_isready; own cost {own:.2f} ms",
                      "≤ 0.5×; ≤ 1 ms", verdict(ratio <= 0.5 and own <= 1)))
    return goals


def herd_section(f, gates):
    print(f"\n4. Herd: {gates} gates, max_connections = 20, server 2 s late, the app connecting every 20 ms")
    for tool in ("pgready", "pg_isready loop"):
        k = f"herd {tool}"
        print(f"   {tool:16} ready {f.text(k + ' gates ready', 0)}, all after {f.text(k + ' all ready after s', 2)} s;"
              f" app 53300 {f.text(k + ' app 53300', 0)} of {f.text(k + ' app connections', 0)}"
              f" ({f.text(k + ' app 53300 %', 2)} %); session p50 {f.text(k + ' session p50 ms')}"
              f" / p90 {f.text(k + ' session p90 ms')} ms")
    share = f.median("herd pgready app 53300 %")
    ready = f.median("herd pgready gates ready")
    return [("4. herd", f"app refused {share:.2f} %, {ready:.0f}/{gates} gates ready", "≤ 1 %, all ready",
             verdict(share <= 1 and ready == gates))]


def sim_section(rows):
    print("\n5. Herd simulation (bench/herd-sim: the real retry policy, a calibrated server model)")
    for row in rows:
        print("   " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
    big = max(rows, key=lambda r: r["gates"])
    ok = all(r["all_ready"] for r in rows) and big["app_rejected_pct"] <= 1
    return [("5. herd, simulated", f"{big['gates']} gates: app refused {big['app_rejected_pct']:.2f} %, "
             f"peak {big['peak_forks_per_s']} forks/s", "all ready, app ≤ 1 %", verdict(ok))]


def print_report(report):
    runs = report["runs"]
    f = Figures(runs)
    first = runs[0]
    waiters = [k.split(" s ", 1)[1][:-len(" p50 ms")] for k in first if k.startswith("lag  2 s") and k.endswith("p50 ms")]
    delays = sorted({int(k.split()[1]) for k in first if k.startswith("lag ")})
    print(f"\n{len(runs)} run(s), {report['date']}, {report['cpus']} CPUs, kernel {report['kernel']},"
          f" {report['postgres']}; figures: median of the runs [range]")
    goals = lag_section(f, delays, waiters)
    goals += cpu_section(f, waiters)
    goals += check_section(f)
    goals += herd_section(f, int(f.median("herd pgready gates")))
    goals += sim_section(report["herd_sim"])
    print(f"\n   footprint: binary {f.text('binary bytes', 0)} B, check max RSS {f.text('check max RSS KiB', 0)} KiB")
    print("\n   DNS queries per second while the host name does not resolve (NXDOMAIN; one run): "
          + ", ".join(f"{name} {rate:.1f}" for name, rate in report["dns_queries_per_second"].items()))
    moved = sorted(set(f.moved))
    goals.append(("6. reproducible", f"{len(runs)} runs; {len(moved)} figures moved > 20 %", "3 runs, spread shown",
                  verdict(len(runs) >= 3)))
    print("\nGoals (issue #14)")
    for name, figure, target, ok in goals:
        print(f"   {name:32} {figure:60} target {target:34} {ok}")
    if moved:
        print("   moved > 20 % between runs: " + "; ".join(moved))
