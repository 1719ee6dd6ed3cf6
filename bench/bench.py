"""pgready against the waiters people use today, side by side in one run on one local
PostgreSQL: single-check cost, ready-to-exit lag, attempt pace against a starting
server, a 200-process herd, and footprint. Medians of many shuffled, interleaved
runs and ratios pair by pair; never a lone absolute time. Run it via bench/run."""

import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PGREADY = str(ROOT / "dist" / "pgready")
PGBIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))[-1]).parent
TOOLS = OUT / "tools"
PASSWORD = "bench-S3cret"
AS_PG = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
QUICK = os.environ.get("PGREADY_BENCH_QUICK") == "1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A throwaway cluster; start()/stop() as often as needed."""

    def __init__(self, settings=()):
        self.dir = Path(tempfile.mkdtemp(prefix="pgready-bench-"))
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        (self.dir / "pw").write_text(PASSWORD + "\n")
        if AS_PG:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.dir / "pw", "postgres")
        subprocess.run(AS_PG + [str(PGBIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                                f"--pwfile={self.dir / 'pw'}", "--auth-local=trust", "--auth-host=scram-sha-256",
                                "--no-sync"], check=True, capture_output=True)
        self.options = " ".join([f"-p {self.port}", f"-k {self.dir}", "-c listen_addresses=127.0.0.1",
                                 "-c log_line_prefix='%m '", "-c log_connections=on", "-c fsync=off",
                                 *[f"-c {s}" for s in settings]])
        self.url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def log(self):
        return (self.dir / "log").read_text(errors="replace") if (self.dir / "log").exists() else ""

    def start(self, wait=True):
        subprocess.run(AS_PG + [str(PGBIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
                                "-o", self.options] + (["-w"] if wait else ["-W"]) + ["start"],
                       check=True, capture_output=True)

    def stop(self):
        subprocess.run(AS_PG + [str(PGBIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True)

    def ready_times(self):
        """Wall-clock times of every "ready to accept connections" line."""
        times = []
        for line in self.log().splitlines():
            if "database system is ready to accept connections" in line:
                stamp = " ".join(line.split(" ")[:3])
                times.append(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f %Z").timestamp())
        return times

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def env():
    return {"PATH": os.environ["PATH"], "HOME": "/nonexistent", "PGPASSWORD": PASSWORD}


def waiters(port, url):
    """Each waiter at its default settings, as people run it."""
    node = TOOLS / "node_modules" / ".bin"
    return {
        "pgready": [PGREADY, "wait", "-q", "--timeout", "60s", "--url", url],
        "pg_isready loop": ["bash", "-c", f"until {PGBIN}/pg_isready -q -h 127.0.0.1 -p {port}; do sleep 1; done"],
        "wait-for-it": [str(TOOLS / "venv" / "bin" / "wait-for-it"), "-q", "-t", "60", "-s", f"127.0.0.1:{port}"],
        "wait-on": [str(node / "wait-on"), "-t", "60000", f"tcp:127.0.0.1:{port}"],
        "wait-port": [str(node / "wait-port"), "-t", "60000", f"127.0.0.1:{port}"],
    }


def single_check(server, rounds):
    server.start()
    commands = {
        "pgready check (TCP+SCRAM+db+SELECT 1)": [PGREADY, "check", "-q", "--url", server.url],
        "pg_isready (startup packet only)": [str(PGBIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(server.port)],
        "psql -c 'select 1'": [str(PGBIN / "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
                               "-d", "postgres", "-c", "select 1"],
    }
    times = {name: [] for name in commands}
    for _ in range(rounds):
        order = list(commands.items())
        random.shuffle(order)
        for name, cmd in order:
            start = time.perf_counter()
            subprocess.run(cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[name].append((time.perf_counter() - start) * 1000)
    base = statistics.median(times["pg_isready (startup packet only)"])
    return [(name, statistics.median(t), sorted(t)[int(len(t) * 0.95)], statistics.median(t) / base) for name, t in times.items()]


def lag(server, reps):
    """Start every waiter against a stopped server, start the server, and compare
    each waiter's exit with the moment the server could first take a login."""
    results = {name: [] for name in waiters(server.port, server.url)}
    early = {name: 0 for name in results}
    for _ in range(reps):
        server.stop()
        seen = len(server.ready_times())
        procs = {}
        exits = {}
        for name, cmd in waiters(server.port, server.url).items():
            procs[name] = subprocess.Popen(cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def reap(name, proc):
            proc.wait()
            exits[name] = time.time()

        threads = [threading.Thread(target=reap, args=item) for item in procs.items()]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.5, 1.5))
        server.start(wait=False)
        for t in threads:
            t.join(timeout=70)
        ready = server.ready_times()[seen]
        for name, at in exits.items():
            delta = (at - ready) * 1000
            if delta < 0:
                early[name] += 1
            results[name].append(delta)
    return results, early


class CountingListener:
    """Accepts and closes at once, counting the attempts: a server that is up but
    cannot take the login (like one still starting)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self.running = True
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        self.sock.settimeout(0.2)
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.count += 1
                conn.close()
            except OSError:
                pass


def attempts(seconds):
    """Attempts per second, and whether the waiter wrongly exited 0 ("ready")."""
    rates = {}
    for name in waiters(0, "").keys():
        listener = CountingListener()
        url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{listener.port}/postgres"
        cmd = waiters(listener.port, url)[name]
        proc = subprocess.Popen(cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(seconds)
        claimed_ready = proc.poll() == 0
        proc.kill()
        proc.wait()
        listener.running = False
        rates[name] = {"per_second": listener.count / seconds, "claimed_ready": claimed_ready}
    return rates


def dns_queries(seconds):
    """DNS queries each waiter sends while its host name does not resolve: every
    waiter runs in a network namespace whose resolver is dnsmasq on its own
    loopback, answering NXDOMAIN for *.nx.test and counting queries."""
    if os.geteuid() != 0 or not shutil.which("dnsmasq") or not shutil.which("ip"):
        print("   (skipped: needs root, ip and dnsmasq)")
        return {}
    ns = f"pgready-bench-{os.getpid()}"
    etc = Path("/etc/netns") / ns
    work = Path(tempfile.mkdtemp(prefix="pgready-dns-"))
    counts = {}
    try:
        subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text("nameserver 127.0.0.1\n")
        log = work / "dns.log"
        subprocess.run(["ip", "netns", "exec", ns, "dnsmasq", "--no-resolv", "--no-hosts", "--listen-address=127.0.0.1",
                        "--bind-interfaces", "--address=/nx.test/", "--log-queries", f"--log-facility={log}",
                        f"--pid-file={work / 'pid'}", "--user=root"], check=True)
        url = f"postgresql://postgres:{PASSWORD}@db.nx.test:5432/postgres"
        cmds = waiters(5432, url)
        cmds["pg_isready loop"] = ["bash", "-c", f"until {PGBIN}/pg_isready -q -h db.nx.test -p 5432; do sleep 1; done"]
        cmds["wait-for-it"] = [str(TOOLS / "venv" / "bin" / "wait-for-it"), "-q", "-t", "60", "-s", "db.nx.test:5432"]
        cmds["wait-on"] = [str(TOOLS / "node_modules" / ".bin" / "wait-on"), "-t", "60000", "tcp:db.nx.test:5432"]
        cmds["wait-port"] = [str(TOOLS / "node_modules" / ".bin" / "wait-port"), "-t", "60000", "db.nx.test:5432"]
        for name, cmd in cmds.items():
            before = log.read_text().count("query[") if log.exists() else 0
            proc = subprocess.Popen(["ip", "netns", "exec", ns] + cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(seconds)
            proc.kill()
            proc.wait()
            counts[name] = (log.read_text().count("query[") - before) / seconds
    finally:
        pid = work / "pid"
        if pid.exists():
            subprocess.run(["kill", pid.read_text().strip()])
        subprocess.run(["ip", "netns", "del", ns])
        shutil.rmtree(etc, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return counts


def herd(server, n, tool):
    server.stop()
    before = server.log().count("too many clients") + server.log().count("remaining connection slots")
    cmds = {
        "pgready": [PGREADY, "wait", "-q", "--timeout", "120s", "--url", server.url],
        "pg_isready loop": ["bash", "-c", f"until {PGBIN}/pg_isready -q -h 127.0.0.1 -p {server.port}; do sleep 1; done"],
    }
    procs = [subprocess.Popen(cmds[tool], env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]
    time.sleep(2)
    start = time.time()
    server.start(wait=False)
    peak = 0
    while any(p.poll() is None for p in procs):
        out = subprocess.run([str(PGBIN / "psql"), "-X", "-A", "-t", "-h", str(server.dir), "-p", str(server.port), "-U", "postgres",
                              "-c", "select count(*) from pg_stat_activity where backend_type = 'client backend'"],
                             env=env(), capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip().isdigit():
            peak = max(peak, int(out.stdout.strip()) - 1)
        time.sleep(0.02)
        if time.time() - start > 120:
            break
    elapsed = time.time() - start
    ok = sum(1 for p in procs if p.wait() == 0)
    rejected = server.log().count("too many clients") + server.log().count("remaining connection slots") - before
    return {"tool": tool, "all_ready_s": elapsed, "ready": ok, "peak_connections": peak, "too_many_clients": rejected}


def footprint(server, wait_seconds):
    """GNU time reports the peak RSS of pgready itself (a Python child would count
    the forked interpreter) and the CPU time of a wait on a down server."""

    def measured(args):
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", PGREADY] + args, env=env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        last = proc.communicate()[1].strip().splitlines()[-1].split()
        rss, user, system = int(last[0]), float(last[1]), float(last[2])
        return rss, (user + system) * 1000

    server.stop()
    server.start()
    rss_check, _ = measured(["check", "-q", "--url", server.url])
    down = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/postgres"
    # The wait ends by itself at its deadline.
    rss_wait, cpu_wait = measured(["wait", "-q", "--timeout", f"{wait_seconds}s", "--url", down])
    return {"binary_bytes": os.path.getsize(PGREADY), "check_max_rss_kib": rss_check, "wait_max_rss_kib": rss_wait,
            "wait_cpu_ms": cpu_wait, "wait_seconds": wait_seconds}


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def chart(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(results)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.boxplot([results[n] for n in names], orientation="horizontal", showfliers=True)
    ax.set_yticks(range(1, len(names) + 1), names)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("ms from \"ready to accept connections\" to the waiter's exit (negative: exited before ready)")
    ax.set_title("Ready-to-exit lag per waiter (default settings)")
    ax.set_xscale("symlog", linthresh=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"date": datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "postgres": subprocess.run([str(PGBIN / "postgres"), "--version"], capture_output=True, text=True).stdout.strip()}
    if os.environ.get("PGREADY_BENCH_ONLY") == "dns":
        print(json.dumps(dns_queries(10), indent=2))
        return
    server = Server()
    try:
        rows = single_check(server, 40 if QUICK else 200)
        report["single_check"] = rows
        print("\n1. Single check on a ready server (median / p95 ms, ratio to pg_isready)")
        for name, med, p95, ratio in rows:
            print(f"   {name:42} {med:7.2f} {p95:7.2f}  {ratio:5.2f}x")
        results, early = lag(server, 5 if QUICK else 20)
        report["lag"] = {n: {"p50": pct(v, 0.5), "p95": pct(v, 0.95), "early_exits": early[n], "runs": len(v)} for n, v in results.items()}
        print("\n2. Ready-to-exit lag (ms; early = exited before the server could take a login)")
        base = report["lag"]["pgready"]
        for name, r in report["lag"].items():
            print(f"   {name:16} p50 {r['p50']:8.1f}  p95 {r['p95']:8.1f}  early {r['early_exits']}/{r['runs']}"
                  f"  p50 ratio to pgready {r['p50'] / max(base['p50'], 0.001):6.1f}x")
        chart(results, ROOT / "bench" / "lag.png")
        rates = attempts(3 if QUICK else 10)
        report["attempts_per_second"] = rates
        print("\n3. Attempts per second against a port that accepts and closes (a server still starting)")
        for name, r in rates.items():
            verdict = "exited 0: said ready, yet no login was possible" if r["claimed_ready"] else "kept waiting"
            print(f"   {name:16} {r['per_second']:7.1f}/s  {verdict}")
    finally:
        server.remove()
    report["dns_queries_per_second"] = dns_queries(3 if QUICK else 10)
    print("\n3b. DNS queries per second while the host name does not resolve (NXDOMAIN)")
    for name, rate in report["dns_queries_per_second"].items():
        print(f"   {name:16} {rate:7.1f}/s")
    herd_server = Server(["max_connections=20"])
    try:
        report["herd"] = [herd(herd_server, 50 if QUICK else 200, tool) for tool in ("pgready", "pg_isready loop")]
        print("\n4. Herd: N waiters, max_connections = 20, server starts 2 s late")
        for h in report["herd"]:
            print(f"   {h['tool']:16} all ready after {h['all_ready_s']:5.2f} s, {h['ready']} ready, peak connections "
                  f"{h['peak_connections']}, too-many-clients rejections {h['too_many_clients']}")
        report["footprint"] = footprint(herd_server, 10 if QUICK else 60)
        f = report["footprint"]
        print(f"\n5. Footprint: binary {f['binary_bytes']} B; check max RSS {f['check_max_rss_kib']} KiB; "
              f"{f['wait_seconds']} s wait on a down server: max RSS {f['wait_max_rss_kib']} KiB, CPU {f['wait_cpu_ms']:.1f} ms")
    finally:
        herd_server.remove()
    (OUT / "results.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nresults: {OUT / 'results.json'}; chart: {ROOT / 'bench' / 'lag.png'}")


main()
