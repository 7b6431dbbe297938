//! "What needs her" (issue 17, item 4): above the inbox, the reports nobody took after
//! `--needs-hours` hours, her answers (follow-ups) nobody acted on yet, today's
//! appointments, and the reports whose case records the server withheld or replayed. The same
//! counts as JSON (`needs.json`) for the page's optional desktop notification ([`SCRIPT`]):
//! asked for only when the officer clicks, and saying only how many things wait — never a
//! word a victim wrote, since notifications show on a locked screen.

use crate::case::Status;
use crate::model::ReportId;

use super::pages::{esc, InboxRow};

/// What waits for the officer.
#[derive(Debug, Default)]
pub(super) struct Needs {
    /// Reports with no status (or "new") that waited at least the hours set.
    pub untaken: Vec<ReportId>,
    /// Her answers nobody acted on yet (no status; a reply from a desk sets one).
    pub answers: Vec<ReportId>,
    /// Reports with an appointment today.
    pub today: Vec<ReportId>,
    /// Reports whose case records the server withheld, replayed or reordered.
    pub tampered: Vec<ReportId>,
    /// The hours a report may wait untaken.
    pub hours: u64,
}

impl Needs {
    /// Sorts the inbox's rows into what needs her, at `now` (seconds since 1970).
    pub fn of(
        rows: &[InboxRow],
        hours: u64,
        now: u64,
        today: Vec<ReportId>,
        tampered: Vec<ReportId>,
    ) -> Needs {
        // Nobody acted on it yet: no status, or "new". A reply from a desk sets one.
        let untouched = |c: &Option<(Status, String)>| matches!(c, None | Some((Status::New, _)));
        let follow_up = |e: &crate::vault::Entry| e.kind.as_deref() == Some("follow-up");
        Needs {
            untaken: rows
                .iter()
                .filter(|(_, e, c)| untouched(c) && !follow_up(e) && e.waited(now) >= hours * 3600)
                .map(|(id, _, _)| *id)
                .collect(),
            answers: rows
                .iter()
                .filter(|(_, e, c)| follow_up(e) && untouched(c))
                .map(|(id, _, _)| *id)
                .collect(),
            today,
            tampered,
            hours,
        }
    }

    /// How many things wait (a report counted once per reason).
    pub fn count(&self) -> usize {
        self.untaken.len() + self.answers.len() + self.today.len() + self.tampered.len()
    }

    /// The counts, for the page's notification.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "count": self.count(),
            "untaken": self.untaken.len(),
            "answers": self.answers.len(),
            "today": self.today.len(),
            "tampered": self.tampered.len(),
        })
    }

    /// The "Needs you" section (empty when nothing waits), with the notification button the
    /// script shows.
    pub fn html(&self, root: &str) -> String {
        let links = |ids: &[ReportId]| {
            ids.iter()
                .map(|id| format!("<a href=\"{root}r/{id}\">{}</a>", &id.to_string()[..8]))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut items = String::new();
        let mut item = |id: &str, ids: &[ReportId], text: String| {
            if !ids.is_empty() {
                items.push_str(&format!(
                    "<li id=\"{id}\">{} {} {}</li>",
                    ids.len(),
                    esc(&text),
                    links(ids)
                ));
            }
        };
        item(
            "needs-tampered",
            &self.tampered,
            "con note del caso nascoste o ripetute dal server / where the server withheld or replayed a case record:".into(),
        );
        item(
            "needs-today",
            &self.today,
            "appuntamenti oggi / appointments today:".into(),
        );
        item(
            "needs-untaken",
            &self.untaken,
            format!(
                "senza stato da almeno {h} ore / with no status after {h} hours:",
                h = self.hours
            ),
        );
        item(
            "needs-answers",
            &self.answers,
            "risposte di lei / her answers:".into(),
        );
        let button = "<p id=\"notify-box\" hidden><button type=\"button\" id=\"notify\">\
Avvisami su questo computer / Notify me on this computer</button> <span id=\"notify-state\"></span></p>";
        if items.is_empty() {
            return format!("<section id=\"needs\" data-count=\"0\">{button}</section>");
        }
        format!(
            "<section id=\"needs\" data-count=\"{}\"><h2>Ti aspettano / Needs you</h2><ul>{items}</ul>{button}</section>",
            self.count()
        )
    }
}

