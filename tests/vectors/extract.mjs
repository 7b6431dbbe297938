// Writes every CCTV age vector (npm `cctv-age`, pinned by package-lock.json) to a folder,
// one file per vector, zlib-compressed vectors inflated. With --check, compares instead and
// exits 1 on any difference, so the committed copy provably equals the package.
import { createRequire } from "node:module";
import { inflateSync } from "node:zlib";
import { mkdirSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const vectors = require("cctv-age");
const [dir, flag] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node extract.mjs DIR [--check]");
  process.exit(2);
}

function inflateIfCompressed(bytes) {
  const text = Buffer.from(bytes).toString("latin1");
  const end = text.indexOf("\n\n");
  const head = text.slice(0, end);
  if (!/^compressed: zlib$/m.test(head)) return Buffer.from(bytes);
  const body = Buffer.from(bytes).subarray(end + 2);
  const newHead = head.split("\n").filter((l) => l !== "compressed: zlib").join("\n");
  return Buffer.concat([Buffer.from(newHead + "\n\n", "latin1"), inflateSync(body)]);
}

const names = Object.keys(vectors).filter((k) => vectors[k] instanceof Uint8Array).sort();
let differences = 0;
if (flag !== "--check") mkdirSync(dir, { recursive: true });
for (const name of names) {
  const bytes = inflateIfCompressed(vectors[name]);
  const path = join(dir, name);
  if (flag === "--check") {
    let have;
    try { have = readFileSync(path); } catch { have = null; }
    if (!have || !have.equals(bytes)) { console.error(`differs: ${name}`); differences++; }
  } else {
    writeFileSync(path, bytes);
  }
}
if (flag === "--check") {
  const extra = readdirSync(dir).filter((f) => !names.includes(f));
  for (const f of extra) { console.error(`not in the package: ${f}`); differences++; }
  console.log(`cctv: ${names.length} vectors, ${differences} differences`);
  process.exit(differences ? 1 : 0);
}
console.log(`cctv: wrote ${names.length} vectors to ${dir}`);
