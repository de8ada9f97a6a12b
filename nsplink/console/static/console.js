// The CP console's few lines of script: keep the live parts of the page current, sound a new P1.
// The server sends "the log moved" over Server-Sent Events; each [data-live] part is fetched again.
"use strict";
(function () {
  const live = document.querySelectorAll("[data-live]");
  if (!live.length) return;
  const dot = document.getElementById("live");
  const soundNote = document.getElementById("sound-note");
  const queue = document.getElementById("queue");
  const sound = queue ? new Audio(queue.dataset.sound) : null;
  const key = "nsplink-alerted";
  const alerted = new Set(JSON.parse(sessionStorage.getItem(key) || "[]"));

  function newAlerts(first) {
    if (!queue) return;
    let fresh = false;
    queue.querySelectorAll("tr[data-alert]").forEach(function (row) {
      if (!alerted.has(row.dataset.ref)) {
        alerted.add(row.dataset.ref);
        if (!first) {
          fresh = true;
          row.classList.add("flash");
        }
      }
    });
    sessionStorage.setItem(key, JSON.stringify(Array.from(alerted)));
    if (fresh && sound) {
      sound.currentTime = 0;
      sound.play().catch(function () { soundNote.hidden = false; });
    }
  }
  document.addEventListener("click", function () {
    if (soundNote) soundNote.hidden = true;
  });

  // One refresh at a time; news during one makes one more afterwards (never an older answer
  // painted over a newer one).
  let running = false;
  let pending = false;
  async function refresh() {
    if (running) { pending = true; return; }
    running = true;
    try {
      for (const part of live) {
        let url = part.dataset.live;
        if (part.dataset.seen) url += "?seen=" + encodeURIComponent(part.dataset.seen);
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (response.status === 401) { window.location = "/login"; return; }
        if (response.ok) part.innerHTML = await response.text();
      }
      newAlerts(false);
    } catch (err) {
      // the console is unreachable: the event stream reconnects and the next news refreshes
    } finally {
      running = false;
      if (pending) { pending = false; refresh(); }
    }
  }

  newAlerts(true);
  const events = new EventSource("/events");
  events.onopen = function () { dot.classList.remove("off"); dot.title = ""; };
  events.onerror = function () { dot.classList.add("off"); dot.title = dot.dataset.off; };
  setInterval(refresh, 60000);  // the ages in the queue move on without news too
  let last = null;
  events.onmessage = function (event) {
    if (last !== null && event.data !== last) refresh();
    last = event.data;
  };
})();
// The shift log's print button (no inline handlers: the CSP allows none).
(function () {
  const button = document.getElementById("print");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
