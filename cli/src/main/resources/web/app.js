// The web view's script: the overview refreshes itself, the transcript follows its audio, dead letters act
// with the operator token. Text from the server is always set with textContent (names are hostile input).
"use strict";

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function duration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  if (seconds < 60) return seconds + "s";
  if (seconds < 3600) return Math.floor(seconds / 60) + "m" + String(seconds % 60).padStart(2, "0") + "s";
  return Math.floor(seconds / 3600) + "h" + String(Math.floor(seconds % 3600 / 60)).padStart(2, "0") + "m";
}

async function refreshOverview() {
  try {
    const r = await (await fetch("/api/overview", { cache: "no-store" })).json();
    const rows = document.querySelector("#queues tbody");
    rows.replaceChildren(...r.queues.map(q => {
      const tr = el("tr", { "data-queue": q.queue });
      for (const v of ["queue:" + q.queue, q.waiting, q.in_flight, q.delayed, q.dead,
                       q.oldest_waiting_seconds === undefined ? "-" : duration(q.oldest_waiting_seconds)]) tr.append(el("td", {}, String(v)));
      return tr;
    }));
    const workers = document.getElementById("workers");
    workers.replaceChildren(...(r.workers.length ? r.workers.map(w => el("li", {},
      (w.kind || "worker") + " on " + (w.node || "?") + " (pid " + (w.pid || "?") + "): " +
      (w.in_flight && w.in_flight.length ? "working on " + w.in_flight.join(", ") : w.jobs && w.jobs.length ? "working on " + w.jobs[0]
        : w.feeds ? "feeds queue:" + w.feeds : "idle"))) : [el("li", {}, "none alive")]));
    const batches = document.getElementById("batches");
    const shown = r.active_batches.concat((r.recent_batches || []).map(b => Object.assign({ stuck: false }, b)));
    batches.replaceChildren(...(shown.length ? shown.map(b => {
      const done = b.processed + b.failed;
      const pct = b.total ? Math.floor(100 * done / b.total) : 0;
      const row = el("div", { class: "batch " + b.status + (b.stuck ? " stuck" : ""), "data-batch": b.batch_id, "data-progress": String(pct) });
      const bar = el("span", { class: "bar" });
      const fill = el("span");
      fill.style.width = pct + "%";
      bar.append(fill);
      const link = el("a", { href: "/batch/" + encodeURIComponent(b.batch_id) }, b.batch_id);
      row.append(bar, link, el("span", { class: "counts" }, " " + b.status + " · " + (b.total == null ? "unpacking" : done + "/" + b.total)
        + (b.failed ? " (" + b.failed + " failed)" : "") + (b.stuck ? " · STUCK" : "")));
      return row;
    }) : [el("p", { class: "muted" }, "no batch in the last hour")]));
    const o = r.outbox;
    document.getElementById("outbox").textContent = !o ? "outbox not readable" : o.backlog === 0 ? "all published"
      : o.backlog + " waiting, the oldest for " + duration(o.oldest_unpublished_seconds);
    const failed = r.failed_transfers || [];
    document.getElementById("transfers").replaceChildren(...(failed.length ? failed.map(f => el("li", {},
      f.name + " · attempts " + f.attempts + " · last " + f.last_failed_at + " · " + f.error))
      : [el("li", { class: "muted" }, "none")]));
    document.getElementById("refreshed").textContent = new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("refreshed").textContent = "failed: " + e;
  }
}

function followTranscript() {
  const audio = document.getElementById("player");
  const words = Array.from(document.querySelectorAll("#transcript .word"));
  let current = null;
  audio.addEventListener("timeupdate", () => {
    const t = audio.currentTime;
    const now = words.find(w => t >= +w.dataset.start && t < +w.dataset.end)
      || words.filter(w => +w.dataset.start <= t).pop() || null;
    if (now !== current) {
      if (current) current.classList.remove("current");
      if (now) now.classList.add("current");
      current = now;
    }
  });
  for (const w of words) w.addEventListener("click", () => { audio.currentTime = +w.dataset.start; audio.play(); });
}

function deadActions() {
  const token = document.getElementById("token");
  if (token) token.value = sessionStorage.getItem("webToken") || "";
  for (const b of document.querySelectorAll("button[data-action]")) {
    b.addEventListener("click", async () => {
      const headers = {};
      if (token && token.value) { sessionStorage.setItem("webToken", token.value); headers.Authorization = "Bearer " + token.value; }
      const r = await fetch(b.dataset.action, { method: "POST", headers });
      const text = await r.text();
      document.getElementById("result").textContent = (r.ok ? "" : "refused (" + r.status + "): ") + text;
      if (r.ok) setTimeout(() => location.reload(), 600);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  if (page === "overview") { refreshOverview(); setInterval(refreshOverview, 1000); }
  if (page === "transcript") followTranscript();
  if (page === "dead") deadActions();
});
