// The EFF large wordlist and the words new codenames never use, for codenames made and typed
// in this browser. They are not in the bundle (23 KB gzip the first page would carry): web/build.mjs
// writes them to /assets/codename-words.txt and pins their SHA-256 here, and the page fetches
// them when she first answers (or the mailbox opens), refusing any other bytes — the list is as
// trustworthy as this script. Node tests read the files directly and use codename.js.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { drawnWords, freshWords, parseWordlist } from "./codename.js";

/* global __APPRODO_WORDS_SHA256__ */
const PINNED = __APPRODO_WORDS_SHA256__;
const WITHHELD = "\n# withheld from new codenames\n";
const NOT_DRAWN = "\n# not drawn for new codenames\n";

let loading = null;
let cached = null;

/** Fetches, checks and parses the lists once (a failed fetch may be tried again).
 * @returns {Promise<{all: string[], set: Set<string>, fresh: string[], drawn: string[]}>} the
 * 7772 accepted words (no hyphenated ones), as a set, the 7459 of the fresh list (positions are
 * the digit spelling) and the 7160 of them new codenames are drawn from. */
export function loadLists() {
  if (!loading) {
    loading = (async () => {
      const r = await fetch("/assets/codename-words.txt", { credentials: "omit" });
      if (!r.ok) throw new Error(`the codename words could not be loaded (${r.status})`);
      const bytes = new Uint8Array(await r.arrayBuffer());
      if (bytesToHex(sha256(bytes)) !== PINNED) throw new Error("the codename words are not the ones this page was built with");
      const text = new TextDecoder().decode(bytes);
      const at = text.indexOf(WITHHELD);
      const skip = text.indexOf(NOT_DRAWN);
      if (at < 0 || skip < at) throw new Error("the codename words are malformed");
      const all = parseWordlist(text.slice(0, at));
      const fresh = freshWords(all, text.slice(at + WITHHELD.length, skip));
      cached = { all, set: new Set(all), fresh, drawn: drawnWords(fresh, text.slice(skip + NOT_DRAWN.length)) };
      return cached;
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/** The lists, once [`loadLists`] has resolved. */
export function lists() {
  if (!cached) throw new Error("the codename words are not loaded yet");
  return cached;
}
