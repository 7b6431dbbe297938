// Test helpers: a real `approdo serve --demo` on port 0 in a temporary data directory, the
// approdo CLI, byte scans of the data directory, and Debian's chromium via playwright-core.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url).pathname;
export const bin = process.env.APPRODO_BIN || join(root, "target/debug/approdo");

export async function startServer(args = []) {
  const dir = mkdtempSync(join(tmpdir(), "approdo-browser-"));
  const data = join(dir, "data");
  const child = spawn(bin, ["serve", "--demo", "--data", data, "--listen", "127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60000);
    child.stdout.on("data", (d) => {
      output += d;
      const m = output.match(/approdo serving (http:\/\/[^\s/]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  return {
    url,
    dir,
    data,
    output: () => output,
    identity: (partner) => join(data, "demo", `${partner}.key`),
    stop() {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function approdo(args) {
  return execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Occurrences of `needle` in every file under `dir`. */
export function scan(dir, needle) {
  let hits = 0;
  const n = Buffer.from(needle);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) hits += scan(p, needle);
    else if (st.isFile()) {
      const b = readFileSync(p);
      for (let i = b.indexOf(n); i !== -1; i = b.indexOf(n, i + 1)) hits++;
    }
  }
  return hits;
}

export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-background-networking", "--disable-gpu", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}
