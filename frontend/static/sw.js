// Service worker of the judge tablet. Served at /sw.js (frontend/pages_tablet.py writes the
// version in) and registered with the scope /tablet, so it controls the tablet page only.
//  - static assets (/static/…): cache first, fetched once per version;
//  - the page (/tablet) and the assignments (/api/judge/assignments): network first, with a
//    short timeout, falling back to the last good copy, so the page reloads without the network.
// Marks never go through here: they go over the websocket and wait in IndexedDB (tablet.js).

const VERSION = "__TABLET_VERSION__";
const STATIC_CACHE = `tablet-static-${VERSION}`;
const DATA_CACHE = "tablet-data";
const ASSETS = ["/static/tablet.js", "/static/icons.js", "/static/live_socket.js", "/static/tablet.css", "/static/app.css", "/static/app.js", "/static/manifest.webmanifest"];
const PAGE = "/tablet";
const API = "/api/judge/assignments";
const NETWORK_TIMEOUT_MS = 4000;

function cacheable(res) {
  return res && res.ok && res.type === "basic" && !res.redirected;
}

async function fetchInto(cache, url) {
  try {
    const res = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: url === API ? { Accept: "application/json" } : {} });
    if (cacheable(res)) await cache.put(url, res);
  } catch (e) { /* offline while installing: the page's own fetches fill the cache later */ }
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const assets = await caches.open(STATIC_CACHE);
    // cache: "reload" skips the browser's HTTP cache, which may still hold the previous version.
    await assets.addAll(ASSETS.map((url) => new Request(url, { cache: "reload" })));
    const data = await caches.open(DATA_CACHE);
    await Promise.all([fetchInto(data, PAGE), fetchInto(data, API)]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("tablet-static-") && name !== STATIC_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

function fromCache(res) {
  // Mark what the cache answered, so the page can say its data may be old.
  const headers = new Headers(res.headers);
  headers.set("X-Tablet-Cache", "hit");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function networkFirst(event, key) {
  const cache = await caches.open(DATA_CACHE);
  const network = fetch(event.request).then(async (res) => {
    if (cacheable(res)) {
      await cache.put(key, res.clone());
    } else if (res.status === 401 || res.status === 403 || res.type === "opaqueredirect") {
      await cache.delete(key); // signed out: keep nothing of that session
    }
    return res;
  });
  event.waitUntil(network.catch(() => {}));
  try {
    return await withTimeout(network, NETWORK_TIMEOUT_MS);
  } catch (err) {
    const hit = await cache.match(key, { ignoreVary: true });
    if (hit) return fromCache(hit);
    return network; // nothing cached: the network's own answer or error, however late
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  const res = await fetch(request);
  if (cacheable(res)) await cache.put(request, res.clone());
  return res;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(networkFirst(event, PAGE));
  } else if (url.pathname === API) {
    event.respondWith(networkFirst(event, API));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  }
});

self.addEventListener("message", (event) => {
  const msg = event.data || {};
  const reply = (body) => event.ports[0] && event.ports[0].postMessage(body);
  if (msg.type === "status") {
    event.waitUntil((async () => {
      const assets = await caches.open(STATIC_CACHE);
      const data = await caches.open(DATA_CACHE);
      const have = await Promise.all(ASSETS.map((a) => assets.match(a, { ignoreVary: true })));
      reply({
        version: VERSION,
        assets: have.every(Boolean),
        page: Boolean(await data.match(PAGE, { ignoreVary: true })),
        api: Boolean(await data.match(API, { ignoreVary: true })),
      });
    })());
  } else if (msg.type === "purge") {
    // Logging out: forget this judge's page and assignments (queued marks stay in IndexedDB).
    event.waitUntil(caches.delete(DATA_CACHE).then(() => reply({ purged: true })));
  }
});
