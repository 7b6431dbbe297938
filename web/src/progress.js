// What she sees while her report is sent: a real <progress> bar with the bytes sent and a time
// estimate, "don't close this page", and "connection lost — trying again" while the server does
// not answer (upload.js retries and resumes on its own). Its words come in the page's language
// (report.html and <template id="js-text">); numbers are formatted for that language.
import { t } from "./text.js";

const $ = (sel) => document.querySelector(sel);

/** Starts the progress display for `total` bytes (all partners together). */
export function startProgress(total) {
  const lang = document.documentElement.lang || "en";
  const mb = new Intl.NumberFormat(lang, { style: "unit", unit: "megabyte", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const size = (n) => mb.format(n / 1e6);
  const secs = new Intl.NumberFormat(lang, { style: "unit", unit: "second", unitDisplay: "long", maximumFractionDigits: 0 });
  const mins = new Intl.NumberFormat(lang, { style: "unit", unit: "minute", unitDisplay: "long", maximumFractionDigits: 0 });
  const bar = $("#progress-bar");
  bar.max = Math.max(1, total);
  bar.value = 0;
  $("#progress-offline").hidden = true;
  $("#progress").hidden = false;
  const started = Date.now();
  let base = 0;
  const show = (done) => {
    bar.value = Math.min(done, total);
    const elapsed = (Date.now() - started) / 1000;
    const vars = { sent: size(Math.min(done, total)), total: size(total) };
    if (done > 0 && elapsed >= 1 && done < total) {
      const left = ((total - done) * elapsed) / done;
      vars.time = left < 90 ? secs.format(Math.max(5, Math.ceil(left / 5) * 5)) : mins.format(Math.ceil(left / 60));
      $("#progress-text").textContent = t("progress_time", vars);
    } else {
      $("#progress-text").textContent = t("progress", vars);
    }
  };
  show(0);
  return {
    /** `sent` bytes of the current partner's copy. */
    update: (sent) => show(base + sent),
    /** The current partner's copy (`length` bytes) is done. */
    next: (length) => {
      base += length;
      show(base);
    },
    /** The server answers again (true) or does not (false). */
    connection: (online) => {
      $("#progress-offline").hidden = online;
    },
    end: () => {
      $("#progress").hidden = true;
    },
  };
}
