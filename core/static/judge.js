/* Judge's tablet: competition marks kept on the tablet until the server acknowledges them.
 * Same protocol as the exam page (DESIGN.md §6): every mark gets a per-judge, per-module increasing seq and is
 * written to localStorage before it is sent; the queue is replayed in seq order on "online", on becoming
 * visible, every 5 s and before signing. The server stores every mark (append-only), acknowledges replays
 * without change, and counts a judge's highest seq per aspect, so out-of-order or repeated sends are harmless.
 * Changing a value already entered asks for a reason (a correction). */
(function () {
  "use strict";
  var root = document.getElementById("judge");
  if (!root) return;
  var msg = document.getElementById("t-msg").dataset;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var prefix = "judge:" + root.dataset.module + ":" + root.dataset.judge + ":";
  var K = { queue: prefix + "queue", seq: prefix + "seq", device: "prefab:device" };
  var flushing = false;

  function load(key, dflt) { try { return JSON.parse(localStorage.getItem(key)) || dflt; } catch (e) { return dflt; } }
  function store(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  var device = localStorage.getItem(K.device);
  if (!device) { device = "d" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); localStorage.setItem(K.device, device); }
  var queue = load(K.queue, []);
  var seq = Math.max(Number(localStorage.getItem(K.seq) || 0), Number(root.dataset.maxSeq || 0));

  function cards() { return Array.prototype.slice.call(root.querySelectorAll("article.aspect")); }
  function cardFor(competitor, aspect) {
    return root.querySelector('section[data-competitor="' + competitor + '"] article[data-aspect="' + aspect + '"]');
  }
  function competitorOf(card) { return Number(card.closest("section.station").dataset.competitor); }
  function fmt(text, values) { return text.replace(/\{(\w)\}/g, function (_m, k) { return values[k]; }); }

  function describe(card) {
    var d = card.dataset;
    if (d.pending === "1") return msg.unsaved;
    if (d.note) return d.note;
    if (d.status === "revote" || (d.revote === "1" && !d.value)) return fmt(msg.revote, { r: d.round });
    if (!d.value) return msg.missing;
    if (d.status === "incomplete") return fmt(msg.incomplete, { n: d.scored, m: d.needed });
    return msg[d.status] || msg.done;
  }
  function show(card) {
    var d = card.dataset;
    card.querySelectorAll(".score-btn").forEach(function (b) { b.classList.toggle("chosen", b.dataset.score === d.value); });
    var input = card.querySelector("input.reading");
    if (input && document.activeElement !== input) input.value = d.value || "";
    var state = card.querySelector(".save-state");
    state.textContent = describe(card);
    card.classList.toggle("is-pending", d.pending === "1");
    card.classList.toggle("is-done", !!d.value && d.pending !== "1" && d.status === "done");
    card.classList.toggle("is-alert", d.status === "disagree" || (d.revote === "1" && !d.value) || !!d.note);
    progress();
  }
  function progress() {
    root.querySelectorAll("section.station").forEach(function (section) {
      var all = section.querySelectorAll("article.aspect");
      var done = Array.prototype.filter.call(all, function (c) { return !!c.dataset.value; }).length;
      var label = root.querySelector('.progress-text[data-station="' + section.dataset.competitor + '"]');
      if (label) label.textContent = done + "/" + all.length;
    });
  }
  function showNet() {
    var net = document.getElementById("net");
    net.textContent = navigator.onLine ? msg.online : msg.offline;
    net.className = "badge " + (navigator.onLine ? "ok" : "warn");
    document.getElementById("pending").textContent = queue.length ? fmt(msg.pending, { n: queue.length }) : "";
  }
  function notice(text) { var n = document.getElementById("notice"); n.textContent = text || ""; n.hidden = !text; }

  cards().forEach(function (card) { card.dataset.acked = card.dataset.value || ""; });
  // What this tablet knows that the page (possibly an older cached copy) does not: queued marks.
  queue.forEach(function (e) {
    var card = cardFor(e.competitor_id, e.aspect_id);
    if (card) { card.dataset.value = e.value; card.dataset.pending = "1"; }
  });
  cards().forEach(show);
  showNet();

  function record(card, value, reason) {
    seq += 1;
    localStorage.setItem(K.seq, String(seq));
    var entry = { seq: seq, competitor_id: competitorOf(card), aspect_id: Number(card.dataset.aspect), value: value,
      round: Number(card.dataset.round), reason: reason || "", device_id: device, client_at: new Date().toISOString() };
    queue.push(entry);
    store(K.queue, queue);
    card.dataset.value = value;
    card.dataset.pending = "1";
    delete card.dataset.note;
    show(card);
    showNet();
    flush();
  }

  // A new value for an aspect that already has one is a correction: it needs a reason first.
  function propose(card, value) {
    if (root.dataset.locked === "1") { notice(msg.locked); return; }
    var current = card.dataset.value;
    if (current === "" || current === undefined) { record(card, value, ""); return; }
    if (current === value) return;
    var box = card.querySelector(".reason");
    box.hidden = false;
    box.dataset.value = value;
    card.querySelectorAll(".score-btn").forEach(function (b) { b.classList.toggle("proposed", b.dataset.score === value); });
    box.querySelector(".reason-text").focus();
  }
  function closeReason(card) {
    var box = card.querySelector(".reason");
    box.hidden = true;
    box.querySelector(".reason-text").value = "";
    card.querySelectorAll(".score-btn").forEach(function (b) { b.classList.remove("proposed"); });
    show(card);
  }
  function readNumber(card) {
    var raw = card.querySelector("input.reading").value.trim().replace("，", ".").replace(",", ".");
    if (!/^-?\d+(\.\d{1,3})?$/.test(raw)) { card.dataset.note = msg.invalid; show(card); return null; }
    delete card.dataset.note;
    raw = raw.replace(/^(-?)0+(\d)/, "$1$2");  // the server's form: 012.50 -> 12.5, 12.0 -> 12
    return raw.indexOf(".") < 0 ? raw : raw.replace(/0+$/, "").replace(/\.$/, "");
  }

  root.addEventListener("click", function (ev) {
    var target = ev.target.closest("button");
    if (!target) return;
    var card = target.closest("article.aspect");
    if (target.classList.contains("station-tab")) {
      root.querySelectorAll(".station-tab").forEach(function (t) { t.classList.toggle("active", t === target); t.setAttribute("aria-pressed", t === target ? "true" : "false"); });
      root.querySelectorAll("section.station").forEach(function (s) { s.hidden = s.id !== target.dataset.target; });
      return;
    }
    if (!card) return;
    if (target.classList.contains("score-btn")) { propose(card, target.dataset.score); return; }
    if (target.classList.contains("save")) { var v = readNumber(card); if (v !== null) propose(card, v); return; }
    if (target.classList.contains("cancel")) { closeReason(card); return; }
    if (target.classList.contains("confirm")) {
      var box = card.querySelector(".reason");
      var reason = box.querySelector(".reason-text").value.trim();
      if (reason.length < 2) { box.querySelector(".reason-text").placeholder = msg.reason; box.querySelector(".reason-text").focus(); return; }
      var value = box.dataset.value;
      closeReason(card);
      record(card, value, reason);
    }
  });
  root.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.classList.contains("reading")) {
      ev.preventDefault();
      ev.target.closest("article.aspect").querySelector(".save").click();
    }
  });

  function api(url, method, body) {
    return fetch(url, { method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined });
  }
  function drop(entry) {
    queue = queue.filter(function (e) { return e.seq !== entry.seq; });
    store(K.queue, queue);
  }
  function settle(entry, body, note) {
    var card = cardFor(entry.competitor_id, entry.aspect_id);
    drop(entry);
    if (!card) return;
    var newer = queue.some(function (e) { return e.competitor_id === entry.competitor_id && e.aspect_id === entry.aspect_id; });
    if (newer) return;  // a later mark for the same aspect is still queued: it decides what the card shows
    card.dataset.pending = "0";
    if (note) card.dataset.note = note; else delete card.dataset.note;
    if (body) {
      card.dataset.status = body.status;
      card.dataset.acked = card.dataset.value;
      card.dataset.scored = body.scored;
      card.dataset.needed = body.needed;
      if (body.round !== Number(card.dataset.round)) {  // a re-vote opened: this round's value no longer counts
        card.dataset.round = body.round;
        card.dataset.value = "";
        card.dataset.acked = "";
        card.dataset.revote = "1";
      }
    }
    show(card);
  }
  // The tablet's seq counter fell behind the server (storage wiped, another tablet): continue above the server's.
  function renumber() {
    return api(root.dataset.sheetUrl, "GET").then(function (r) { return r.json(); }).then(function (sheet) {
      seq = Math.max(seq, sheet.max_seq);
      queue.forEach(function (e) { seq += 1; e.seq = seq; });
      localStorage.setItem(K.seq, String(seq));
      store(K.queue, queue);
    });
  }
  function sendOne(entry) {
    return api(root.dataset.markUrl, "POST", entry).then(function (resp) {
      return resp.json().then(function (body) {
        if (resp.ok) {
          var note = body.outcome === "stale_round" ? msg.stale : body.outcome === "locked" ? msg.locked : "";
          settle(entry, body, note);
          return;
        }
        if (resp.status === 409 && body.error === "seq_reused") return renumber().then(function () { throw new Error("retry"); });
        if (resp.status >= 400 && resp.status < 500 && resp.status !== 401 && resp.status !== 429) {
          settle(entry, null, body.message);  // refused for good (回避, bad value, no reason): never retried
          var card = cardFor(entry.competitor_id, entry.aspect_id);
          if (card) { card.dataset.value = card.dataset.acked || ""; show(card); }
          notice(body.message);
          return;
        }
        throw new Error(body.message || String(resp.status));
      });
    });
  }
  function flush() {
    if (flushing || !queue.length || !navigator.onLine) { showNet(); return Promise.resolve(); }
    flushing = true;
    var chain = Promise.resolve();
    queue.slice().sort(function (a, b) { return a.seq - b.seq; }).forEach(function (entry) {
      chain = chain.then(function () { return sendOne(entry); });
    });
    return chain.catch(function () { /* offline or retry: the queue stays on the tablet */ })
      .then(function () { flushing = false; showNet(); });
  }

  var sign = document.getElementById("sign-form");
  if (sign) sign.addEventListener("submit", function (ev) {
    if (!queue.length) return;
    ev.preventDefault();
    flush().then(function () { if (queue.length) notice(msg.wait); else sign.submit(); });
  });

  window.addEventListener("online", function () { showNet(); flush(); });
  window.addEventListener("offline", showNet);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(); });
  setInterval(flush, 5000);
  flush();

  // Keep this page and this script for a reload without network (the service worker serves saved copies).
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.ready.then(function (reg) {
      var css = document.querySelector('link[href*="competitions.css"]');
      var urls = [location.pathname, "/static/judge.js"].concat(css ? [css.getAttribute("href")] : []);
      if (reg.active) reg.active.postMessage({ type: "save-urls", key: "judge", urls: urls });
    });
  }
})();
