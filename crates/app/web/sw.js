// Broadsheet's service worker, written by `broadsheet build` for one build.
//
// * install: caches the app shell and the search index (PRECACHE), so that
//   the site opens and searches with the network gone; for a large index,
//   only the first listing screen's piece, a byte range (PRECACHE_RANGES,
//   which also holds a small bundle's record tables: the viewer loads
//   them with its first query);
// * fetch: content-hashed files are immutable, so they are served from the
//   cache first and cached as they are read (shards, chunks); the few
//   files with fixed names (the page, manifest.bin) go to the network first
//   and fall back to the cache, so a new build is seen as soon as it is up;
//   articles and index pieces (shards, chunks) are byte ranges of body packs
//   and index files: served from a saved file, or kept one by one as they
//   are read (the Cache API refuses partial responses, so each is kept as a
//   whole response under its own key);
// * message "save": downloads every file of the build (listed in FILE_LIST)
//   with progress, for corpora too large to cache up front;
// * a new build has new hashes, so this script changes, the browser installs
//   the new worker, and the page tells the reader that new articles are
//   available; where the reader had saved the whole site, the new worker
//   saves what the new build changed as soon as a page asks for its status
//   (the files it still has are kept: since bundle format 11 that is every
//   pack but the newest).
"use strict";

const BUILD = "{{BUILD}}";
const PRECACHE = {{PRECACHE}};
// [path, first byte, last byte] of pieces to cache by range.
const PRECACHE_RANGES = {{PRECACHE_RANGES}};
const FILE_LIST = "{{FILE_LIST}}";
const TOTAL_BYTES = {{TOTAL_BYTES}};
const TOTAL_FILES = {{TOTAL_FILES}};

const CACHE = "broadsheet:" + self.registration.scope;
const SAVED_PREFIX = new URL("__broadsheet_saved__/", self.registration.scope).href;
const SAVED = SAVED_PREFIX + BUILD;
// Kept while an earlier build was saved whole and this one is not yet.
const EARLIER = SAVED_PREFIX + "earlier";
// How long a network-first request waits before the cached copy is used.
const NETWORK_TIMEOUT_MS = 4000;
const SAVE_CONCURRENCY = 4;

const scoped = (path) => new URL(path, self.registration.scope).href;
// The cache key of bytes first..=last of a file, kept as a whole response.
const rangeKey = (url, first, last) => `${url}?bytes=${first}-${last}`;
const HASHED = /-[0-9a-f]{16}\.[a-z]+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) =>
        Promise.all([
          cache.addAll(PRECACHE.map(scoped)),
          ...PRECACHE_RANGES.map(([path, start, end]) => keepRange(cache, scoped(path), start, end)),
        ]),
      )
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(prune().catch(() => {}).then(() => self.clients.claim()));
});

// Drops cached files that this build no longer has. Everything else stays:
// an article read under the previous build is still here if its pack did
// not change. An earlier build's mark that it was saved whole becomes
// EARLIER: the reader asked for the whole site, so this build's is saved
// too (see `status`).
async function prune() {
  const keep = new Set(PRECACHE.map(scoped));
  const list = await fileList();
  for (const [path] of list) keep.add(scoped(path));
  const cache = await caches.open(CACHE);
  for (const request of await cache.keys()) {
    const url = request.url;
    if (url === SAVED || url === EARLIER) continue;
    if (url.startsWith(SAVED_PREFIX)) await cache.put(EARLIER, new Response(""));
    // A piece kept alone is `FILE?bytes=a-b`: it goes with its file.
    const file = url.split("?bytes=")[0];
    if (!keep.has(file)) await cache.delete(request);
  }
}

async function fileList() {
  const cache = await caches.open(CACHE);
  const url = scoped(FILE_LIST);
  let response = await cache.match(url);
  if (!response) {
    response = await fetch(url);
    if (!response.ok) throw new Error(`${FILE_LIST}: HTTP ${response.status}`);
    await cache.put(url, response.clone());
  }
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(space + 1), Number(line.slice(0, space))];
    });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(self.registration.scope)) return;
  const url = new URL(request.url);
  const range = request.headers.get("range");
  if (range && HASHED.test(url.pathname)) {
    event.respondWith(ranged(event, range));
  } else if (HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(event));
  } else {
    event.respondWith(networkFirst(event));
  }
});

// Keeps `response` under `key` once the fetch `event` is answered, not
// before: no answer waits for a write to the disk (a query of new words at
// 100,000 articles, with this worker in control, took 107 and 118 ms
// against 117 and 132 ms, medians of five alternating runs, twice), and a
// cache that cannot take it (the browser has no room) costs the reader
// nothing but the copy: the write used to fail the answer.
function keep(event, cache, key, response) {
  event.waitUntil(cache.put(key, response).catch(() => {}));
}

async function cacheFirst(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) keep(event, cache, request, response.clone());
  return response;
}