/// The desk's only script: a button that asks for permission to notify (on a click, never
/// before), then polls `needs.json` on the desk's own origin and notifies when more things
/// wait than before. Without it (script off, permission refused) the page works the same.
pub(super) const SCRIPT: &str = r#""use strict";
(() => {
  const box = document.getElementById("notify-box");
  const button = document.getElementById("notify");
  const state = document.getElementById("notify-state");
  const needs = document.getElementById("needs");
  const me = document.currentScript;
  if (!box || !needs || !me || !("Notification" in window)) return;
  const every = Math.max(1, Number(me.dataset.poll) || 60) * 1000;
  let seen = Number(needs.dataset.count) || 0;
  let timer = null;
  const poll = async () => {
    try {
      const r = await fetch("needs.json", { cache: "no-store", credentials: "same-origin" });
      if (!r.ok) return;
      const n = await r.json();
      if (n.count > seen) {
        // Counts only: a notification can show on a locked screen.
        new Notification("approdo desk", { body: `${n.count} — ti aspettano / need you`, tag: "approdo-desk" });
      }
      seen = n.count;
      document.body.dataset.polled = String((Number(document.body.dataset.polled) || 0) + 1);
    } catch {
      /* the desk stopped: nothing to say */
    }
  };
  const start = () => {
    state.textContent = "attivi / on";
    button.hidden = true;
    if (!timer) timer = setInterval(poll, every);
  };
  box.hidden = false;
  if (Notification.permission === "granted") start();
  button.addEventListener("click", async () => {
    const p = await Notification.requestPermission();
    if (p === "granted") start();
    else state.textContent = "non permessi dal browser / not allowed by the browser";
  });
})();
"#;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::Day;
    use crate::vault::Entry;

    fn entry(day: u32, seen: Option<u64>, kind: Option<&str>) -> Entry {
        Entry {
            day: Day(day),
            acknowledged: None,
            sha256: String::new(),
            size: 0,
            urgency: None,
            safe_now: None,
            language: None,
            kind: kind.map(str::to_owned),
            attachments: Vec::new(),
            seen,
        }
    }

    #[test]
    fn untaken_after_the_hours_set_answers_and_counts() {
        let day = 20_000u32;
        let now = u64::from(day + 2) * 86_400 + 3600; // 01:00 two days after arrival
        let id = |n: u128| ReportId(n);
        let rows: Vec<InboxRow> = vec![
            // Arrived on `day`: waited at least 25 hours since the end of that day.
            (id(1), entry(day, None, None), None),
            // Kept by this vault an hour ago, arrived today: not yet.
            (id(2), entry(day + 2, Some(now - 3600), None), None),
            // Taken.
            (
                id(3),
                entry(day, None, None),
                Some((Status::Taken, "Maria".into())),
            ),
            // Her answer nobody acted on; one closed; one answered from a desk.
            (id(4), entry(day + 2, None, Some("follow-up")), None),
            (
                id(5),
                entry(day, None, Some("follow-up")),
                Some((Status::Closed, String::new())),
            ),
            (
                id(6),
                entry(day, None, Some("follow-up")),
                Some((Status::WaitingForHer, "Anna".into())),
            ),
        ];
        let n = Needs::of(&rows, 24, now, vec![id(3)], Vec::new());
        assert_eq!(n.untaken, [id(1)]);
        assert_eq!(n.answers, [id(4)]);
        assert_eq!(n.count(), 3);
        assert_eq!(n.json()["today"], 1);
        let html = n.html("/t/");
        assert!(html.contains("id=\"needs-today\"") && html.contains("after 24 hours"));
        // With 26 hours, the first one is not late yet.
        assert!(Needs::of(&rows, 26, now, Vec::new(), Vec::new())
            .untaken
            .is_empty());
        // Nothing waits: the section keeps only the (hidden) notification button.
        let none = Needs::of(&[], 24, now, Vec::new(), Vec::new());
        assert!(!none.html("/t/").contains("<h2>"));
    }
}
