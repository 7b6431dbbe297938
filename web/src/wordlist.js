// The EFF large wordlist, bundled as text (esbuild's text loader) for codenames made in this
// browser. Node tests read the file directly and use codename.js.
import text from "../wordlist/eff_large_wordlist.txt";
import { parseWordlist } from "./codename.js";

let cached = null;

/** The 7772 words (no hyphenated ones), parsed once. */
export function wordlist() {
  if (!cached) cached = parseWordlist(text);
  return cached;
}
