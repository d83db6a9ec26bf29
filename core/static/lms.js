/* Course and lesson pages: save a course for offline reading, and queue "mark as read" while offline.
   Loaded with defer; no inline script (CSP). Texts come from data-msg-* attributes (translated server-side). */
(function () {
  "use strict";
  var QUEUE = "lms-completions"; // [{lesson_id: 12}, ...]; an entry is dropped only after a 2xx

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE)) || []; } catch (e) { return []; }
  }
  function storeQueue(items) {
    try { localStorage.setItem(QUEUE, JSON.stringify(items)); } catch (e) { /* storage full or blocked */ }
  }
  function enqueue(id) {
    var items = loadQueue();
    if (!items.some(function (x) { return x.lesson_id === id; })) { items.push({ lesson_id: id }); }
    storeQueue(items);
  }
  function drop(id) {
    storeQueue(loadQueue().filter(function (x) { return x.lesson_id !== id; }));
  }

  // Resolves true on a 2xx, false on anything else (offline, server error, expired session).
  function sendCompletion(id) {
    return fetch("/api/v1/lessons/" + id + "/completion", {
      method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin"
    }).then(function (r) { return r.ok; }, function () { return false; });
  }

  var replaying = false;
  function replay() {
    if (replaying || !navigator.onLine) { return; }
    var items = loadQueue();
    if (!items.length) { return; }
    replaying = true;
    items.reduce(function (chain, item) {
      return chain.then(function () {
        return sendCompletion(item.lesson_id).then(function (ok) { if (ok) { drop(item.lesson_id); } });
      });
    }, Promise.resolve()).then(function () { replaying = false; });
  }

  function setupCompletion(form) {
    var id = Number(form.getAttribute("data-lesson-id"));
    var status = document.getElementById("complete-status");
    var doneMark = document.getElementById("lesson-done");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.querySelector("button").disabled = true;
      var attempt = navigator.onLine ? sendCompletion(id) : Promise.resolve(false);
      attempt.then(function (ok) {
        if (!ok) { enqueue(id); }
        status.textContent = form.getAttribute(ok ? "data-msg-done" : "data-msg-queued");
        form.hidden = true;
        doneMark.hidden = false;
      });
    });
  }

  function setupSave(box) {
    var button = document.getElementById("save-offline");
    var status = document.getElementById("save-status");
    var key = null;
    var pages = 0;
    var timer = null;
    function say(name, values) {
      var text = box.getAttribute("data-msg-" + name) || "";
      Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
      status.textContent = text;
    }
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type !== "saved" || data.key !== key) { return; }
      clearTimeout(timer);
      button.disabled = false;
      if (data.saved === data.total) { say("saved", { n: pages }); } else { say("partial", data); }
    });
    function fail() { clearTimeout(timer); button.disabled = false; say("failed"); }
    button.addEventListener("click", function () {
      button.disabled = true;
      say("saving");
      timer = setTimeout(fail, 120000); // no answer from the service worker: offer the button again
      fetch(box.getAttribute("data-manifest"), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (manifest) {
          key = manifest.key;
          pages = manifest.pages;
          return navigator.serviceWorker.ready.then(function (reg) {
            reg.active.postMessage({ type: "save-urls", key: manifest.key, urls: manifest.urls });
          });
        })
        .catch(fail);
    });
    box.hidden = false;
  }

  var form = document.getElementById("complete-form");
  if (form) { setupCompletion(form); }
  var box = document.getElementById("offline-save");
  if (box && "serviceWorker" in navigator && "caches" in window) { setupSave(box); }

  window.addEventListener("online", replay);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { replay(); }
  });
  replay();
})();
