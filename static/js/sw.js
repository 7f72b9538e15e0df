// The field app's service worker (served by accounts.pwa.service_worker, which puts
// self.FIELD_CONFIG in front of this file). Pages: network first, the kept copy without a
// signal; static files: the kept copy first; API calls and uploads: never touched here (the
// offline queue in IndexedDB sends them, from the page or from Background Sync below).
/* global FIELD_CONFIG, FieldQueue */
const CONFIG = self.FIELD_CONFIG;
const SHELL = "ccms-shell-" + CONFIG.version;
const PAGES = "ccms-pages";
const STATIC = "ccms-static";
importScripts(...CONFIG.queueScripts);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await shell.addAll(CONFIG.assets);
    await keepPages([CONFIG.offline]);
    await self.skipWaiting();
  })());
});

async function keepPages(urls) {
  const pages = await caches.open(PAGES);
  for (const url of urls) {  // one at a time: the phone's pages come first
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok && !response.redirected) await pages.put(url, response);
    } catch (err) { /* kept the next time the page is opened */ }
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("ccms-shell-") && n !== SHELL)
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

function isPage(request) {
  return request.mode === "navigate" ||
    (request.headers.get("Accept") || "").includes("text/html");
}

async function pageFirstFromNetwork(request) {
  const pages = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && !response.redirected && type.startsWith("text/html")) {
      pages.put(request.url.split("#")[0], response.clone());
    }
    return response;
  } catch (err) {
    const kept = await pages.match(request, { ignoreVary: true }) ||
      await pages.match(new URL(request.url).pathname, { ignoreVary: true });
    return kept || await pages.match(CONFIG.offline) ||
      new Response("<h1>当前无网络</h1>", { status: 503,
        headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

async function staticFirstFromCache(request) {
  const kept = await caches.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) (await caches.open(STATIC)).put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/admin/") ||
      url.pathname === "/sw.js" || url.pathname.startsWith("/accounts/logout")) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFirstFromCache(request));
  } else if (isPage(request)) {
    event.respondWith(pageFirstFromNetwork(request));
  }
});

async function flushQueue() {
  // Only the signed-in person's drafts go out under that person's session.
  const me = await fetch(CONFIG.meUrl, { credentials: "same-origin",
    headers: { Accept: "application/json" } });
  if (!me.ok) return;
  const user = String((await me.json()).id);
  await FieldQueue.flush({ user });
  const clients = await self.clients.matchAll({ includeUncontrolled: true });
  clients.forEach((client) => client.postMessage({ type: "field-queue-changed" }));
}

self.addEventListener("sync", (event) => {
  if (event.tag === "field-queue") event.waitUntil(flushQueue());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "clear-pages") {
    event.waitUntil(caches.delete(PAGES));
  } else if (event.data && event.data.type === "keep-pages") {
    // Sent by a page once it has loaded, so keeping the role's lists never slows it down.
    event.waitUntil(caches.open(PAGES).then(async (pages) => {
      const missing = [];
      for (const url of CONFIG.pages) if (!(await pages.match(url))) missing.push(url);
      await keepPages(missing);
    }));
  }
});
