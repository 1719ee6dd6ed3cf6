"""DNS queries per second each waiter sends while its host name does not resolve
(run once by bench/bench.py; `PGREADY_BENCH_ONLY=dns bench/run` runs only this)."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from harness import PASSWORD, env, waiters


def queries_per_second(seconds):
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
        cmds = waiters(5432, url, timeout=60, host="db.nx.test")
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
