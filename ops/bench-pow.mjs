// Proof-of-work cost in JavaScript (the page's loop, web/src/upload.js): node ops/bench-pow.mjs [--jitless]
import { sha256 } from "../web/node_modules/@noble/hashes/sha2.js";
const enc = new TextEncoder();
const t0 = performance.now();
let tries = 0;
for (let r = 0; r < 10; r++) {
  for (let n = 0; ; n++) { tries++; const h = sha256(enc.encode(`approdo.pow/v1:challenge${r}:${n}`)); if (h[0] === 0 && h[1] < 4) break; }
}
console.log(`14 bits: ${(tries/10).toFixed(0)} hashes avg, ${((performance.now()-t0)/10/1000).toFixed(2)} s per solution`);
