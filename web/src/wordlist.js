// The EFF large wordlist and the words new codenames never use, bundled as text (esbuild's
// text loader) for codenames made and typed in this browser. Node tests read the files
// directly and use codename.js.
import text from "../wordlist/eff_large_wordlist.txt";
import withheld from "../wordlist/withheld.txt";
import { freshWords, parseWordlist } from "./codename.js";

let cached = null;

/** {all, set, fresh}: the 7772 accepted words (no hyphenated ones), as a set, and the 7459 of
 * the fresh list new codenames are drawn from. Parsed once. */
export function lists() {
  if (!cached) {
    const all = parseWordlist(text);
    cached = { all, set: new Set(all), fresh: freshWords(all, withheld) };
  }
  return cached;
}