// A byte range (`bytes=a-b`, as the viewer asks) of an immutable file.
async function ranged(event, range) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const m = /^bytes=(\d+)-(\d+)$/.exec(range);
  if (!m) return fetch(request);
  const [start, end] = [Number(m[1]), Number(m[2]) + 1];
  const partial = (body, size) =>
    new Response(body, {
      status: 206,
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Range": `bytes ${start}-${end - 1}/${size}`,
      },
    });
  const key = rangeKey(request.url, start, end - 1);
  // Looked up together: a saved file, or the range kept alone.
  const [whole, kept] = await Promise.all([
    cache.match(request.url, { ignoreVary: true }),
    cache.match(key, { ignoreVary: true }),
  ]);
  if (whole) {
    // A slice of the stored body, not the whole file read into memory for
    // each range: a saved pack is about a megabyte, and a page of results
    // reads ten ranges of it (seven ranges of a 500 KB pack: 11-14 ms like
    // this, 20-23 ms reading it whole).
    const blob = await whole.blob();
    return partial(blob.slice(start, end), blob.size);
  }
  if (kept) return partial(await kept.arrayBuffer(), "*");
  const response = await fetch(request);
  // A whole response (200) of the range's bytes: the Cache API refuses a
  // partial one.
  if (response.status === 206) keep(event, cache, key, new Response(response.clone().body));
  return response;
}

// Fetches bytes start..=end of an immutable file and keeps them under the
// key `ranged` looks them up by (or the whole file, from a host that
// ignores ranges: `ranged` cuts it).
async function keepRange(cache, url, start, end) {
  // Past the HTTP cache, which lets one request at a time through to a URL
  // (see fetch_once in data.rs): the ranges are kept here instead.
  const response = await fetch(url, {
    headers: { Range: `bytes=${start}-${end}` },
    cache: "no-store",
  });
  if (response.status === 206) {
    await cache.put(rangeKey(url, start, end), new Response(await response.arrayBuffer()));
  } else if (response.ok) {
    await cache.put(url, response);
  } else {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
}

async function networkFirst(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  // The page is cached under the scope URL ("./"); "index.html" is the same.
  const key = request.mode === "navigate" ? scoped("./") : request.url;
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) keep(event, cache, key, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(key, { ignoreSearch: true, ignoreVary: true });
    if (hit) return hit;
    throw error;
  }
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("network timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

self.addEventListener("message", (event) => {
  const reply = (message) => event.source && event.source.postMessage(message);
  const type = event.data && event.data.type;
  if (type === "status") {
    // A site saved whole under an earlier build is saved again, unasked
    // (unless the browser asks to save data: then the footer offers it):
    // the reader sees the progress, and then that all is saved.
    const saveData = Boolean(self.navigator.connection && self.navigator.connection.saveData);
    event.waitUntil(status().then((s) => (reply(s), s.earlier && !saveData ? save() : null)));
  } else if (type === "save") {
    event.waitUntil(save());
  }
});

async function status() {
  const cache = await caches.open(CACHE);
  const saved = Boolean(await cache.match(SAVED));
  const earlier = !saved && Boolean(await cache.match(EARLIER));
  return { type: "status", build: BUILD, bytes: TOTAL_BYTES, files: TOTAL_FILES, saved, earlier };
}

// The save under way, if any: a second request (a second tab, a status
// that saves again while the reader clicks "Save") joins it.
let saving = null;

// Saves every file, telling every page of the site how it goes.
function save() {
  saving ??= saveAll(broadcast)
    .then(
      () => broadcast({ type: "saved", bytes: TOTAL_BYTES }),
      async (error) => {
        // Not tried again unasked: a browser without room for the site
        // would have each visit download what it then cannot keep. The
        // footer says why, and offers to try again.
        await (await caches.open(CACHE)).delete(EARLIER);
        await broadcast({ type: "error", message: String(error && error.message || error) });
      },
    )
    .finally(() => {
      saving = null;
    });
  return saving;
}

async function broadcast(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

// `3.9 GB` or `12.3 MB`, as the page shows sizes of a megabyte and more.
const sizeText = (bytes) =>
  bytes >= 1023.95 * 1048576
    ? `${(bytes / 1073741824).toFixed(1)} GB`
    : `${(bytes / 1048576).toFixed(1)} MB`;

// Fetches every file of the build that is not cached yet, a few at a time,
// reporting the bytes done so far.
async function saveAll(reply) {
  const cache = await caches.open(CACHE);
  const list = await fileList();
  let done = 0;
  let next = 0;
  // One message per percent, not per file: a million-article site has
  // thousands of files.
  let reported = -1;
  const report = () => {
    const percent = Math.floor((done / Math.max(TOTAL_BYTES, 1)) * 100);
    if (percent !== reported) {
      reported = percent;
      reply({ type: "progress", done, total: TOTAL_BYTES });
    }
  };
  report();
  const worker = async () => {
    while (next < list.length) {
      const [path, size] = list[next++];
      const url = scoped(path);
      if (!(await cache.match(url))) {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        await cache.put(url, response).catch((error) => {
          if (error && error.name === "QuotaExceededError") {
            throw new Error(
              `the browser has no room for the whole site (${sizeText(TOTAL_BYTES)}); ` +
                "what was saved so far stays saved",
            );
          }
          throw error;
        });
      }
      done += size;
      report();
    }
  };
  await Promise.all(Array.from({ length: SAVE_CONCURRENCY }, worker));
  await cache.put(SAVED, new Response(BUILD));
  await cache.delete(EARLIER);
}
