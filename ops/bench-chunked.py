#!/usr/bin/env python3
"""The chunked upload path (what the page uses): a 256 MiB report sent as resumable chunks,
the server's window of them in flight, from the first PUT to finalize's 201 (durable), against
`dd bs=1M conv=fsync` of the same size on the same filesystem. Goal (issue 16): ≥ 0.5× dd.

    cargo build --release && ops/bench-chunked.py        # MIB=256 REPEATS=3 BENCH_DIR=/var/tmp WINDOW=4

Runs `target/release/approdo serve --demo` (APPRODO_BIN to change) with proof of work off, so
the figure is the ingest path alone. Needs Go `age` (ops/setup installs it)."""

import concurrent.futures as cf
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("APPRODO_BIN", os.path.join(ROOT, "target/release/approdo"))
MIB = int(os.environ.get("MIB", "256"))
REPEATS = int(os.environ.get("REPEATS", "3"))
WORK = tempfile.mkdtemp(prefix="approdo-bench-chunked-", dir=os.environ.get("BENCH_DIR", "/var/tmp"))


def serve(data):
    proc = subprocess.Popen(
        [BIN, "serve", "--demo", "--data", data, "--listen", "127.0.0.1:0", "--pow-bits", "0",
         "--submissions-per-second", "1000"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        m = re.match(r"approdo serving http://127\.0\.0\.1:(\d+)/", line)
        if m:
            return proc, int(m.group(1))
    sys.exit("the server did not start")


def make_report(data, out):
    """An envelope of ~MIB MiB sealed by Go age to the demo partner's recipients."""
    report = os.path.join(WORK, "report.json")
    with open(report, "w") as f:
        json.dump({"schema": "approdo.report/v1", "category": "benchmark", "text": "bench"}, f)
    attach = os.path.join(WORK, "attach.bin")
    with open(attach, "wb") as f:
        f.write(os.urandom(MIB * 2**20 - 8192))
    env = os.path.join(WORK, "env.tar")
    subprocess.run([BIN, "envelope", "pack", "--report", report, "--attach", attach, "--out", env],
                   check=True, capture_output=True)
    keys = os.path.join(data, "demo/officers/cav-milano")
    recipients = []
    for name in sorted(os.listdir(keys)):
        with open(os.path.join(keys, name)) as f:
            recipients += [l.split()[-1] for l in f if "public key:" in l]
    subprocess.run(["age", *sum((["-r", r] for r in recipients), []), "-o", out, env], check=True)
    os.remove(attach)
    os.remove(env)


def upload(port, path):
    """Seconds from the first chunk to the 201 of finalize, and of finalize alone."""
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/api/v1/uploads?partner=cav-milano")
    r = c.getresponse()
    made = json.loads(r.read())
    assert r.status == 201, made
    upload, size, window = made["upload"], made["chunk_size"], made.get("window", 1)
    # WINDOW=1: one chunk at a time, in order (the server's window is the most it accepts).
    window = min(window, int(os.environ.get("WINDOW", window)))
    conns = {}

    def put(n, offset, length):
        import threading
        conn = conns.setdefault(threading.get_ident(), http.client.HTTPConnection("127.0.0.1", port))
        with open(path, "rb") as f:
            f.seek(offset)
            body = f.read(length)
        # A chunk may reach the server before the one below the window's bottom (threads race):
        # 409, sent again shortly, as the page does.
        for attempt in range(50):
            conn.request("PUT", f"/api/v1/uploads/{upload}/chunks/{n}", body,
                         {"Content-Type": "application/octet-stream"})
            r = conn.getresponse()
            answer = r.read()
            if r.status != 409:
                break
            time.sleep(0.01)
        assert r.status == 200, (r.status, answer)

    total = os.path.getsize(path)
    t0 = time.monotonic()
    with cf.ThreadPoolExecutor(window) as pool:
        jobs = [pool.submit(put, n, off, min(size, total - off))
                for n, off in enumerate(range(0, total, size))]
        for j in jobs:
            j.result()
    t1 = time.monotonic()
    c.request("POST", f"/api/v1/uploads/{upload}/finalize")
    r = c.getresponse()
    answer = r.read()
    assert r.status == 201, answer
    t2 = time.monotonic()
    return t2 - t0, total, window, t2 - t1


def cpu(pid):
    """User and system CPU seconds of process `pid` so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def dd():
    out = os.path.join(WORK, "dd.bin")
    t0 = time.monotonic()
    subprocess.run(["dd", "if=/dev/zero", f"of={out}", "bs=1M", f"count={MIB}", "conv=fsync"],
                   check=True, capture_output=True)
    s = time.monotonic() - t0
    os.remove(out)
    return s


def main():
    data = os.path.join(WORK, "data")
    proc, port = serve(data)
    try:
        report = os.path.join(WORK, "report.age")
        make_report(data, report)
        ours, dds = [], []
        for i in range(REPEATS):
            (su, ss), c0 = cpu(proc.pid), os.times()
            s, total, window, fin = upload(port, report)
            (su2, ss2), c1 = cpu(proc.pid), os.times()
            ours.append(total / s / 1e6)
            dds.append(MIB * 2**20 / dd() / 1e6)
            # CPU seconds of this upload: the server's and this client's (both on the same cores).
            print(f"run {i + 1}: chunked {ours[-1]:.1f} MB/s ({s:.2f} s, of which finalize "
                  f"{fin * 1000:.0f} ms; window {window}), dd {dds[-1]:.1f} MB/s; CPU: server "
                  f"{su2 - su:.2f} user + {ss2 - ss:.2f} sys, client "
                  f"{c1.user - c0.user:.2f} user + {c1.system - c0.system:.2f} sys", flush=True)
        a, d = statistics.median(ours), statistics.median(dds)
        print(f"{MIB} MiB chunked upload: median {a:.1f} MB/s vs dd conv=fsync {d:.1f} MB/s = "
              f"{a / d:.2f}x (goal >= 0.5x)")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
