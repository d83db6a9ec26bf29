/* Exam page: server-owned countdown, answers kept on the phone until the server acknowledges them.
 * Protocol (DESIGN.md §6): every change gets a per-attempt increasing seq and is written to localStorage
 * before it is sent; the server applies only newer seqs and acknowledges; we drop an entry once its seq
 * is acknowledged. Replays: on "online", on becoming visible, every 5 s, and before submitting. */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  var id = root.dataset.attempt;
  var msg = document.getElementById("t-msg").dataset;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var K = { local: "exam:" + id + ":local", seq: "exam:" + id + ":seq", device: "prefab:device" };
  var stopped = false, flushing = false, submitting = false, hiddenAt = null;
  var pausedLeft = null, clockHeardAt = 0;  // countdown held while paused; when the server last told us the clock

  function load(key, dflt) { try { return JSON.parse(localStorage.getItem(key)) || dflt; } catch (e) { return dflt; } }
  function store(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  var device = localStorage.getItem(K.device);
  if (!device) { device = "d" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); localStorage.setItem(K.device, device); }
  var local = load(K.local, {});

  // Countdown from the server's remaining seconds, measured with the monotonic clock (device time is ignored).
  var endMono = performance.now() + Number(root.dataset.remaining) * 1000;
  function resync(remaining) { if (typeof remaining === "number") endMono = performance.now() + remaining * 1000; }
  function tick() {
    var left = Math.max(0, Math.round((endMono - performance.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    document.getElementById("timer").textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0 && !submitting && !stopped) { notice(msg.closed); submit(false); }
  }

  var fields = Array.prototype.slice.call(document.querySelectorAll("fieldset.question"));
  var byId = {};
  fields.forEach(function (f) { byId[f.dataset.qid] = f; });
  var seq = Math.max(Number(localStorage.getItem(K.seq) || 0),
    fields.reduce(function (m, f) { return Math.max(m, Number(f.dataset.seq)); }, 0));

  function read(f) {
    var kind = f.dataset.kind, inputs = f.querySelectorAll("input, select");
    if (kind === "single") { var c = f.querySelector("input:checked"); return c ? c.value : null; }
    if (kind === "truefalse") { var t = f.querySelector("input:checked"); return t ? t.value === "true" : null; }
    if (kind === "multiple") { return Array.prototype.filter.call(inputs, function (i) { return i.checked; }).map(function (i) { return i.value; }); }
    if (kind === "ordering") { return Array.prototype.map.call(inputs, function (i) { return i.value; }); }
    var v = inputs[0].value.trim(); return v === "" ? null : v;
  }
  function write(f, r) {
    var kind = f.dataset.kind, inputs = f.querySelectorAll("input, select");
    Array.prototype.forEach.call(inputs, function (i, n) {
      if (kind === "single") i.checked = i.value === r;
      else if (kind === "truefalse") i.checked = (i.value === "true") === r && r !== null;
      else if (kind === "multiple") i.checked = Array.isArray(r) && r.indexOf(i.value) >= 0;
      else if (kind === "ordering") { if (Array.isArray(r) && r[n]) i.value = r[n]; }
      else i.value = r === null || r === undefined ? "" : r;
    });
  }
  function state(qid, text) { var p = byId[qid] && byId[qid].querySelector(".save-state"); if (p) p.textContent = text; }
  function notice(text) { var n = document.getElementById("notice"); n.textContent = text; n.hidden = !text; }
  function pendingCount() { return Object.keys(local).filter(function (q) { return !local[q].acked; }).length; }
  function showNet(online) {
    var net = document.getElementById("net");
    net.textContent = online ? msg.online : msg.offline;
    net.className = "badge " + (online ? "ok" : "warn");
    var n = pendingCount();
    document.getElementById("pending").textContent = n ? msg.pending.replace("{n}", n) : "";
  }

  // Restore what this phone knows that the page (possibly an older cached copy) does not.
  Object.keys(local).forEach(function (qid) {
    var f = byId[qid];
    if (f && local[qid].seq > Number(f.dataset.seq)) { write(f, local[qid].response); state(qid, local[qid].acked ? msg.saved : msg.unsaved); }
  });

  // Another tab on the same attempt shares this storage: count on from its seq and keep its queued answers,
  // or our next save would carry an old seq (acknowledged, never applied) and overwrite its entries.
  function merged(a, b) {
    var out = {};
    [a, b].forEach(function (m) {
      Object.keys(m).forEach(function (q) {
        var e = m[q], have = out[q];
        if (!have || e.seq > have.seq) out[q] = { response: e.response, seq: e.seq, acked: e.acked };
        else if (e.seq === have.seq && e.acked) have.acked = true;
      });
    });
    return out;
  }
  function incompleteOrder(f) {
    if (f.dataset.kind !== "ordering") return false;
    var values = Array.prototype.map.call(f.querySelectorAll("select"), function (i) { return i.value; });
    return values.indexOf("") >= 0 || values.some(function (v, n) { return values.indexOf(v) !== n; });
  }
  function record(f) {
    if (stopped) return;
    if (incompleteOrder(f)) { state(f.dataset.qid, msg.order); return; }  // saved once every place differs
    seq = Math.max(seq, Number(localStorage.getItem(K.seq) || 0)) + 1;
    localStorage.setItem(K.seq, String(seq));
    local = merged(load(K.local, {}), local);
    local[f.dataset.qid] = { response: read(f), seq: seq, acked: false };
    store(K.local, local);
    state(f.dataset.qid, msg.unsaved);
    showNet(navigator.onLine);
    flush();
  }
  var timers = {};
  fields.forEach(function (f) {
    f.addEventListener("change", function () { record(f); });
    f.addEventListener("input", function (e) {
      if (e.target.type !== "text") return;
      clearTimeout(timers[f.dataset.qid]);
      timers[f.dataset.qid] = setTimeout(function () { record(f); }, 500);
    });
  });

  function api(url, method, body) {
    return fetch(url, { method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined });
  }
  function saveOne(qid) {
    var entry = local[qid];
    var url = root.dataset.saveUrl.replace(/\/0$/, "/" + qid);
    state(qid, msg.saving);
    return api(url, "PUT", { response: entry.response, seq: entry.seq, device_id: device }).then(function (resp) {
      return resp.json().then(function (body) {
        if (resp.status === 409 && body.error === "device_superseded") { stopped = true; notice(msg.superseded); throw new Error("stop"); }
        if (!resp.ok) { state(qid, msg.unsaved); throw new Error(body.message || resp.status); }
        local = merged(load(K.local, {}), local);
        if (local[qid] && local[qid].seq <= body.seq) { local[qid].acked = true; store(K.local, local); }
        state(qid, msg.saved);
        resync(body.remaining_s);
        if (body.closed) { stopped = true; notice(msg.closed); checkClock(); return; }
        // A running exam's save reply carries what the clock poll would say: the next poll can wait.
        if (!body.paused) {
          clockHeardAt = Date.now();
          if (pausedLeft !== null) { pausedLeft = null; notice(""); }
        }
      });
    }).catch(function (err) {
      if (!stopped) state(qid, msg.unsaved);  // offline or refused: it stays queued on the phone
      throw err;
    });
  }
  function flush() {
    if (flushing || stopped) return Promise.resolve();
    var queue = Object.keys(local).filter(function (q) { return !local[q].acked; });
    if (!queue.length || !navigator.onLine) { showNet(navigator.onLine); return Promise.resolve(); }
    flushing = true;
    var chain = Promise.resolve();
    queue.forEach(function (qid) { chain = chain.then(function () { return saveOne(qid); }); });
    return chain.then(function () { showNet(true); }, function () { showNet(navigator.onLine && false); })
      .then(function () { flushing = false; });
  }

  function submit(ask) {
    if (submitting) return;
    if (ask && !window.confirm(msg.confirm)) return;
    submitting = true;
    flush().then(function () {
      if (pendingCount() && !stopped) { submitting = false; notice(msg.wait); return; }
      return api(root.dataset.submitUrl, "POST").then(function (resp) {
        if (resp.ok) { window.location.assign(root.dataset.resultUrl); } else { submitting = false; notice(msg.wait); }
      });
    }).catch(function () { submitting = false; notice(msg.wait); });
  }
  document.getElementById("submit").addEventListener("click", function () { submit(true); });

  window.addEventListener("storage", function (e) {  // the other tab answered: show it here too
    if (e.key !== K.local) return;
    var theirs = load(K.local, {});
    Object.keys(theirs).forEach(function (qid) {
      var mine = local[qid], t = theirs[qid];
      if (!byId[qid] || (mine && (t.seq < mine.seq || (t.seq === mine.seq && !t.acked)))) return;
      write(byId[qid], t.response); state(qid, t.acked ? msg.saved : msg.unsaved);
    });
    local = merged(theirs, local);
    showNet(navigator.onLine);
  });
  window.addEventListener("online", function () { showNet(true); flush(); });
  window.addEventListener("offline", function () { showNet(false); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { hiddenAt = Date.now(); return; }
    flush();
    if (hiddenAt) {
      var hidden = Math.round((Date.now() - hiddenAt) / 1000); hiddenAt = null;
      api(root.dataset.eventUrl, "POST", { kind: "focus_lost", hidden_s: hidden, device_id: device }).catch(function () {});
    }
  });
  setInterval(flush, 5000);
  setInterval(tick, 1000);
  tick();
  showNet(navigator.onLine);
  flush();

  // Keep this page for a reload without network (the service worker serves the saved copy).
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage({ type: "save-urls", key: "exam", urls: [location.pathname] });
    });
  }

  // Session pause, extra time and collection by the invigilator reach the phone within 10 s: poll the
  // attempt's clock, resynchronise the countdown, hold it still while paused, leave when submitted.
  // A save reply in the last 10 s stands in for the poll (it carries the remaining time and the pause flag):
  // a candidate who keeps answering sends one request per answer, not one more every 10 s.
  var clockUrl = root.dataset.submitUrl.replace(/\/submission$/, "") + "?view=clock";
  function applyClock(body) {
    if (body.status === "submitted") {
      stopped = true; notice(body.notice);
      setTimeout(function () { window.location.assign(root.dataset.resultUrl); }, 1500);
      return;
    }
    if (body.paused) { pausedLeft = body.remaining_s; notice(body.notice); }
    else if (pausedLeft !== null) { pausedLeft = null; notice(""); }
    resync(body.remaining_s);
  }
  function checkClock() {
    fetch(clockUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (body) { if (body) { clockHeardAt = Date.now(); applyClock(body); } })
      .catch(function () {});
  }
  function pollClock() {
    if (stopped || submitting || Date.now() - clockHeardAt < 9500) return;
    checkClock();
  }
  setInterval(pollClock, 10000);
  setInterval(function () { if (pausedLeft !== null) resync(pausedLeft); }, 500);
})();
