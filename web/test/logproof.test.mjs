// The page's check of her report in the public record (web/src/logproof.js): an inclusion
// proof and checkpoint made by a real server (Rust, tlog_tiles) verify in the page's code and
// every alteration is refused; witness cosignatures are checked against the independent
// vectors of tests/vectors/cosignature.json (Python cryptography).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRecord, cosignedBy, verifyInclusion, witnessesOf } from "../src/logproof.js";

const bin = process.env.APPRODO_BIN || new URL("../../target/debug/approdo", import.meta.url).pathname;

test("cosignatures: the independent vectors verify, another key or text does not", () => {
  const v = JSON.parse(readFileSync(new URL("../../tests/vectors/cosignature.json", import.meta.url)));
  for (const c of v.cases) {
    const note = `${c.checkpoint}\n${c.line}`;
    const witnesses = witnessesOf({ witnesses: [{ key: c.vkey, url: "" }] });
    assert.equal(witnesses.length, 1, c.label);
    assert.deepEqual(cosignedBy(note, witnesses), [c.name], c.label);
    assert.deepEqual(cosignedBy(note.replace("\n", "\nx"), witnesses), [], "changed text");
  }
  const [a, b] = v.cases;
  const other = witnessesOf({ witnesses: [{ key: b.vkey.replace(b.name, a.name), url: "" }] });
  assert.deepEqual(other, [], "a vkey whose id does not match its name is refused");
});

test("inclusion proofs from a real server verify, and alterations do not", async () => {
  const work = mkdtempSync(join(tmpdir(), "approdo-logproof-"));
  const env = { ...process.env, APPRODO_STATE_DIR: join(work, "state") };
  const child = spawn(bin, ["serve", "--demo", "--data", join(work, "data"), "--listen", "127.0.0.1:0", "--log-interval", "1"], { stdio: ["ignore", "pipe", "pipe"], env });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/approdo serving (http:\/\/\S+?)\//);
        if (m) resolve(m[1]);
      });
      child.on("exit", (c) => reject(new Error(`server exited ${c}`)));
    });
    const ids = [];
    for (const n of [1, 2, 3]) {
      writeFileSync(join(work, "report.json"), JSON.stringify({ schema: "approdo.report/v1", language: "en", description: `record ${n}` }));
      const out = execFileSync(bin, ["envelope", "submit", "--server", url, "--partner", "tratta-milano", "--report", join(work, "report.json")], { encoding: "utf8", env });
      ids.push(JSON.parse(out.slice(out.indexOf("{"))).id);
    }
    const key = await (await fetch(`${url}/api/v1/log/key`)).json();
    const directory = await (await fetch(`${url}/api/v1/directory`)).json();
    for (const id of ids) {
      let answer;
      // Integration runs every second: wait for the report's proof.
      for (let i = 0; i < 400 && !answer; i++) {
        const r = await fetch(`${url}/api/v1/log/proof/${id}`);
        if (r.ok) answer = await r.json();
        else await new Promise((done) => setTimeout(done, 50));
      }
      assert.ok(answer, `no proof for ${id}`);
      assert.deepEqual(checkRecord(answer, id, key.vkey, directory), { witnessed: [], quorum: 0 });
      const other = ids.find((x) => x !== id);
      assert.throws(() => checkRecord(answer, other, key.vkey, directory), /another report/);
      assert.throws(() => checkRecord({ ...answer, index: answer.index + 1 }, id, key.vkey, directory), /does not verify/);
      if (answer.proof.length) {
        const flipped = [...answer.proof];
        flipped[0] = flipped[0].startsWith("A") ? `B${flipped[0].slice(1)}` : `A${flipped[0].slice(1)}`;
        assert.throws(() => checkRecord({ ...answer, proof: flipped }, id, key.vkey, directory), /does not verify/);
      }
      assert.throws(() => checkRecord({ ...answer, entry: answer.entry.replace("tratta", "lavoro") }, id, key.vkey, directory));
      assert.throws(() => checkRecord({ ...answer, checkpoint: answer.checkpoint.replace(/\n\d+\n/, "\n999\n") }, id, key.vkey, directory));
    }
  } finally {
    child.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  }
});

test("RFC 9162 inclusion: a one-leaf tree and out-of-range indexes", () => {
  const entry = new TextEncoder().encode("x");
  const leaf = new Uint8Array([0, ...entry]);
  return import("@noble/hashes/sha2.js").then(({ sha256 }) => {
    const root = sha256(leaf);
    assert.ok(verifyInclusion(entry, 0, 1, [], root));
    assert.ok(!verifyInclusion(entry, 1, 1, [], root));
    assert.ok(!verifyInclusion(entry, 0, 2, [], root));
  });
});
