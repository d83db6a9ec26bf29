/* Invigilator console: refresh each candidate's status, last save and remaining time every 5 s from the
 * console's JSON endpoint. The page works without it (reload); actions are plain forms. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var d = root.dataset;
  var banner = document.getElementById("pause-banner");
  var updated = document.getElementById("console-updated");
  var wasPaused = !banner.hidden;

  function label(status) { return d["label" + status.replace(/(^|_)([a-z])/g, function (m, s, c) { return c.toUpperCase(); })] || status; }
  function clock(s) { var m = Math.floor(s / 60), r = s % 60; return m + ":" + (r < 10 ? "0" : "") + r; }
  function set(row, field, text) { var el = row.querySelector('[data-field="' + field + '"]'); if (el && el.firstChild !== null) el.firstChild.textContent = text; else if (el) el.textContent = text; }

  function apply(body) {
    if (body.paused !== wasPaused) { window.location.reload(); return; }  // the action bar changes too
    banner.hidden = !body.paused;
    Object.keys(body.counts).concat(["not_arrived", "present", "in_progress", "offline", "submitted"]).forEach(function (k) {
      var el = root.querySelector('[data-count="' + k + '"]');
      if (el) el.textContent = body.counts[k] || 0;
    });
    body.rows.forEach(function (r) {
      var row = root.querySelector('tr[data-reg="' + r.registration_id + '"]');
      if (!row) return;
      row.className = "st-" + r.status;
      var badge = row.querySelector('[data-field="status"]');
      badge.className = "badge st-" + r.status;
      badge.textContent = label(r.status);
      row.querySelector('[data-field="saved"]').textContent =
        r.last_save_s === null ? "" : d.saved.replace("%(n)s", r.last_save_s);
      set(row, "remaining", r.remaining_s === null ? "—" : clock(r.remaining_s));
    });
    updated.textContent = new Date().toLocaleTimeString();
  }
  function poll() {
    fetch(d.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) { if (!resp.ok) throw new Error(resp.status); return resp.json(); })
      .then(apply)
      .catch(function () { updated.textContent = d.error; });
  }
  window.setInterval(poll, 5000);
})();
