/* PrefabSkills service worker: app shell cache; lesson pages saved for offline reading by request. */
const SHELL = "shell-v7";  // bump whenever a file below changes: phones serve these from cache
const LESSONS = "lessons-v1";
const SHELL_URLS = ["/static/app.css", "/static/icon.svg", "/static/sw-register.js", "/static/exam.js", "/static/judge.js",
  "/static/competitions/competitions.css", "/offline"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(
      keys.filter((k) => k !== SHELL && k !== LESSONS).map((k) => caches.delete(k))
    )).then(() => self.clients.claim())
  );
});

// Pages ask us to save a list of URLs (a course's lessons and images) for offline reading.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "save-urls" && Array.isArray(data.urls)) {
    event.waitUntil(
      caches.open(LESSONS).then(async (cache) => {
        let saved = 0;
        for (const url of data.urls) {
          try {
            const resp = await fetch(url, { credentials: "same-origin" });
            if (resp.ok) { await cache.put(url, resp); saved += 1; }
          } catch (e) { /* keep going: a partial save still helps */ }
        }
        const clients = await self.clients.matchAll();
        clients.forEach((c) => c.postMessage({ type: "saved", key: data.key, saved, total: data.urls.length }));
      })
    );
  }
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET" || new URL(req.url).origin !== self.location.origin) return;
  const url = new URL(req.url);
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
    return;
  }
  if (req.mode === "navigate" || url.pathname.startsWith("/media/")) {
    // Network first; fall back to a saved copy, then to the offline page.
    event.respondWith(
      fetch(req).then((resp) => {
        if (resp.ok && req.mode === "navigate") {
          // Refresh pages the user saved (lessons, the exam page) so an offline reload shows the latest.
          const copy = resp.clone();
          caches.open(LESSONS).then((c) => c.keys().then((saved) => {
            // Saved copies may carry a query (?offline=1): refresh every one of the same page.
            const same = saved.filter((k) => new URL(k.url).pathname === url.pathname);
            return Promise.all(same.map((k) => c.put(k, copy.clone())));
          }));
        }
        return resp;
      }).catch(() => caches.match(req.url, { ignoreSearch: true })
        .then((hit) => hit || caches.match("/offline")))
    );
  }
});
