#!/usr/bin/env python3
"""What one anonymous client can take from an approdo server (issue 15, items 2, 3, 5).

Python standard library only. Starts `BIN serve --demo` on a fresh data directory and plays one
client with no PROXY line (so no per-circuit limit helps), then a victim:

  slots  - open resumable uploads for --seconds, paying each proof of work (solved here with
           hashlib on --procs processes), never sending a chunk; then a victim asks for a slot
           every 0.5 s for up to --victim-seconds: how long is she locked out?
  disk   - on a server with --max-store-mib 200, one upload sends 1 MiB chunks as fast as it
           can until refused; a victim's small report is sent beside it; then the filler
           cancels, and a new chunk is tried at once (no restart).
  pow    - does POST /api/v1/submissions take a body with no proof of work?

  ops/bench-attack.py --bin target/debug/approdo [--label after] [--seconds 60]
                      [--slots-args '--max-uploads 200'] [--victim-seconds 90]

Prints one JSON object with every figure (BENCHMARKS.md records them with this command).
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CHUNK = 1024 * 1024 - 4096


def zero_bits(h):
    n = 0
    for b in h:
        if b == 0:
            n += 8
        else:
            return n + 8 - b.bit_length()
    return n


def solve_range(args):
    challenge, bits, start, step = args
    n = start
    prefix = f"approdo.pow/v1:{challenge}:".encode()
    while True:
        if zero_bits(hashlib.sha256(prefix + str(n).encode()).digest()) >= bits:
            return n
        n += step


def request(method, url, body=None, headers=None, timeout=60):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None


class Server:
    def __init__(self, binary, extra):
        self.dir = tempfile.TemporaryDirectory(prefix="approdo-attack.")
        self.proc = subprocess.Popen(
            [binary, "serve", "--demo", "--listen", "127.0.0.1:0",
             "--data", os.path.join(self.dir.name, "data"), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in self.proc.stdout:
            m = re.match(r"approdo serving (http://\S+?)/?$", line.strip())
            if m:
                self.url = m.group(1)
                return
        raise SystemExit("the server did not start")

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.dir.cleanup()


POOL = None


def solve(url, procs):
    """One solution at the current price, on `procs` processes; (header, bits, seconds)."""
    global POOL
    t0 = time.monotonic()
    _, p = request("GET", f"{url}/api/v1/pow")
    bits = p.get("bits", 0)
    if not bits:
        return {}, 0, time.monotonic() - t0
    if procs == 1:
        n = solve_range((p["challenge"], bits, 0, 1))
    else:
        if POOL is None:
            POOL = multiprocessing.Pool(procs)
        # The first process to find one wins; the others finish their own search (wasted).
        it = POOL.imap_unordered(solve_range, [(p["challenge"], bits, i, procs) for i in range(procs)])
        n = next(it)
    return {"X-Approdo-PoW": f"{p['challenge']}:{n}"}, bits, time.monotonic() - t0


def create(url, procs):
    header, bits, secs = solve(url, procs)
    status, body = request("POST", f"{url}/api/v1/uploads?partner=cav-milano", b"", header)
    return status, body, bits, secs


def slots(binary, a):
    s = Server(binary, a.slots_args.split())
    try:
        t0 = time.monotonic()
        taken, bits_seen, solve_secs, refused = 0, [], [], None
        while time.monotonic() - t0 < a.seconds:
            status, body, bits, secs = create(s.url, a.procs)
            bits_seen.append(bits)
            solve_secs.append(secs)
            if status == 201:
                taken += 1
            elif status == 428:
                continue  # the price rose meanwhile
            else:
                refused = status
                break
        took = time.monotonic() - t0
        # The victim.
        v0 = time.monotonic()
        waited = None
        while time.monotonic() - v0 < a.victim_seconds:
            status, _, _, _ = create(s.url, a.procs)
            if status == 201:
                waited = time.monotonic() - v0
                break
            time.sleep(0.5)
        return {
            "slots_taken": taken,
            "attack_seconds": round(took, 1),
            "refused_with": refused,
            "pow_bits_first_last": [bits_seen[0], bits_seen[-1]] if bits_seen else None,
            "solve_seconds_first_last": [round(solve_secs[0], 3), round(solve_secs[-1], 3)] if solve_secs else None,
            "victim_waited_seconds": round(waited, 1) if waited is not None else f">= {a.victim_seconds}",
        }
    finally:
        s.stop()


def disk(binary, a, small):
    s = Server(binary, ["--max-store-mib", "200"])
    try:
        status, body, _, _ = create(s.url, a.procs)
        assert status == 201, body
        up = body["upload"]
        junk = os.urandom(CHUNK)
        t0 = time.monotonic()
        n = 0
        while True:
            status, _ = request("PUT", f"{s.url}/api/v1/uploads/{up}/chunks/{n}", junk)
            if status != 200:
                break
            n += 1
        took = time.monotonic() - t0
        header, _, _ = solve(s.url, a.procs)
        victim, _ = request("POST", f"{s.url}/api/v1/submissions?partner=cav-milano", small,
                            {**header, "Content-Type": "application/octet-stream"})
        cancelled, _ = request("DELETE", f"{s.url}/api/v1/uploads/{up}")
        status2, body2, _, _ = create(s.url, a.procs)
        after = None
        if status2 == 201:
            after, _ = request("PUT", f"{s.url}/api/v1/uploads/{body2['upload']}/chunks/0", junk)
        return {
            "pending_bytes_taken": n * CHUNK,
            "fill_seconds": round(took, 2),
            "refused_with": status,
            "victim_small_report": victim,
            "cancel": cancelled,
            "new_chunk_after_cancel": after or status2,
        }
    finally:
        s.stop()


def pow_on_submissions(binary):
    s = Server(binary, [])
    try:
        status, _ = request("POST", f"{s.url}/api/v1/submissions?partner=cav-milano",
                            b"age-encryption.org/v1\n" + b"x" * 1000,
                            {"Content-Type": "application/octet-stream"})
        return {"submission_without_pow": status}
    finally:
        s.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--label", default="")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--victim-seconds", type=float, default=90)
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--slots-args", default="",
                    help="extra `serve` flags for the slots part, e.g. '--max-uploads 200'")
    ap.add_argument("--small", help="a sealed small report for the victim [default: made with "
                    "`BIN envelope seal`]")
    a = ap.parse_args()
    if a.small:
        small = open(a.small, "rb").read()
    else:
        # A 10 kB report sealed to the demo partner by the binary under test.
        with tempfile.TemporaryDirectory() as d:
            report = os.path.join(d, "report.json")
            with open(report, "w") as f:
                json.dump({"schema": "approdo.report/v1", "language": "it",
                           "description": "victim " + "x" * 10000}, f)
            out = os.path.join(d, "small.age")
            subprocess.run([a.bin, "envelope", "seal", "--report", report,
                            "--partner", "cav-milano", "--out", out], check=True,
                           stdout=subprocess.DEVNULL)
            small = open(out, "rb").read()
    if a.procs > 1:
        print("note: --procs > 1 wastes the losing processes' work; --procs 1 is a fair single core",
              file=sys.stderr)
    out = {"label": a.label, "bin": a.bin, "procs": a.procs}
    out["slots"] = slots(a.bin, a)
    out["disk"] = disk(a.bin, a, small)
    out["pow"] = pow_on_submissions(a.bin)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
