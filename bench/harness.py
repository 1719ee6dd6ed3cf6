"""The parts bench/bench.py measures with: throwaway PostgreSQL clusters, a server
that answers 57P03, the waiters people use at their defaults, CPU accounting and
small statistics. Nothing here times anything itself."""

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PGREADY = str(ROOT / "dist" / "pgready")
FLOOR = str(OUT / "floor")
PGBIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))[-1]).parent
TOOLS = OUT / "tools"
PASSWORD = "bench-S3cret"
AS_PG = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def env():
    """The environment every waiter runs in unless a goal says otherwise."""
    return {"PATH": os.environ["PATH"], "HOME": "/nonexistent", "PGPASSWORD": PASSWORD}


class Server:
    """A throwaway cluster; start()/stop() as often as needed (starting a running
    one, or stopping a stopped one, does nothing)."""

    def __init__(self, settings=(), port=None):
        self.dir = Path(tempfile.mkdtemp(prefix="pgready-bench-"))
        os.chmod(self.dir, 0o755)
        self.port = port or free_port()
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
        self.url = self.url_as("postgres")
        self.running = False

    def url_as(self, user):
        return f"postgresql://{user}:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def log(self):
        return (self.dir / "log").read_text(errors="replace") if (self.dir / "log").exists() else ""

    def start(self, wait=True):
        if self.running:
            return
        self.running = True
        subprocess.run(AS_PG + [str(PGBIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
                                "-o", self.options] + (["-w"] if wait else ["-W"]) + ["start"],
                       check=True, capture_output=True)

    def stop(self):
        if not self.running:
            return
        self.running = False
        subprocess.run(AS_PG + [str(PGBIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True)

    def sql(self, query):
        return subprocess.run([str(PGBIN / "psql"), "-X", "-A", "-t", "-h", str(self.dir), "-p", str(self.port),
                               "-U", "postgres", "-c", query], env=env(), capture_output=True, text=True)

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


class StartingServer:
    """A small real server on `port` that answers every startup packet with 57P03
    ("the database system is starting up"), as PostgreSQL does during start-up and
    crash recovery, and records when each attempt arrived."""

    NO = b"N"
    ERROR = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0"

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(512)
        self.sock.settimeout(0.05)
        self.arrivals = []
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.arrivals.append(time.time())
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn):
        conn.settimeout(2)
        try:
            while True:
                head = conn.recv(8, socket.MSG_WAITALL)
                if len(head) < 8:
                    return
                length, code = struct.unpack("!II", head)
                if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
                    conn.sendall(self.NO)
                    continue
                conn.recv(length - 8, socket.MSG_WAITALL)
                conn.sendall(b"E" + struct.pack("!I", len(self.ERROR) + 4) + self.ERROR)
                return
        except OSError:
            return
        finally:
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def waiters(port, url, timeout=120, host="127.0.0.1"):
    """Each waiter at its default pace, as people run it."""
    node = TOOLS / "node_modules" / ".bin"
    return {
        "pgready": [PGREADY, "wait", "-q", "--timeout", f"{timeout}s", "--url", url],
        "pg_isready loop": ["bash", "-c", f"until {PGBIN}/pg_isready -q -h {host} -p {port}; do sleep 1; done"],
        "wait-for-it": [str(TOOLS / "venv" / "bin" / "wait-for-it"), "-q", "-t", str(timeout), "-s", f"{host}:{port}"],
        "wait-on": [str(node / "wait-on"), "-t", str(timeout * 1000), f"tcp:{host}:{port}"],
        "wait-port": [str(node / "wait-port"), "-t", str(timeout * 1000), f"{host}:{port}"],
    }


def task_clock_ms(cmd, run_env=None):
    """CPU time (perf's task-clock, children included) of running cmd to its end,
    and its standard output."""
    proc = subprocess.run(["perf", "stat", "-x", ",", "-e", "task-clock", "--"] + cmd, env=run_env or env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("task-clock"):
            return float(fields[0]), proc.stdout
    raise RuntimeError(f"perf stat printed no task-clock: {proc.stderr[-300:]}")


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def max_in_window(times, window):
    """The most events in any half-open span of `window` seconds."""
    times = sorted(times)
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best
