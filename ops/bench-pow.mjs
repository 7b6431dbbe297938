// Proof-of-work cost in JavaScript (the page's loop, web/src/upload.js):
// node [--jitless] ops/bench-pow.mjs [BITS=14] [RUNS=10]
import { sha256 } from "../web/node_modules/@noble/hashes/sha2.js";
const bits = Number(process.argv[2] ?? 14);
const runs = Number(process.argv[3] ?? 10);
const enc = new TextEncoder();
function zeroBits(h) {
  let n = 0;
  for (const b of h) {
    if (b === 0) n += 8;
    else return n + Math.clz32(b) - 24;
  }
  return n;
}
const t0 = performance.now();
let tries = 0;
for (let r = 0; r < runs; r++) {
  for (let n = 0; ; n++) { tries++; if (zeroBits(sha256(enc.encode(`approdo.pow/v1:challenge${r}:${n}`))) >= bits) break; }
}
console.log(`${bits} bits: ${(tries/runs).toFixed(0)} hashes avg, ${((performance.now()-t0)/runs/1000).toFixed(2)} s per solution`);
