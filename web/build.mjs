// Bundles web/src/app.js (the report form and the mailbox; the codename word list is bundled
// as text) with esbuild into OUTDIR/app.js, pinning the network public key.
// Deterministic: same sources, lockfile and key → same bytes (no timestamps, no paths).
import * as esbuild from "esbuild";

const [outdir, networkKey] = process.argv.slice(2);
if (!outdir || !networkKey) {
  console.error("usage: node build.mjs OUTDIR NETWORK_KEY_BASE64");
  process.exit(2);
}
await esbuild.build({
  entryPoints: ["src/app.js"],
  bundle: true,
  format: "iife",
  target: ["firefox115", "chrome115"],
  minify: true,
  legalComments: "none",
  loader: { ".txt": "text" },
  charset: "utf8",
  outfile: `${outdir}/app.js`,
  define: { __APPRODO_NETWORK_KEY__: JSON.stringify(networkKey) },
  logLevel: "warning",
});
