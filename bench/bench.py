"""The goals of issue #14, measured side by side with the waiters people use, each
figure over several runs of the whole set (PGREADY_BENCH_RUNS, default 3) with its
spread, and whether each goal is met. Run it via bench/run; PGREADY_BENCH_QUICK=1
for a short run (fewer delays and repetitions, one run)."""

import json
import os
import random
import statistics
import subprocess
import threading
import time
from datetime import datetime

import dns
from harness import (FLOOR, OUT, PASSWORD, PGBIN, PGREADY, ROOT, TOOLS, Server, StartingServer, env, free_port,
                     max_in_window, pct, task_clock_ms, waiters)
from report import print_report

QUICK = os.environ.get("PGREADY_BENCH_QUICK") == "1"
RUNS = int(os.environ.get("PGREADY_BENCH_RUNS", "1" if QUICK else "3"))
LAG_REPS = {2: 3, 10: 2} if QUICK else {2: 6, 10: 3, 30: 2, 60: 2}
INF = float("inf")


def run_waiters(cmds, start_server, delay):
    """Start every waiter, start the server `delay` s later, and return each
    waiter's exit time and code."""
    exits = {}

    def reap(name, proc):
        code = proc.wait()
        exits[name] = (time.time(), code)

    procs = {name: subprocess.Popen(cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name, cmd in cmds.items()}
    threads = [threading.Thread(target=reap, args=item) for item in procs.items()]
    for t in threads:
        t.start()
    time.sleep(delay)
    start_server()
    for t in threads:
        t.join(timeout=delay + 130)
    return exits


def lag_ms(exits, ready):
    """Exit minus the server's first "ready" line; an exit before it (said ready too
    early) or a failed exit counts as never noticing (inf)."""
    return {name: (at - ready) * 1000 if code == 0 and at >= ready else INF for name, (at, code) in exits.items()}


def goal1_lag(server):
    """Ready-to-exit lag with the server starting 2, 10, 30, 60 s after the waiters."""
    figures = {}
    for delay, reps in LAG_REPS.items():
        samples = {}
        for _ in range(reps):
            server.stop()
            seen = len(server.ready_times())
            exits = run_waiters(waiters(server.port, server.url), lambda: server.start(wait=False), delay)
            for name, ms in lag_ms(exits, server.ready_times()[seen]).items():
                samples.setdefault(name, []).append(ms)
        for name, values in samples.items():
            figures[f"lag {delay:>2} s {name} p50 ms"] = pct(values, 0.5)
            figures[f"lag {delay:>2} s {name} p95 ms"] = pct(values, 0.95)
            figures[f"lag {delay:>2} s {name} early or failed"] = sum(v == INF for v in values)
    return figures


def goal1_starting(server, seconds=10, reps=3):
    """A 10 s phase of 57P03 answers (a small real server), then the real server
    on the same port: pgready's attempts per second during the phase (each forks a
    backend on a real server) and its lag after the real server is ready."""
    peaks, lags = [], []
    for _ in range(reps):
        server.stop()
        seen = len(server.ready_times())
        fake = StartingServer(server.port)

        def hand_over():
            fake.close()
            server.start(wait=False)

        exits = run_waiters({"pgready": waiters(server.port, server.url)["pgready"]}, hand_over, seconds)
        peaks.append(max_in_window(fake.arrivals, 1.0))
        lags.append(lag_ms(exits, server.ready_times()[seen])["pgready"])
    return {"57P03 phase pgready attempts in any 1 s": max(peaks), "57P03 phase pgready lag p50 ms": pct(lags, 0.5)}


def goal2_cpu(seconds):
    """CPU per minute of waiting on a refused port, every waiter at once, beside the
    C floor at pgready's mean pace (40 ms)."""
    jobs = waiters(free_port(), "", timeout=seconds)
    port = free_port()
    jobs["pgready"] = [PGREADY, "wait", "--json", "--timeout", f"{seconds}s", "--url",
                       f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"]
    jobs["pg_isready loop"] = ["timeout", str(seconds)] + jobs["pg_isready loop"]
    jobs["C floor"] = [FLOOR, str(free_port()), str(seconds), "40"]
    results = {}

    def measure(name, cmd):
        results[name] = task_clock_ms(cmd)

    threads = [threading.Thread(target=measure, args=item) for item in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    figures = {f"cpu {name} ms per minute": ms * 60 / seconds for name, (ms, _) in results.items()}
    attempts = {"pgready": json.loads(results["pgready"][1])["targets"][0]["attempts"],
                "C floor": int(results["C floor"][1])}
    for name, count in attempts.items():
        figures[f"cpu {name} attempts per minute"] = count * 60 / seconds
        figures[f"cpu {name} µs per attempt"] = results[name][0] * 1000 / count
    return figures


def typical_shell_env():
    """What a developer's or CI shell carries: certificate paths, locale, a long
    PATH, tool settings."""
    base = {"HOME": "/root", "USER": "root", "LOGNAME": "root", "SHELL": "/bin/bash", "TERM": "xterm-256color",
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PWD": str(ROOT), "EDITOR": "vi", "PAGER": "less",
            "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt", "SSL_CERT_DIR": "/etc/ssl/certs",
            "PATH": ":".join(["/root/.cargo/bin", "/root/.local/bin", "/usr/local/sbin", "/usr/local/bin",
                              "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/games", "/snap/bin"]),
            "XDG_RUNTIME_DIR": "/run/user/0", "XDG_CONFIG_HOME": "/root/.config", "HISTSIZE": "100000",
            "NODE_OPTIONS": "--max-old-space-size=4096", "RUST_BACKTRACE": "1", "CARGO_HOME": "/root/.cargo"}
    base.update({f"VAR_{i}": "x" * 40 for i in range(40)})
    return base


def goal3_single_check(server, rounds):
    """One check on a ready server against pg_isready, interleaved, in an empty and
    a typical shell's environment; and pgready's own cost: its wall time minus the
    stages it reports minus the cost of starting any static binary."""
    server.start()
    pg = ["-h", "127.0.0.1", "-p", str(server.port)]
    commands = {
        "pgready check": [PGREADY, "check", "-q", "--url", server.url],
        "pgready check --json": [PGREADY, "check", "--json", "--url", server.url],
        "pg_isready": [str(PGBIN / "pg_isready"), "-q"] + pg,
        "psql -c 'select 1'": [str(PGBIN / "psql"), "-X", "-q", "-c", "select 1", server.url],
        "static no-op": [FLOOR],
    }
    figures = {}
    for env_name, run_env in (("empty env", {}), ("shell env", typical_shell_env())):
        times, beyond = {name: [] for name in commands}, []
        for _ in range(rounds):
            order = list(commands.items())
            random.shuffle(order)
            for name, cmd in order:
                start = time.perf_counter()
                out = subprocess.run(cmd, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
                wall = (time.perf_counter() - start) * 1000
                times[name].append(wall)
                if name == "pgready check --json":
                    stages = json.loads(out.stdout)["targets"][0]["stages_ms"]
                    beyond.append(wall - sum(v for v in stages.values() if v is not None))
        med = {name: statistics.median(t) for name, t in times.items()}
        for name in ("pgready check", "pg_isready", "psql -c 'select 1'", "static no-op"):
            figures[f"check {env_name} {name} median ms"] = med[name]
        figures[f"check {env_name} pgready / pg_isready"] = med["pgready check"] / med["pg_isready"]
        figures[f"check {env_name} pgready own ms beyond stages"] = statistics.median(beyond) - med["static no-op"]
    return figures


class App:
    """An app that is already running: a new connection (libpq, via psycopg) every
    20 ms, each in its own thread so a slow login does not delay the next."""

    def __init__(self, url, every=0.02):
        self.url, self.every = url, every
        self.outcomes = []
        self.running = True
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        due = time.time()
        while self.running:
            threading.Thread(target=self.connect, args=(time.time(),)).start()
            due += self.every
            time.sleep(max(0.0, due - time.time()))

    def connect(self, at):
        import psycopg
        try:
            with psycopg.connect(self.url, connect_timeout=30) as conn:
                conn.execute("select 1")
            outcome = "ok"
        except psycopg.OperationalError as e:
            text = str(e)
            outcome = ("53300" if "too many clients" in text or "connection slots" in text else
                       "57P03" if "starting up" in text else "refused" if "refused" in text else "other")
        self.outcomes.append((at, outcome))

    def stop(self):
        self.running = False
        self.thread.join()
        time.sleep(1)


def goal4_herd(server, n, tool):
    """n gates (the app's own URL) against max_connections = 20, the server 2 s
    late, while the app keeps connecting: the app's 53300 refusals from the
    server's ready line until the last gate exits."""
    server.stop()
    seen = len(server.ready_times())
    log_start = len(server.log())
    app = App(server.url_as("app"))
    cmd = waiters(server.port, server.url_as("app"))[tool]
    procs = [subprocess.Popen(cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]
    time.sleep(2)
    server.start(wait=False)
    codes = [p.wait(timeout=130) for p in procs]
    last_exit = time.time()
    app.stop()
    ready = server.ready_times()[seen]
    during = [o for at, o in app.outcomes if ready <= at <= last_exit]
    refused = sum(o == "53300" for o in during)
    key = f"herd {tool}"
    sessions = session_ms(server.log()[log_start:])
    return {f"{key} gates": n, f"{key} gates ready": sum(c == 0 for c in codes), f"{key} all ready after s": last_exit - ready,
            f"{key} app connections": len(during), f"{key} app 53300": refused,
            f"{key} app 53300 %": 100 * refused / max(1, len(during)),
            f"{key} session p50 ms": pct(sessions, 0.5) if sessions else 0,
            f"{key} session p90 ms": pct(sessions, 0.9) if sessions else 0}


def session_ms(log):
    """Each login's slot time (log_disconnections' session time), in ms: what
    bench/herd-sim's --login-ms stands for."""
    times = []
    for line in log.splitlines():
        if "disconnection: session time: " in line:
            h, m, sec = line.split("session time: ")[1].split()[0].split(":")
            times.append((int(h) * 3600 + int(m) * 60 + float(sec)) * 1000)
    return times


def herd_server():
    server = Server(["max_connections=20", "log_disconnections=on"])
    server.start()
    server.sql(f"create role app login password '{PASSWORD}'")
    return server


def footprint(server):
    server.start()
    rss = subprocess.run(["/usr/bin/time", "-f", "%M", PGREADY, "check", "-q", "--url", server.url], env=env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr.split()[-1]
    return {"binary bytes": os.path.getsize(PGREADY), "check max RSS KiB": int(rss)}


def measure_once():
    figures = {}
    server = Server()
    try:
        figures.update(goal3_single_check(server, 30 if QUICK else 150))
        figures.update(footprint(server))
        figures.update(goal1_lag(server))
        figures.update(goal1_starting(server, reps=1 if QUICK else 3))
    finally:
        server.remove()
    figures.update(goal2_cpu(15 if QUICK else 60))
    herd = herd_server()
    try:
        for tool in ("pgready", "pg_isready loop"):
            figures.update(goal4_herd(herd, 50 if QUICK else 200, tool))
    finally:
        herd.remove()
    return figures


def herd_sim():
    out = subprocess.run([str(ROOT / "bench" / "herd-sim"), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    if os.environ.get("PGREADY_BENCH_ONLY") == "dns":
        print(json.dumps(dns.queries_per_second(10), indent=2))
        return
    runs = []
    for i in range(RUNS):
        print(f"run {i + 1}/{RUNS} …", flush=True)
        runs.append(measure_once())
    sim = herd_sim()
    dns_rates = dns.queries_per_second(3 if QUICK else 10)
    report = {"date": datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(), "runs": runs,
              "herd_sim": sim, "dns_queries_per_second": dns_rates, "kernel": os.uname().release,
              "postgres": subprocess.run([str(PGBIN / "postgres"), "--version"], capture_output=True,
                                         text=True).stdout.strip(),
              "peers": sorted(p.name for p in (TOOLS / "node_modules").iterdir() if p.name.startswith("wait-"))}
    print_report(report)
    (OUT / "results.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nraw figures: {OUT / 'results.json'}")


main()
