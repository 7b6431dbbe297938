// Bundles web/src/app.js (the report form and the mailbox; the codename word list is bundled
// as text) with esbuild into OUTDIR/app.js, pinning the network public key, and
// web/src/seal-worker.js (the sealing worker: envelope + typage) into OUTDIR/seal-worker.js.
// Deterministic: same sources, lockfile and key → same bytes (no timestamps, no paths).
import * as esbuild from "esbuild";

const [outdir, networkKey, minDirectoryVersion = "0"] = process.argv.slice(2);
if (!outdir || !networkKey || !/^[0-9]+$/.test(minDirectoryVersion)) {
  console.error("usage: node build.mjs OUTDIR NETWORK_KEY_BASE64 [MIN_DIRECTORY_VERSION]");
  process.exit(2);
}
// The codename word lists, bundled as text: its comment lines (which carry a URL) are replaced
// by a plain attribution, so the bundle references no third-party address (audit site checks).
const wordlistPlugin = {
  name: "wordlist",
  setup(build) {
    build.onLoad({ filter: /\.txt$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      const words = (await readFile(args.path, "utf8")).split("\n").filter((l) => l.trim() && !l.startsWith("#"));
      const head = args.path.endsWith("eff_large_wordlist.txt") ? "# EFF large wordlist, by the Electronic Frontier Foundation, CC BY 3.0 US" : "# withheld from new codenames";
      const text = [head, ...words].join("\n");
      return { contents: `export default ${JSON.stringify(text)};`, loader: "js" };
    });
  },
};

// The codename words, served beside the bundle (/assets/codename-words.txt) instead of inside
// it: 23 KB gzip the first page no longer carries. The page fetches them at her first answer
// (or when the mailbox opens) and refuses any bytes whose SHA-256 is not the one pinned here.
const { readFile, writeFile, mkdir } = await import("node:fs/promises");
const { createHash } = await import("node:crypto");
const listLines = async (file) => (await readFile(new URL(`wordlist/${file}`, import.meta.url), "utf8")).split("\n").filter((l) => l.trim() && !l.startsWith("#"));
const words = [
  "# EFF large wordlist, by the Electronic Frontier Foundation, CC BY 3.0 US",
  ...(await listLines("eff_large_wordlist.txt")),
  "# withheld from new codenames",
  ...(await listLines("withheld.txt")),
  "# not drawn for new codenames",
  ...(await listLines("not-drawn.txt")),
  "",
].join("\n");
await mkdir(outdir, { recursive: true });
await writeFile(`${outdir}/codename-words.txt`, words);
const wordsSha256 = createHash("sha256").update(words).digest("hex");

await esbuild.build({
  entryPoints: ["src/app.js", "src/seal-worker.js"],
  bundle: true,
  format: "iife",
  target: ["firefox115", "chrome115"],
  minify: true,
  legalComments: "none",
  plugins: [wordlistPlugin],
  charset: "utf8",
  outdir,
  define: {
    __APPRODO_NETWORK_KEY__: JSON.stringify(networkKey),
    __APPRODO_WORDS_SHA256__: JSON.stringify(wordsSha256),
    // Directory versions only go forward: the lowest this build's page accepts.
    __APPRODO_MIN_DIRECTORY_VERSION__: JSON.stringify(Number(minDirectoryVersion)),
  },
  logLevel: "warning",
});
