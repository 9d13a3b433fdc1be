//! Browser end-to-end tests: the seed site, really built and served by
//! `broadsheet serve`, driven in real headless Chromium through ChromeDriver
//! (Debian's `chromium` and `chromium-driver`; nothing is downloaded).

mod common;

use common::*;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

/// A served site, a ChromeDriver and a WebDriver session; all stopped on drop.
struct Browser {
    client: Client,
    base: String,
    site: std::path::PathBuf,
    server: Option<KillOnDrop>,
    _driver: broadsheet_bench::chromium::Driver,
    _tmp: tempfile::TempDir,
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `broadsheet serve` on a free port; returns the URL it prints.
fn serve(input: &std::path::Path, out: &std::path::Path, args: &[&str]) -> (KillOnDrop, String) {
    let mut child = bin()
        .arg("serve")
        .arg(input)
        .arg("--out")
        .arg(out)
        .arg("--port")
        .arg("0")
        .arg("--quiet")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("broadsheet serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("serve printed no URL: {line:?}"))
        .to_string();
    (KillOnDrop(child), url)
}

impl Browser {
    async fn start() -> Browser {
        Browser::start_with(&seeds()).await
    }

    async fn start_with(input: &std::path::Path) -> Browser {
        Browser::start_built(input, &[]).await
    }

    /// A browser on the site of `input`, built with `args` too.
    async fn start_built(input: &std::path::Path, args: &[&str]) -> Browser {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        let (server, base) = serve(input, &site, args);
        Browser::launch(tmp, Some(server), base, site).await
    }

    /// A browser for pages served some other way (or none: `file://`).
    async fn launch(
        tmp: tempfile::TempDir,
        server: Option<KillOnDrop>,
        base: String,
        site: std::path::PathBuf,
    ) -> Browser {
        let profile = tmp.path().join("profile");
        let (client, driver) = broadsheet_bench::chromium::session(&profile)
            .await
            .expect("a WebDriver session in headless Chromium");
        Browser {
            client,
            base,
            site,
            server,
            _driver: driver,
            _tmp: tmp,
        }
    }

    /// Stops the server: from now on the network is gone.
    fn stop_server(&mut self) {
        self.server.take();
    }

    /// Runs `script` (a function body) in the page and returns its value.
    async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    async fn goto(&self, hash: &str) {
        self.client
            .goto(&format!("{}{hash}", self.base))
            .await
            .unwrap();
    }

    /// Polls `f` until it returns `Some`, failing after [`TIMEOUT`].
    async fn wait<T, F, Fut>(&self, what: &str, mut f: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let started = Instant::now();
        loop {
            if let Some(v) = f().await {
                return v;
            }
            if started.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
        {
            out.push(e.text().await.unwrap_or_default());
        }
        out
    }

    /// Presses and releases `key` as the keyboard does, to whatever has
    /// the focus (the page itself when nothing has).
    async fn press(&self, key: char) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client.perform_actions(keys).await.unwrap();
    }

    /// Whether the element with the focus matches `css` (`body` when
    /// nothing has it).
    async fn focused(&self, css: &str) -> bool {
        let script = "const e = document.activeElement; return !!e && e.matches(arguments[0])";
        self.client.execute(script, vec![json!(css)]).await.unwrap() == json!(true)
    }

    /// Clicks the first element `css` selects.
    async fn click(&self, css: &str) {
        let e = self.client.find(Locator::Css(css)).await;
        let e = e.unwrap_or_else(|e| panic!("{css}: {e}"));
        e.click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Waits for the footer to say every article is saved for offline
    /// reading.
    async fn all_saved(&self) {
        self.wait("everything saved", || async {
            let t = self.texts(".offline-state.saved").await.join("");
            t.contains("All articles are saved").then_some(())
        })
        .await
    }

    async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let e = self.client.find(Locator::Css(css)).await.ok()?;
        e.attr(name).await.ok().flatten()
    }

    /// Result titles once the list shows `n` results.
    async fn titles_when(&self, n: usize) -> Vec<String> {
        self.wait(&format!("{n} results"), || async {
            let t = self.texts("li.result a.title").await;
            (t.len() == n).then_some(t)
        })
        .await
    }

    /// The result slugs on screen for a query typed into the search box.
    async fn slugs_for(&self, query: &str, expected: usize) -> Vec<String> {
        let input = self
            .client
            .find(Locator::Css("input[type=search]"))
            .await
            .unwrap();
        input.clear().await.unwrap();
        input.send_keys(query).await.unwrap();
        let heading = if expected == 1 {
            "1 result".to_string()
        } else {
            format!("{expected} results")
        };
        self.wait(&format!("{heading} for {query:?}"), || async {
            // The heading is upper-cased by CSS; WebDriver reports rendered text.
            let count = self.texts("h2.count").await.join("").to_lowercase();
            let links = self
                .client
                .find_all(Locator::Css("li.result a.title"))
                .await
                .ok()?;
            if !count.starts_with(&heading)
                || !count.contains(&query.trim().to_lowercase())
                || links.len() != expected
            {
                return None;
            }
            let mut slugs = Vec::new();
            for l in links {
                let href = l.attr("href").await.ok()??;
                let slug = href
                    .trim_start_matches("#/a/")
                    .split('?')
                    .next()
                    .unwrap_or("");
                slugs.push(slug.to_string());
            }
            Some(slugs)
        })
        .await
    }
}

const NOISE: [&str; 10] = [
    "Kommentar (",
    "Komentarz (",
    "Reactie (",
    "No data",
    "No videos",
    "Vietnam.vn -",
    "Gleiches Thema",
    "In hetzelfde onderwerp",
    "![",
    "Quelle:",
];

#[tokio::test(flavor = "multi_thread")]
async fn home_lists_the_five_seed_articles_newest_first() {
    let b = Browser::start().await;
    b.goto("#/").await;
    let titles = b.titles_when(5).await;
    assert!(
        titles[0].starts_with("Bac Ninh"),
        "newest (16/10/2025) first: {titles:?}"
    );
    assert!(titles[1].starts_with("Generalsekretär"), "{titles:?}");
    for t in &titles {
        assert!(!t.is_empty());
        for n in NOISE {
            assert!(!t.contains(n), "noise {n:?} in title {t:?}");
        }
    }
    let langs: Vec<String> = {
        let mut v = Vec::new();
        for e in b.client.find_all(Locator::Css("li.result")).await.unwrap() {
            v.push(e.attr("lang").await.unwrap().unwrap());
        }
        v.sort();
        v
    };
    assert_eq!(langs, ["de", "de", "nl", "pl", "vi"]);
    let dates = b.texts("li.result time").await;
    assert_eq!(dates, ["2025-10-16", "2025-07-02"]);
    // Newest first is the only order without words to rank by: no sort
    // order is offered (looked for once the facet chips, which come after
    // the list, are in), until there are words.
    b.wait("the language chips", || async {
        (!b.texts("button.chip[data-facet=lang]").await.is_empty()).then_some(())
    })
    .await;
    assert!(b.texts("select").await.is_empty(), "a sort order offered");
    let found = search_json(&b.site, "Wissenschaft")["total"]
        .as_u64()
        .unwrap();
    b.slugs_for("Wissenschaft", found as usize).await;
    b.wait("the sort order", || async {
        (b.texts("select").await.len() == 1).then_some(())
    })
    .await;
    b.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_article_reads_cleanly() {
    let b = Browser::start().await;
    let listing = search_json(&b.site, "");
    for hit in listing["hits"].as_array().unwrap() {
        let slug = hit["slug"].as_str().unwrap();
        b.goto(&format!("#/a/{slug}")).await;
        let h1 = b
            .wait(&format!("article {slug}"), || async {
                let t = b.texts("article h1").await;
                t.into_iter().next().filter(|t| !t.is_empty())
            })
            .await;
        assert_eq!(h1, hit["title"].as_str().unwrap());
        assert_eq!(
            b.attr("article", "lang").await.as_deref(),
            hit["lang"].as_str()
        );
        let paragraphs = b.texts("article p").await;
        assert!(
            paragraphs.len() >= 5,
            "{slug}: {} paragraphs",
            paragraphs.len()
        );
        let mut seen = std::collections::HashSet::new();
        for p in b.texts("article > p:not(.byline)").await {
            for n in NOISE {
                assert!(!p.contains(n), "{slug}: noise {n:?} in {p:?}");
            }
            assert!(seen.insert(p.clone()), "{slug}: repeated paragraph {p:?}");
        }
    }
    // The dated German article: time element, publisher, figures, safe source link.
    b.goto("#/a/generalsekretar-an-lam-wissenschaft-technologie-und-innovation")
        .await;
    b.wait("article", || async {
        (!b.texts("article h1").await.is_empty()).then_some(())
    })
    .await;
    assert_eq!(
        b.attr("article time", "datetime").await.as_deref(),
        Some("2025-07-02")
    );
    assert!(b.texts("article .byline").await[0].contains("VietnamPlus"));
    let captions = b.texts("article figure figcaption").await;
    assert_eq!(captions.len(), 3, "{captions:?}");
    assert!(captions[0].contains("To Lam spricht"));
    assert_eq!(b.texts("article h2").await.len(), 2);
    assert_eq!(
        b.attr("a.source", "rel").await.as_deref(),
        Some("noopener noreferrer")
    );
    assert!(b
        .attr("a.source", "href")
        .await
        .unwrap()
        .starts_with("https://www.vietnamplus.vn/"));
    b.client.close().await.unwrap();
}

/// The engine's data (index files' pieces, packs' articles) in the page's own
/// resource timeline, ranges included, one entry per request: a dedicated
/// worker's fetches are in the worker's timeline, not the page's.
async fn fetched_on_the_page(b: &Browser) -> Vec<String> {
    let fetched = b
        .js("return performance.getEntriesByType('resource').map((e) => e.name)")
        .await;
    let fetched: Vec<String> = serde_json::from_value(fetched).unwrap();
    assert!(
        fetched
            .iter()
            .any(|u| u.contains("/app-") && u.ends_with(".wasm")),
        "the page's own resources are listed: {fetched:?}"
    );
    fetched
        .into_iter()
        .filter(|u| {
            ["/data/index-", "/data/pack-"]
                .iter()
                .any(|p| u.contains(p))
        })
        .collect()
}

/// The page answers the first query itself (a worker would cost a cold load
/// its start), then hands over to a Web Worker: every later query, list and
/// article is fetched, decoded and ranked there, never on the thread that
/// handles typing.
#[tokio::test(flavor = "multi_thread")]
async fn after_the_first_answer_searching_runs_in_a_web_worker() {
    let b = Browser::start().await;
    b.goto("#/?q=Bac%20Ninh").await;
    let titles = b.titles_when(1).await;
    assert!(titles[0].starts_with("Bac Ninh"), "{titles:?}");
    let first = fetched_on_the_page(&b).await;
    assert!(
        ["/data/index-", "/data/pack-"]
            .iter()
            .all(|p| first.iter().any(|u| u.contains(p))),
        "the first query ran on the page: {first:?}"
    );
    let worker = b
        .wait("the search worker to take over", || async {
            mark_time(&b, "broadsheet:worker").await
        })
        .await;
    let results = mark_time(&b, "broadsheet:results").await.unwrap();
    assert!(
        worker > results,
        "the worker took over after the first answer"
    );

    // Every article (four records the page never loaded), the home list and
    // queries over other shards: all in the worker.
    let slugs = listed_slugs(&b).await;
    for slug in &slugs {
        reads(&b, slug).await;
    }
    b.goto("#/").await;
    b.titles_when(5).await;
    let found = b.slugs_for("Komisji Propagandy", 1).await;
    assert!(found[0].starts_with("w-sklad-delegacji"), "{found:?}");
    let after = fetched_on_the_page(&b).await;
    assert_eq!(
        after, first,
        "fetched on the page after the worker took over"
    );
    b.client.close().await.unwrap();
}

/// When a mark was set on the page, in milliseconds since it opened.
async fn mark_time(b: &Browser, name: &str) -> Option<f64> {
    let at = b
        .js(&format!(
            "const m = performance.getEntriesByName('{name}'); return m.length ? m[0].startTime : null;"
        ))
        .await;
    at.as_f64()
}

/// Asserts that the search worker took over before the first results were
/// on screen: it answered `what`, the page's first list.
async fn assert_worker_answered_first(b: &Browser, what: &str) {
    let worker = mark_time(b, "broadsheet:worker").await;
    let results = mark_time(b, "broadsheet:results").await;
    assert!(
        matches!((worker, results), (Some(w), Some(r)) if w < r),
        "{what}, from the worker: taken over at {worker:?}, results at {results:?}"
    );
}

/// `n` short articles in one language, each word of the body drawn from a
/// small vocabulary (an LCG, so every run writes the same ones).
fn large_corpus(dir: &std::path::Path, n: usize) {
    const WORDS: [&str; 12] = [
        "Wissenschaft",
        "Technologie",
        "Umwelt",
        "Provinz",
        "Stahl",
        "Energie",
        "Forschung",
        "Innovation",
        "Wasser",
        "Bildung",
        "Verkehr",
        "Handel",
    ];
    let mut state: u64 = 7;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    for i in 0..n {
        let folder = dir.join(format!("{:02}", i / 1000));
        std::fs::create_dir_all(&folder).unwrap();
        let body: Vec<&str> = (0..25).map(|_| WORDS[next() % WORDS.len()]).collect();
        let text = format!(
            "Meldung {i} über {} und {}\n\nPresse {:02}/0{}/2024\n\n{}. Bericht Nummer {i}.\n",
            body[0],
            body[1],
            1 + i % 28,
            1 + i % 9,
            body.join(" ")
        );
        std::fs::write(folder.join(format!("{i:05}.txt")), text).unwrap();
    }
}

/// In a large bundle the search worker answers even the first query (the
/// page's first search would be its longest task, and a keystroke would
/// wait for it): the page fetches the query's index pieces while the worker
/// starts and hands them over as fetched; the worker ranks, and fetches the
/// results' articles. The answer is the CLI's, and so is the next one's; a
/// cold load of the home list is the worker's too.
#[tokio::test(flavor = "multi_thread")]
async fn a_large_bundles_first_query_is_answered_by_the_worker() {
    let corpus = tempfile::tempdir().unwrap();
    large_corpus(corpus.path(), 20_000);
    let b = Browser::start_built(corpus.path(), &["--languages", "de"]).await;
    let q = "Wissenschaft Technologie";
    b.goto("#/?q=Wissenschaft%20Technologie").await;
    b.titles_when(10).await;
    assert_worker_answered_first(&b, "the first query").await;
    let fetched = fetched_on_the_page(&b).await;
    assert!(
        fetched.iter().any(|u| u.contains("/data/index-")),
        "the page fetched the query's index pieces: {fetched:?}"
    );
    assert!(
        !fetched.iter().any(|u| u.contains("/data/pack-")),
        "the page fetched no articles: {fetched:?}"
    );

    let cli = search_json(&b.site, q);
    let expected: Vec<String> = cli["hits"].as_array().unwrap()[..10]
        .iter()
        .map(|h| h["slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown_slugs(&b).await, expected);

    // The next query, typed: the same worker answers it.
    let cli = search_json(&b.site, "Meldung 12345");
    assert_eq!(cli["hits"].as_array().unwrap().len(), 1);
    let found = b.slugs_for("Meldung 12345", 1).await;
    assert_eq!(found, [cli["hits"][0]["slug"].as_str().unwrap()]);

    // A cold load of the home list (no query to fetch for meanwhile): the
    // worker answers it too.
    b.goto("#/").await;
    b.client.refresh().await.unwrap();
    b.titles_when(10).await;
    assert_worker_answered_first(&b, "the home list").await;
    b.client.close().await.unwrap();
}

/// A mid-sized bundle's record tables (too many to fetch with its first
/// query, few enough to keep at hand) come in the background once the first
/// results are on screen, all in one range; a next query's article is then
/// one range away, no table fetched for it.
#[tokio::test(flavor = "multi_thread")]
async fn a_mid_sized_bundle_loads_its_record_tables_in_the_background() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, site) = (tmp.path().join("corpus"), tmp.path().join("site"));
    large_corpus(&corpus, 50_000);
    build_with(&corpus, &site, &["--languages", "de"]);
    let manifest = std::fs::read(site.join("data/manifest.bin")).unwrap();
    let engine = broadsheet_core::search::Engine::open(&manifest).unwrap();
    let background = broadsheet_core::search::batches(&engine.background());
    assert_eq!(
        background.len(),
        1,
        "the tables in the background: {background:?}"
    );
    let (start, end) = background[0].range.unwrap();
    let file = format!("/data/{}", background[0].file);
    let tables = format!("{file} bytes={start}-{}", end - 1);
    // Ranges of the tables' part of their file.
    let of_tables = |path: &str| {
        let Some(range) = path.strip_prefix(&format!("{file} bytes=")) else {
            return false;
        };
        let (a, b) = range.split_once('-').unwrap();
        let (a, b): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
        start <= a && b < end
    };
    let (base, log) = slow_range_server(site.clone(), Duration::ZERO).await;
    let b = Browser::launch(tmp, None, base, site).await;
    b.goto("#/?q=Wissenschaft%20Technologie").await;
    b.titles_when(10).await;
    let logged = || log.lock().unwrap().clone();
    let (_, asked, _) = b
        .wait("the record tables", || async {
            logged().into_iter().find(|(path, _, _)| *path == tables)
        })
        .await;
    // After the first results' articles were sent: nothing the first
    // results waited for.
    let articles: Vec<_> = (logged().into_iter())
        .filter(|(path, _, _)| path.starts_with("/data/pack-"))
        .collect();
    assert!(articles.len() >= 10, "{articles:?}");
    assert!(
        articles.iter().all(|(_, _, sent)| *sent < asked),
        "the tables asked for before the first results' articles were in"
    );

    let cli = search_json(&b.site, "Meldung 12345");
    assert_eq!(cli["hits"].as_array().unwrap().len(), 1);
    let found = b.slugs_for("Meldung 12345", 1).await;
    assert_eq!(found, [cli["hits"][0]["slug"].as_str().unwrap()]);
    let later: Vec<String> = (logged().into_iter())
        .filter(|(_, arrived, _)| *arrived > asked)
        .map(|(path, _, _)| path)
        .collect();
    assert!(
        later.iter().any(|p| p.starts_with("/data/pack-")),
        "the next query's article: {later:?}"
    );
    assert!(
        !later.iter().any(|p| of_tables(p)),
        "no table fetched after the background's: {later:?}"
    );
    b.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_searches_and_the_url_keeps_the_query() {
    let b = Browser::start().await;
    b.goto("#/").await;
    b.titles_when(5).await;
    let slugs = b.slugs_for("Bac Ninh", 1).await;
    assert!(slugs[0].starts_with("bac-ninh"));
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("/?q=Bac%20Ninh"));
    let marks = b.texts("li.result .snippet mark").await;
    assert!(marks.iter().any(|m| m == "Bac"), "{marks:?}");

    // Reload: the query comes back from the URL.
    b.client.refresh().await.unwrap();
    let titles = b.titles_when(1).await;
    assert!(titles[0].starts_with("Bac Ninh"));
    let value = b
        .client
        .find(Locator::Css("input[type=search]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some("Bac Ninh"));

    // Into an article and back.
    b.click("li.result a.title").await;
    b.wait("article", || async {
        (!b.texts("article h1").await.is_empty()).then_some(())
    })
    .await;
    b.client.back().await.unwrap();
    let titles = b.titles_when(1).await;
    assert!(titles[0].starts_with("Bac Ninh"));
    b.client.close().await.unwrap();
}

/// An article opened from a search keeps the search: its words in the
/// search box, and a link back to its results; one opened from the list
/// links back to all articles.
#[tokio::test(flavor = "multi_thread")]
async fn an_article_opened_from_a_search_links_back_to_its_results() {
    let b = Browser::start().await;
    b.goto("#/?q=Cao%20Bang").await;
    b.titles_when(3).await;
    let back = open_first_result(&b).await;
    assert_eq!(back, "← Results for “Cao Bang”");
    // The page's title names the screen, before the site's own.
    let h1 = b.texts("article h1").await.join("");
    assert_eq!(title(&b).await, format!("{h1} · Broadsheet"));
    assert_eq!(search_box(&b).await, "Cao Bang");
    b.click("p.back a").await;
    let heading = b
        .wait("the results again", || async {
            let h = b.texts("h2.count").await.join("").to_lowercase();
            (b.texts("li.result a.title").await.len() == 3).then_some(h)
        })
        .await;
    assert!(heading.contains("cao bang"), "{heading}");
    assert_eq!(title(&b).await, "Cao Bang · Broadsheet");

    // From the whole list: back to all articles, and an empty box.
    b.goto("#/").await;
    b.titles_when(5).await;
    let back = open_first_result(&b).await;
    assert_eq!(back, "← All articles");
    b.client.back().await.unwrap();
    b.titles_when(5).await;
    b.wait("the site's own title", || async {
        (title(&b).await == "Broadsheet").then_some(())
    })
    .await;
    assert_eq!(search_box(&b).await, "");
    b.client.close().await.unwrap();
}

/// An article the reader opens takes the focus at its heading, where
/// keyboard and screen-reader users go on from (the link they followed is
/// gone with the list); an article that is the page's first screen leaves
/// the focus with the page.
#[tokio::test(flavor = "multi_thread")]
async fn an_opened_article_takes_the_focus_at_its_heading() {
    let b = Browser::start().await;
    b.goto("#/a/bac-ninh-over-de-reis-van-het-vergroenen-van-de-ondersteunende?q=Bac%20Ninh")
        .await;
    b.wait("the article", || async {
        b.texts("article h1").await.first().cloned()
    })
    .await;
    b.wait("the highlighted words", || async {
        (!b.texts("article mark").await.is_empty()).then_some(())
    })
    .await;
    assert!(b.focused("body").await);

    b.click("p.back a").await;
    b.titles_when(1).await;
    open_first_result(&b).await;
    let heading = b
        .wait("the heading to take the focus", || async {
            let v = b
                .js("const e = document.activeElement; \
                     return e && e.matches('article h1') ? e.textContent : null")
                .await;
            v.as_str().map(str::to_string)
        })
        .await;
    assert_eq!(heading, b.texts("article h1").await.join(""));
    // Tab goes on from the heading: the article's source link is next.
    b.press(fantoccini::key::Key::Tab.into()).await;
    assert!(b.focused("a.source").await);
    b.client.close().await.unwrap();
}

/// `/` anywhere but in a text field goes to the search box (and types no
/// slash); in the box it is a slash like any other key. Enter (a phone's
/// "Search" key) puts the keyboard away: the box loses focus, the results
/// stay.
#[tokio::test(flavor = "multi_thread")]
async fn slash_goes_to_the_search_box_and_enter_leaves_it() {
    let b = Browser::start().await;
    b.goto("#/").await;
    b.titles_when(5).await;
    assert!(!b.focused("input[type=search]").await);
    b.press('/').await;
    assert!(
        b.focused("input[type=search]").await,
        "`/` did not go to the search box"
    );
    assert_eq!(search_box(&b).await, "");
    let input = b
        .client
        .find(Locator::Css("input[type=search]"))
        .await
        .unwrap();
    input.send_keys("Bac/").await.unwrap();
    assert_eq!(search_box(&b).await, "Bac/");
    input
        .send_keys(&format!(
            "{}{}",
            fantoccini::key::Key::Backspace,
            fantoccini::key::Key::Enter
        ))
        .await
        .unwrap();
    b.wait("the box left", || async {
        (!b.focused("input[type=search]").await).then_some(())
    })
    .await;
    assert_eq!(b.titles_when(2).await.len(), 2);
    assert_eq!(search_box(&b).await, "Bac");
    b.client.close().await.unwrap();
}

/// Opens the list's first result; the article's back link, once it is on
/// screen.
async fn open_first_result(b: &Browser) -> String {
    b.click("li.result a.title").await;
    b.wait("the back link", || async {
        b.texts("article h1").await.first()?;
        b.texts("p.back a").await.into_iter().next()
    })
    .await
}

/// What the search box holds.
async fn search_box(b: &Browser) -> String {
    let input = b
        .client
        .find(Locator::Css("input[type=search]"))
        .await
        .unwrap();
    input.prop("value").await.unwrap().unwrap_or_default()
}

/// The page's title (`document.title`).
async fn title(b: &Browser) -> String {
    b.js("return document.title")
        .await
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_and_cli_give_identical_results() {
    let b = Browser::start().await;
    b.goto("#/").await;
    b.titles_when(5).await;
    for q in [
        "Cao Bằng",
        "cao bang",
        "To Lam",
        "57-NQ/TW",
        "digital",
        "Huỳnh",
        "lang:de",
    ] {
        let cli = search_json(&b.site, q);
        let expected: Vec<String> = cli["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["slug"].as_str().unwrap().to_string())
            .collect();
        assert!(!expected.is_empty(), "{q:?} should find something");
        let shown = b.slugs_for(q, expected.len()).await;
        assert_eq!(shown, expected, "query {q:?}");
    }
    b.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn facets_and_sort_live_in_the_url() {
    let b = Browser::start().await;
    b.goto("#/?q=Cao%20Bang%20").await;
    b.titles_when(3).await;
    let mut langs = Vec::new();
    for chip in b
        .client
        .find_all(Locator::Css("button.chip[data-facet=lang]"))
        .await
        .unwrap()
    {
        let value = chip.attr("data-value").await.unwrap().unwrap();
        let count = chip
            .find(Locator::Css(".n"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        langs.push(format!("{value}:{count}"));
    }
    langs.sort();
    assert_eq!(langs, ["de:1", "pl:1", "vi:1"]);

    b.click("button.chip[data-value=pl]").await;
    let titles = b.titles_when(1).await;
    assert!(titles[0].starts_with("W skład"), "{titles:?}");
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("/?q=Cao%20Bang%20&lang=pl"));
    // Counts ignore the language filter: the other languages stay offered.
    assert_eq!(
        b.client
            .find_all(Locator::Css("button.chip[data-facet=lang]"))
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        b.attr("button.chip[data-value=pl]", "aria-pressed")
            .await
            .as_deref(),
        Some("true")
    );

    b.client.refresh().await.unwrap();
    b.titles_when(1).await;
    assert_eq!(
        b.attr("button.chip[data-value=pl]", "aria-pressed")
            .await
            .as_deref(),
        Some("true")
    );
    b.client.back().await.unwrap();
    b.titles_when(3).await;

    // Sort newest first: dated articles first, in date order.
    // Chosen at once, while the previous list (Cao Bang's) may still be on
    // screen: the order must apply to the words in the URL.
    b.goto("#/?q=Hanoi%20").await;
    b.client
        .find(Locator::Css("select"))
        .await
        .unwrap()
        .select_by_value("new")
        .await
        .unwrap();
    b.wait("sort=new in the URL", || async {
        let url = b.client.current_url().await.ok()?;
        url.fragment()
            .is_some_and(|f| f.ends_with("&sort=new"))
            .then_some(())
    })
    .await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("/?q=Hanoi%20&sort=new"));
    // The re-sorted list replaces the first one when it arrives.
    b.wait("dated articles first, in date order", || async {
        let t = b.texts("li.result a.title").await;
        (t.len() == 3 && t[0].starts_with("Bac Ninh") && t[1].starts_with("Generalsekretär"))
            .then_some(())
    })
    .await;
    b.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn article_view_highlights_the_query_and_scrolls_to_it() {
    let b = Browser::start().await;
    let expected = search_json(&b.site, "Datenbanken ");
    assert_eq!(
        expected["total"], 2,
        "Datenbanken and, by its stem, Datenbank"
    );
    b.goto("#/?q=Datenbanken%20").await;
    b.titles_when(2).await;
    b.client
        .find(Locator::Css(
            "li.result a.title[href^='#/a/generalsekretar']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let marks = b
        .wait("highlighted words", || async {
            let m = b.texts("article mark").await;
            (!m.is_empty()).then_some(m)
        })
        .await;
    assert!(
        marks.iter().all(|m| m.starts_with("Datenbank")),
        "{marks:?}"
    );
    assert!(marks.iter().any(|m| m == "Datenbanken"), "{marks:?}");
    let url = b.client.current_url().await.unwrap();
    assert!(url.fragment().unwrap().ends_with("?q=Datenbanken"), "{url}");
    b.wait("scroll to the first match", || async {
        let y = b
            .client
            .execute("return window.scrollY", vec![])
            .await
            .ok()?;
        (y.as_f64()? > 100.0).then_some(())
    })
    .await;
    // On screen, clear of the sticky header, with text above it.
    b.wait("the first match in the middle of the screen", || async {
        let at = b
            .js(
                "const m = document.querySelector('article mark').getBoundingClientRect(); \
                 const h = document.querySelector('header').getBoundingClientRect(); \
                 return [m.top, m.bottom, h.bottom, innerHeight];",
            )
            .await;
        let [top, bottom, header, height]: [f64; 4] = serde_json::from_value(at).ok()?;
        (top > header + 50.0 && bottom < height).then_some(())
    })
    .await;
    // The mark is a real element around text, not markup from the article.
    let html: String = b
        .client
        .execute(
            "return document.querySelector('article mark').outerHTML",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        html.starts_with("<mark>Datenbank") && html.ends_with("</mark>"),
        "{html}"
    );
    b.client.close().await.unwrap();
}

/// A first match already on screen (here in the title) moves nothing: the
/// reader starts at the top of the article, its back link and title whole.
#[tokio::test(flavor = "multi_thread")]
async fn a_match_on_the_first_screen_leaves_the_article_at_its_top() {
    let b = Browser::start().await;
    let hits = search_json(&b.site, "Technologie");
    let slug = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["slug"].as_str().unwrap())
        .find(|s| s.starts_with("generalsekretar"))
        .unwrap()
        .to_string();
    b.goto(&format!("#/a/{slug}?q=Technologie")).await;
    b.wait("the title's match", || async {
        let m = b.texts("article h1 mark").await;
        (m.first()? == "Technologie").then_some(())
    })
    .await;
    // Long enough for a scroll to have happened (one frame would do).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let y = b.js("return window.scrollY").await;
    assert_eq!(y.as_f64(), Some(0.0), "scrolled away from the title");
    b.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn markup_in_articles_is_shown_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(
        input.join("evil.txt"),
        "---\nauthor: \"<i>Anna</i> <script>window.__pwned = 4</script>\"\n---\n\
         Der <b>fette</b> Titel <script>window.__pwned = 1</script>\n\n\
         Ein Absatz mit <img src=x onerror=\"window.__pwned = 2\"> und <a href=\"javascript:alert(1)\">Link</a>, lang genug, um ein Absatz zu sein.\n\n\
         Quelle: https://example.com/\"><script>window.__pwned=3</script>\n",
    )
    .unwrap();
    let b = Browser::start_with(&input).await;
    b.goto("#/").await;
    let titles = b.titles_when(1).await;
    assert!(
        titles[0].contains("<b>fette</b>") && titles[0].contains("<script>"),
        "{titles:?}"
    );
    // One article, in words that agree (upper-cased by CSS).
    assert_eq!(b.texts("h2.count").await, ["1 ARTICLE"]);
    // Its author, from its front matter, in its byline: as text.
    let author = "<i>Anna</i> <script>window.__pwned = 4</script>";
    assert_eq!(b.texts("li.result .byline .author").await, [author]);
    b.click("li.result a.title").await;
    let h1 = b
        .wait("article", || async {
            b.texts("article h1").await.into_iter().next()
        })
        .await;
    assert!(h1.contains("<script>window.__pwned = 1</script>"), "{h1}");
    let paragraphs = b.texts("article p").await.join("\n");
    assert!(paragraphs.contains("<img src=x onerror="), "{paragraphs}");
    assert_eq!(b.texts("article .byline .author").await, [author]);
    let injected = b
        .client
        .execute(
            "return [document.querySelectorAll('article script, article img, article b, main i, main a[href^=javascript]').length, window.__pwned === undefined]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(injected, json!([0, true]));
    // The page runs under a strict Content-Security-Policy.
    let csp = b
        .attr("meta[http-equiv=Content-Security-Policy]", "content")
        .await
        .unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    b.client.close().await.unwrap();
}

/// An author named in front matter is in each of their articles' bylines,
/// in the list and in the article, and the name leads to their articles.
#[tokio::test(flavor = "multi_thread")]
async fn a_bylines_author_leads_to_their_articles() {
    let article = |author: &str, title: &str, date: &str, text: &str| {
        format!("---\n{author}\ntitle: {title}\ndate: {date}\nlang: de\n---\n\n{text}\n")
    };
    let (_tmp, input) = articles_in(&[
        (
            "hochwasser.md",
            &article(
                "authors: [Anna Schmidt, Jan de Vries]",
                "Hochwasser in Sachsen",
                "2024-09-16",
                "Die Pegel an der Elbe steigen weiter, in Dresden wurde ein Wasserstand von sechs Metern gemessen.",
            ),
        ),
        (
            "pegel.md",
            &article(
                "author: Anna Schmidt",
                "Die Pegel sinken wieder",
                "2024-09-20",
                "Vier Tage nach dem Höchststand sinken die Pegel an der Elbe, die Stadt räumt die Sandsäcke weg.",
            ),
        ),
        (
            "wahl.md",
            &article(
                "author: Ewa Nowak",
                "Wahlen in Polen",
                "2024-10-01",
                "Die Wahlbeteiligung in Polen war höher als erwartet, meldet die Wahlkommission in Warschau.",
            ),
        ),
    ]);
    let b = Browser::start_with(&input).await;
    b.goto("#/").await;
    b.titles_when(3).await;
    // Newest first: each byline names its authors.
    let bylines = b.texts("li.result .byline .authors").await;
    assert_eq!(
        bylines,
        ["Ewa Nowak", "Anna Schmidt", "Anna Schmidt, Jan de Vries"]
    );
    b.click("li.result:nth-child(2) a.author").await;
    let mut titles = b.titles_when(2).await;
    titles.sort();
    assert_eq!(titles, ["Die Pegel sinken wieder", "Hochwasser in Sachsen"]);
    assert_eq!(search_box(&b).await, "\"Anna Schmidt\"");
    // From the article's byline, the second of two authors.
    b.goto("#/a/hochwasser-in-sachsen").await;
    let authors = b
        .wait("the article's authors", || async {
            let a = b.texts("article .byline a.author").await;
            (!a.is_empty()).then_some(a)
        })
        .await;
    assert_eq!(authors, ["Anna Schmidt", "Jan de Vries"]);
    b.click("article .byline a.author:nth-of-type(2)").await;
    assert_eq!(b.titles_when(1).await, ["Hochwasser in Sachsen"]);
    b.client.close().await.unwrap();
}

/// Under an article, the articles like it: the list `broadsheet search
/// --related` gives, each a link to its article, asked for only once the
/// reader nears the article's end. The list of the article just left never
/// shows under the next one.
#[tokio::test(flavor = "multi_thread")]
async fn an_article_lists_the_articles_like_it() {
    let b = Browser::start().await;
    let delegation = "zur-delegation-gehorten-leiter-der-abteilung-fur-wissenschaft-und";
    let secretary = "generalsekretar-an-lam-wissenschaft-technologie-und-innovation";
    for (slug, like, title) in [
        (delegation, secretary, "Zur Delegation"),
        (secretary, delegation, "Generalsekretär"),
    ] {
        let expected = related_slugs(&b.site, slug);
        assert_eq!(expected, [like], "the CLI's list for {slug}");
        b.goto(&format!("#/a/{slug}")).await;
        article_shown(&b, title).await;
        if slug == delegation {
            // Its end is screens away: nothing asked for yet.
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(mark_time(&b, "broadsheet:related").await, None);
            assert!(slugs_at(&b, ".related a.title").await.is_empty());
        }
        let shown = b
            .wait("the related articles", || async {
                b.js("window.scrollTo(0, document.body.scrollHeight)").await;
                let s = slugs_at(&b, ".related a.title").await;
                (!s.is_empty()).then_some(s)
            })
            .await;
        assert_eq!(shown, expected, "under {slug}");
    }
    // (As rendered: the style sets it in capitals.)
    let heading_text = b.texts(".related h2").await;
    assert_eq!(heading_text.len(), 1);
    assert_eq!(heading_text[0].to_lowercase(), "related articles");
    // Each with its byline (this one has neither date nor publisher).
    assert_eq!(b.texts(".related .byline").await, ["Deutsch"]);
    // The link leads to the article.
    b.click(".related a.title").await;
    article_shown(&b, "Zur Delegation").await;
    // An article with none: nothing lingers from the one before.
    let bac_ninh = "bac-ninh-over-de-reis-van-het-vergroenen-van-de-ondersteunende";
    assert!(related_slugs(&b.site, bac_ninh).is_empty());
    b.goto(&format!("#/a/{bac_ninh}")).await;
    article_shown(&b, "Bac Ninh").await;
    assert!(slugs_at(&b, ".related a.title").await.is_empty());
    b.client.close().await.unwrap();
}

/// Waits until the article whose title starts with `title` is on screen.
async fn article_shown(b: &Browser, title: &str) {
    b.wait(title, || async {
        let h = b.texts("article h1").await;
        h.first()
            .is_some_and(|t| t.starts_with(title))
            .then_some(())
    })
    .await
}

/// Serves the seed site in a fresh browser (nothing cached), damages its
/// bundle with `damage`, loads `hash` and expects a clear message in a
/// `role="alert"` element, with the app still alive (not a panic).
async fn expect_alert(
    damage: impl Fn(&std::path::Path, &broadsheet_core::Manifest),
    hash: &str,
    contains: &str,
) {
    let b = Browser::start().await;
    let data = b.site.join("data");
    let manifest: broadsheet_core::Manifest = broadsheet_core::bundle::decode(
        broadsheet_core::bundle::FileKind::Manifest,
        &std::fs::read(data.join("manifest.bin")).unwrap(),
    )
    .unwrap();
    damage(&data, &manifest);
    b.goto(hash).await;
    let alert = b
        .wait(&format!("an alert containing {contains:?}"), || async {
            let t = b.texts("[role=alert]").await.join(" ");
            t.contains(contains).then_some(t)
        })
        .await;
    assert!(!alert.is_empty());
    if let Ok(input) = b.client.find(Locator::Css("input[type=search]")).await {
        input.send_keys("x").await.unwrap();
        b.wait("the app to react", || async {
            let url = b.client.current_url().await.ok()?;
            url.fragment()
                .is_some_and(|f| f.contains("q="))
                .then_some(())
        })
        .await;
    }
    b.client.close().await.unwrap();
}

/// Rewrites a served file. Its precompressed siblings are removed, so the
/// server sends the damaged bytes (as a host with a damaged upload would).
fn rewrite(path: &std::path::Path, f: impl Fn(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(path).unwrap();
    f(&mut bytes);
    std::fs::write(path, bytes).unwrap();
    remove_siblings(path);
}

fn remove_siblings(path: &std::path::Path) {
    for ext in ["br", "gz"] {
        let sibling = path.with_file_name(format!(
            "{}.{ext}",
            path.file_name().unwrap().to_string_lossy()
        ));
        // Files read by range (index files, packs) have none.
        match std::fs::remove_file(sibling) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other.unwrap(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_index_shard_is_reported() {
    expect_alert(
        |data, m| {
            // The second half of each term shard's compressed bytes zeroed.
            for s in &m.term_shards {
                let file = data.join(m.index_file(s.at).unwrap());
                let half = s.at.start as usize + s.at.len as usize / 2;
                let end = s.at.range().end as usize;
                rewrite(&file, |b| b[half..end].fill(0));
            }
        },
        "#/?q=Bac%20Ninh%20",
        "damaged bundle file",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_of_another_version_is_reported() {
    expect_alert(
        |data, _| rewrite(&data.join("manifest.bin"), |b| b[4] = 99),
        "#/",
        "rebuild the site",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_that_is_no_bundle_file_is_reported() {
    expect_alert(
        |data, _| {
            rewrite(&data.join("manifest.bin"), |b| {
                *b = b"<!doctype html>".to_vec()
            })
        },
        "#/",
        "not a Broadsheet bundle file",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn languages_are_named_in_themselves() {
    // The seeds and two articles in languages the seeds are not in.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for e in std::fs::read_dir(seeds()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), input.join(e.file_name())).unwrap();
    }
    std::fs::write(
        input.join("fr.txt"),
        "Nouvelles aides pour les petites entreprises\n\n\
         Le gouvernement a annoncé mardi de nouvelles mesures pour soutenir les petites \
         entreprises touchées par la hausse des prix de l'énergie. Selon le ministre de \
         l'Économie, ces aides seront versées dès le mois prochain et concerneront plusieurs \
         milliers de sociétés dans tout le pays.\n",
    )
    .unwrap();
    std::fs::write(
        input.join("cs.txt"),
        "Nová pomoc pro malé podniky\n\n\
         Vláda v úterý oznámila nová opatření na podporu malých podniků zasažených růstem \
         cen energií. Podle ministra průmyslu budou peníze vyplaceny už příští měsíc a týkat \
         se budou několika tisíc firem v celé zemi.\n",
    )
    .unwrap();
    let b = Browser::start_with(&input).await;
    b.goto("#/").await;
    let chips = b
        .wait("the language filter", || async {
            let v = b
                .js(
                    "return [...document.querySelectorAll('button.chip[data-facet=lang]')]\
                     .map((c) => c.dataset.value + ' ' + c.firstChild.textContent);",
                )
                .await;
            let mut v: Vec<String> = serde_json::from_value(v).ok()?;
            v.sort();
            (v.len() == 6).then_some(v)
        })
        .await;
    assert_eq!(
        chips,
        [
            "cs Čeština",
            "de Deutsch",
            "fr Français",
            "nl Nederlands",
            "pl Polski",
            "vi Tiếng Việt"
        ]
    );
    // Bylines name an article's language the same way.
    let bylines = b.texts("li.result .lang").await;
    assert!(bylines.iter().any(|l| l == "Français"), "{bylines:?}");
    b.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_that_cannot_start_says_so() {
    // The page shows "Loading…" until its app replaces it; an app file
    // that is no wasm must not leave it loading forever.
    let b = Browser::start().await;
    let html = std::fs::read_to_string(b.site.join("index.html")).unwrap();
    assert!(html.contains(">Loading…</p>"), "{html}");
    let wasm = std::fs::read_dir(&b.site)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "wasm"))
        .unwrap();
    rewrite(&wasm, |bytes| *bytes = b"<!doctype html>".to_vec());
    b.goto("#/").await;
    let alert = b
        .wait("an alert that the viewer could not start", || async {
            let t = b.texts("#broadsheet [role=alert]").await.join(" ");
            t.contains("The viewer could not start").then_some(t)
        })
        .await;
    assert!(b.texts(".status").await.is_empty(), "{alert}");
    b.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_file_is_retried_then_reported() {
    expect_alert(
        |data, m| {
            // Packs have no siblings: they are read by byte range.
            std::fs::remove_file(data.join(&m.packs[0])).unwrap();
        },
        "#/a/bac-ninh-over-de-reis-van-het-vergroenen-van-de-ondersteunende",
        "HTTP 404",
    )
    .await;
}

/// An article is a byte range of its pack, inflated in the browser: a
/// damaged record is reported, not shown half-read or panicked over.
#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_article_is_reported() {
    expect_alert(
        |data, m| {
            for p in &m.packs {
                let path = data.join(p);
                let mut bytes = std::fs::read(&path).unwrap();
                // Every record, after the header.
                for b in &mut bytes[7..] {
                    *b = !*b;
                }
                std::fs::write(&path, bytes).unwrap();
            }
        },
        "#/a/bac-ninh-over-de-reis-van-het-vergroenen-van-de-ondersteunende",
        "damaged bundle file",
    )
    .await;
}

// Offline reading, the one-file page and embedding (issue 5).

/// Waits until a service worker controls the page and has told the page the
/// size of the whole site (the "save" button shows it).
async fn wait_for_worker(b: &Browser) -> String {
    b.wait("the service worker to control the page", || async {
        (b.js("return !!navigator.serviceWorker.controller").await == json!(true)).then_some(())
    })
    .await;
    b.wait("the offline button", || async {
        let t = b.texts("button.save-offline").await.join("");
        t.starts_with("Save all articles for offline reading (")
            .then_some(t)
    })
    .await
}

/// A Chrome DevTools Protocol command, sent through ChromeDriver's
/// `goog/cdp/execute`: what WebDriver has no command for (a permission, a
/// storage quota).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    /// Runs a DevTools command; its result.
    async fn cdp(&self, cmd: &'static str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    /// The served site's origin (`http://127.0.0.1:PORT`).
    fn origin(&self) -> String {
        self.base.trim_end_matches('/').to_string()
    }

    /// Lets the site store `bytes` more than it holds now (its quota
    /// overridden), or, with `None`, as much as the browser allows again.
    async fn leave_room(&self, bytes: Option<f64>) {
        let origin = self.origin();
        let mut params = json!({ "origin": origin });
        if let Some(bytes) = bytes {
            let used = self
                .cdp("Storage.getUsageAndQuota", json!({ "origin": origin }))
                .await["usage"]
                .as_f64()
                .unwrap();
            params["quotaSize"] = json!(used + bytes);
        }
        self.cdp("Storage.overrideQuotaForOrigin", params).await;
    }
}

/// The URLs of everything the site's caches hold.
async fn cache_keys(b: &Browser) -> Vec<String> {
    let cached = b
        .js("return caches.keys()
               .then((names) => Promise.all(names.map((n) => caches.open(n).then((c) => c.keys()))))
               .then((lists) => lists.flat().map((r) => r.url))")
        .await;
    serde_json::from_value(cached).unwrap()
}

/// The article at `#/a/SLUG` shows its title and text.
async fn reads(b: &Browser, slug: &str) {
    b.goto(&format!("#/a/{slug}")).await;
    b.wait(&format!("article {slug}"), || async {
        let h1 = b.texts("article h1").await.join("");
        let paragraphs = b.texts("article p").await;
        (!h1.is_empty() && paragraphs.iter().map(String::len).sum::<usize>() > 200).then_some(())
    })
    .await;
}

/// The slugs the home list links to, in order.
async fn listed_slugs(b: &Browser) -> Vec<String> {
    b.goto("#/").await;
    b.titles_when(5).await;
    shown_slugs(b).await
}

/// The slugs the result list on screen links to, in order.
async fn shown_slugs(b: &Browser) -> Vec<String> {
    slugs_at(b, "li.result a.title").await
}

/// The slugs the links at `css` on screen lead to, in order.
async fn slugs_at(b: &Browser, css: &str) -> Vec<String> {
    let mut slugs = Vec::new();
    for l in b.client.find_all(Locator::Css(css)).await.unwrap() {
        let href = l.attr("href").await.unwrap().unwrap();
        let slug = href.trim_start_matches("#/a/").split('?').next().unwrap();
        slugs.push(slug.to_string());
    }
    slugs
}

#[tokio::test(flavor = "multi_thread")]
async fn the_site_keeps_working_after_the_server_stops() {
    let mut b = Browser::start().await;
    b.goto("#/").await;
    let titles = b.titles_when(5).await;
    wait_for_worker(&b).await;
    // Read one article while online: its record (a byte range of its pack)
    // is cached as it is read.
    let first = listed_slugs(&b).await[0].clone();
    reads(&b, &first).await;
    // Kept once answered (see `an_article_is_read_when_the_browser_has_no_room_to_keep_it`).
    b.wait("the article's range in the cache", || async {
        let kept = cache_keys(&b).await;
        kept.iter().any(|u| u.contains("/data/pack-")).then_some(())
    })
    .await;

    b.stop_server();
    b.goto("#/").await;
    b.client.refresh().await.unwrap();
    assert_eq!(b.titles_when(5).await, titles, "the list offline");
    let online = search_json(&b.site, "Wissenschaft");
    let want: Vec<&str> = online["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["slug"].as_str().unwrap())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(
        b.slugs_for("Wissenschaft", want.len()).await,
        want,
        "search offline"
    );
    reads(&b, &first).await;
}

/// An index too large to cache at once (`--precache-index 0` makes the
/// seeds' one) is not cached whole when the service worker installs: the
/// first listing screen's piece is, by byte range, so the home page still
/// lists the newest articles with the network gone (and the record
/// tables, by the range the viewer asks for them).
#[tokio::test(flavor = "multi_thread")]
async fn a_large_index_caches_its_first_screen_by_range() {
    let mut b = Browser::start_built(&seeds(), &["--precache-index", "0"]).await;
    b.goto("#/").await;
    let titles = b.titles_when(5).await;
    wait_for_worker(&b).await;
    let cached = cache_keys(&b).await;
    let index: Vec<&String> = cached
        .iter()
        .filter(|u| u.contains("/data/index-"))
        .collect();
    // The first screen's meta chunk and the record tables.
    assert!(
        index.len() == 2 && index.iter().all(|u| u.contains(".bin?bytes=")),
        "two pieces by range, no whole index file: {cached:?}"
    );
    // The tables under the range the viewer asks for them by, so that
    // offline its request finds them.
    let manifest = std::fs::read(b.site.join("data/manifest.bin")).unwrap();
    let prefetch = broadsheet_core::search::Engine::open(&manifest)
        .unwrap()
        .prefetch();
    let asked = broadsheet_core::search::batches(&prefetch);
    assert_eq!(asked.len(), 1, "{asked:?}");
    let (start, end) = asked[0].range.unwrap();
    let key = format!("/data/{}?bytes={start}-{}", asked[0].file, end - 1);
    assert!(
        index.iter().any(|u| u.ends_with(&key)),
        "{key} not among {index:?}"
    );
    b.stop_server();
    b.client.refresh().await.unwrap();
    assert_eq!(b.titles_when(5).await, titles, "the first screen offline");
}

#[tokio::test(flavor = "multi_thread")]
async fn save_everything_then_read_every_article_offline() {
    let mut b = Browser::start().await;
    let slugs = listed_slugs(&b).await;
    let label = wait_for_worker(&b).await;
    // The size shown is the size of the site's files.
    let listed: u64 = std::fs::read_dir(b.site.join("data"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("files-"))
        .filter(|e| e.file_name().to_string_lossy().ends_with(".txt"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .flat_map(|t| {
            t.lines()
                .map(|l| l.split(' ').next().unwrap().parse::<u64>().unwrap())
                .collect::<Vec<_>>()
        })
        .sum();
    let shown = format!("({} KB)", listed.div_ceil(1024));
    let shown_mb = format!("({:.1} MB)", listed as f64 / 1048576.0);
    assert!(
        label.contains(&shown) || label.contains(&shown_mb),
        "{label:?} should show {shown} or {shown_mb}"
    );
    // Saving asks the browser to keep the site's storage
    // (`navigator.storage.persist()`; Chromium decides by itself, so the
    // question is watched, not the answer).
    b.js(
        "const persist = navigator.storage.persist.bind(navigator.storage); \
          navigator.storage.persist = () => { window.persistAsked = true; return persist(); }; \
          return null",
    )
    .await;
    b.click("button.save-offline").await;
    b.all_saved().await;
    assert_eq!(
        b.js("return window.persistAsked === true").await,
        json!(true),
        "saved, but left for eviction"
    );

    b.stop_server();
    b.client.refresh().await.unwrap();
    b.titles_when(5).await;
    for slug in &slugs {
        reads(&b, slug).await;
    }
    // The saved state survives a reload.
    b.goto("#/").await;
    b.wait("the saved note after reload", || async {
        (!b.texts(".offline-state.saved").await.is_empty()).then_some(())
    })
    .await;
}

/// Saving more than the browser lets the site store fails with a reason
/// the reader can act on, keeps what it saved, and saves the rest once
/// there is room.
#[tokio::test(flavor = "multi_thread")]
async fn saving_more_than_the_browser_allows_says_so() {
    let b = Browser::start().await;
    b.goto("#/").await;
    b.titles_when(5).await;
    wait_for_worker(&b).await;
    // Room for a few kilobytes more: less than a pack.
    b.leave_room(Some(4096.0)).await;
    b.click("button.save-offline").await;
    let failed = b
        .wait("the failure", || async {
            let t = b.texts(".offline-state.failed").await.join("");
            (!t.is_empty()).then_some(t)
        })
        .await;
    assert!(
        failed.contains("the browser has no room for the whole site (")
            && failed.contains("MB); what was saved so far stays saved"),
        "{failed}"
    );
    // Room again (the override lifted): trying again saves the rest.
    b.leave_room(None).await;
    b.click(".offline-state.failed button.save-offline").await;
    b.all_saved().await;
    b.client.close().await.unwrap();
}

/// The service worker keeps each range it passes on, but after its answer,
/// not before: a cache that cannot take it (the browser has no room) costs
/// the reader nothing, and no range waits for a write to the disk.
#[tokio::test(flavor = "multi_thread")]
async fn an_article_is_read_when_the_browser_has_no_room_to_keep_it() {
    let b = Browser::start().await;
    let slugs = listed_slugs(&b).await;
    wait_for_worker(&b).await;
    b.leave_room(Some(0.0)).await;
    // Articles not read yet: each is a range of its pack, fetched through
    // the service worker, which cannot keep it.
    for slug in &slugs[..2] {
        reads(&b, slug).await;
    }
    let kept = cache_keys(&b).await;
    assert!(
        !kept.iter().any(|u| u.contains("/data/pack-")),
        "an article was kept after all, so nothing was refused: {kept:?}"
    );
    b.client.close().await.unwrap();
}

/// The site of a copy of the seeds (in a fresh folder, for a test that
/// adds to it), open at its home list, with its service worker in control.
async fn open_a_copy_of_the_seeds() -> (tempfile::TempDir, std::path::PathBuf, Browser) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("articles");
    std::fs::create_dir(&input).unwrap();
    for e in std::fs::read_dir(seeds()).unwrap().flatten() {
        std::fs::copy(e.path(), input.join(e.file_name())).unwrap();
    }
    let b = Browser::start_with(&input).await;
    b.goto("#/").await;
    b.titles_when(5).await;
    wait_for_worker(&b).await;
    (tmp, input, b)
}

/// Adds an article newer than the seeds to `input` and builds the site
/// of the open page again; the page is told and reloaded.
async fn take_a_new_build(b: &Browser, input: &std::path::Path) {
    std::fs::write(
        input.join("new.txt"),
        "Zeitungsente im Hafen von Rotterdam\n\n01/12/2026\n\nEin ungewöhnlicher Vogel wurde am \
         Morgen im Hafen gesichtet. Hafenarbeiter berichteten, das Tier habe stundenlang auf \
         einem Container gesessen und die Schiffe beobachtet.\n\nOrnithologen vermuten, dass der \
         Vogel vom Sturm der vergangenen Nacht abgetrieben wurde.\n",
    )
    .unwrap();
    build_into(input, &b.site);
    // Browsers look for a new worker on navigation or when asked; ask.
    b.js("navigator.serviceWorker.getRegistration().then(r => r.update()); return null")
        .await;
    b.wait("the new-articles notice", || async {
        let t = b.texts(".update").await.join("");
        t.contains("New articles are available").then_some(())
    })
    .await;
    b.click(".update button.reload").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_build_tells_the_reader_new_articles_are_available() {
    let (_tmp, input, mut b) = open_a_copy_of_the_seeds().await;
    assert!(b.texts(".update").await.is_empty());

    take_a_new_build(&b, &input).await;
    let titles = b.titles_when(6).await;
    assert!(
        titles.iter().any(|t| t.contains("Zeitungsente")),
        "{titles:?}"
    );
    b.stop_server();
}

/// A reader who saved the whole site keeps it saved through a new build:
/// the new service worker saves what the build changed, unasked, and
/// every article, the new one too, then reads with the network gone.
#[tokio::test(flavor = "multi_thread")]
async fn a_saved_site_stays_saved_through_a_new_build() {
    let (_tmp, input, mut b) = open_a_copy_of_the_seeds().await;
    b.click("button.save-offline").await;
    b.all_saved().await;

    take_a_new_build(&b, &input).await;
    b.titles_when(6).await;
    b.all_saved().await;
    // What the reader sees is the new build's: its files, all of them kept.
    let kept = cache_keys(&b).await;
    let listed = std::fs::read_dir(b.site.join("data"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pack-") || n.starts_with("index-"))
        .collect::<Vec<_>>();
    for name in &listed {
        assert!(
            kept.iter().any(|u| u.ends_with(&format!("/data/{name}"))),
            "{name} not saved: {kept:?}"
        );
    }

    b.stop_server();
    b.client.refresh().await.unwrap();
    b.goto("#/").await;
    b.titles_when(6).await;
    let slugs = shown_slugs(&b).await;
    assert_eq!(slugs.len(), 6, "{slugs:?}");
    for slug in &slugs {
        reads(&b, slug).await;
    }
}

/// Where the browser has no room for a saved site's new build, the
/// footer says so once; the next visit does not try again unasked (each
/// try would download what the browser then cannot keep), but offers it.
#[tokio::test(flavor = "multi_thread")]
async fn a_saved_site_without_room_for_its_new_build_is_not_saved_again_unasked() {
    let (_tmp, input, b) = open_a_copy_of_the_seeds().await;
    b.click("button.save-offline").await;
    b.all_saved().await;

    take_a_new_build(&b, &input).await;
    // The reloaded page asks for the worker's state once its first screen
    // has been shown a while: there is no room left by then.
    b.leave_room(Some(0.0)).await;
    b.wait("the failure", || async {
        let t = b.texts(".offline-state.failed").await.join("");
        t.contains("no room").then_some(())
    })
    .await;
    b.client.refresh().await.unwrap();
    b.titles_when(6).await;
    wait_for_worker(&b).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let footer = b.texts("footer.offline").await.join("");
    assert!(
        footer.starts_with("Save all articles for offline reading ("),
        "{footer:?}"
    );
    b.leave_room(None).await;
    b.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_single_file_works_from_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("seeds.html");
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .arg("--single-file")
        .arg(&page)
        .arg("--quiet"));
    assert!(o.status.success(), "{}", stderr(&o));
    let (_site_tmp, site) = build_seeds();
    let url = format!("file://{}", page.display());
    let b = Browser::launch(tmp, None, url, site).await;
    b.goto("#/").await;
    let titles = b.titles_when(5).await;
    assert!(titles.iter().all(|t| !t.is_empty()));
    let want: Vec<String> = search_json(&b.site, "Wissenschaft")["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(b.slugs_for("Wissenschaft", want.len()).await, want);
    for slug in listed_slugs(&b).await {
        reads(&b, &slug).await;
    }
    // Nothing was fetched but data: URLs (there is no server at all).
    let fetched = b
        .js("return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith('data:'))")
        .await;
    assert_eq!(fetched, json!([]), "the single file fetched files");
}

/// Serves `app` on a free loopback port, as static hosts do (no Nagle
/// delay); returns its URL.
async fn serve_app(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

/// A static file server for `root`, as a portal's host would be.
async fn static_server(root: std::path::PathBuf) -> String {
    serve_app(
        axum::Router::new()
            .fallback_service(tower_http::services::ServeDir::new(root).precompressed_gzip()),
    )
    .await
}

/// Range requests a server answered: path and range (`/data/index-….bin
/// bytes=a-b`), when it arrived, when it left.
type RangeLog = std::sync::Arc<std::sync::Mutex<Vec<(String, Instant, Instant)>>>;

/// A static server for `root` that answers every byte-range request
/// `delay` late, as a host across a network would, and logs each: its path,
/// when it arrived and when its answer left.
async fn slow_range_server(root: std::path::PathBuf, delay: Duration) -> (String, RangeLog) {
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = log.clone();
    let app = axum::Router::new()
        .fallback_service(tower_http::services::ServeDir::new(root).precompressed_br())
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let log = kept.clone();
                async move {
                    if !req.headers().contains_key("range") {
                        return next.run(req).await;
                    }
                    let range = req.headers()["range"].to_str().unwrap_or("").to_string();
                    let path = format!("{} {range}", req.uri().path());
                    let arrived = Instant::now();
                    tokio::time::sleep(delay).await;
                    let response = next.run(req).await;
                    log.lock().unwrap().push((path, arrived, Instant::now()));
                    response
                }
            },
        ));
    (serve_app(app).await, log)
}

/// The seed site in a browser, from [`slow_range_server`].
async fn slow_seeds(delay: Duration) -> (Browser, RangeLog) {
    let (tmp, site) = build_seeds();
    let (base, log) = slow_range_server(site.clone(), delay).await;
    (Browser::launch(tmp, None, base, site).await, log)
}

/// The articles of a result page are byte ranges of one pack, asked for
/// together, and they go out together: Chromium lets one request at a time
/// through its HTTP cache to one URL, so ranges fetched through it went
/// one after another, a round trip each (ten results' articles took half
/// a second at 40 ms a round trip). Ranges that meet go out as one.
#[tokio::test(flavor = "multi_thread")]
async fn a_result_pages_ranges_of_one_file_are_fetched_at_once() {
    const DELAY: Duration = Duration::from_millis(400);
    let (b, log) = slow_seeds(DELAY).await;
    let pack_requests = || -> Vec<(String, Instant, Instant)> {
        let log = log.lock().unwrap();
        log.iter()
            .filter(|(path, ..)| path.contains("/data/pack-"))
            .cloned()
            .collect()
    };
    // The newest and the oldest of the five seed articles (all in the one
    // pack, far apart in it) have the word.
    b.goto("#/?q=Bac").await;
    b.titles_when(2).await;
    let pack = pack_requests();
    // The most requests for the pack the server was answering at once.
    let at_once = pack
        .iter()
        .map(|(_, arrived, _)| {
            pack.iter()
                .filter(|(_, a, left)| a <= arrived && arrived < left)
                .count()
        })
        .max()
        .unwrap_or(0);
    let shown = |pack: &[(String, Instant, Instant)]| -> Vec<String> {
        let t0 = pack.first().map(|p| p.1);
        pack.iter()
            .map(|(p, a, l)| format!("{p} {:?}..{:?}", *a - t0.unwrap(), *l - t0.unwrap()))
            .collect()
    };
    assert!(
        at_once >= 2,
        "the pack's ranges went out one by one: {:#?}",
        shown(&pack)
    );
    // Three articles more, side by side in the pack (its record table came
    // with the first query): one range.
    b.goto("#/?q=technologie").await;
    b.titles_when(4).await;
    let after = pack_requests();
    assert_eq!(
        after.len(),
        pack.len() + 1,
        "neighbouring articles fetched apart: {:#?}",
        shown(&after)
    );
    b.client.close().await.unwrap();
}

/// A result page's articles are asked for together and taken up as each
/// comes in, whatever the order: here the one that reaches the host first
/// is answered a second after the other, which is inflated meanwhile; both
/// show their snippets.
#[tokio::test(flavor = "multi_thread")]
async fn a_result_pages_articles_may_come_in_any_order() {
    let (tmp, site) = build_seeds();
    let log: RangeLog = RangeLog::default();
    let kept = log.clone();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = axum::Router::new()
        .fallback_service(tower_http::services::ServeDir::new(site.clone()))
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let (log, asked) = (kept.clone(), asked.clone());
                async move {
                    let path = req.uri().path().to_string();
                    if !path.contains("/data/pack-") || !req.headers().contains_key("range") {
                        return next.run(req).await;
                    }
                    // The first article to reach the host comes in last.
                    let first = asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
                    let arrived = Instant::now();
                    tokio::time::sleep(Duration::from_millis(if first { 1000 } else { 20 })).await;
                    let response = next.run(req).await;
                    log.lock().unwrap().push((path, arrived, Instant::now()));
                    response
                }
            },
        ));
    let b = Browser::launch(tmp, None, serve_app(app).await, site).await;
    // The newest and the oldest of the seed articles, far apart in their
    // pack: two ranges.
    b.goto("#/?q=Bac").await;
    b.titles_when(2).await;
    // Each result shows its snippet, with what it matched marked.
    let marked = b
        .js("return [...document.querySelectorAll('li.result')].map(li => li.querySelectorAll('.snippet mark').length)")
        .await;
    let marked: Vec<u64> = serde_json::from_value(marked).unwrap();
    assert!(
        marked.len() == 2 && marked.iter().all(|&n| n > 0),
        "{marked:?}"
    );
    let answered = log.lock().unwrap().clone();
    // Logged as answered: the second to arrive first, and it arrived
    // while the first was on its way.
    assert!(
        answered.len() == 2 && answered[0].1 > answered[1].1 && answered[0].1 < answered[1].2,
        "not asked for together, or the first to arrive came in first: {answered:?}"
    );
    b.client.close().await.unwrap();
}

/// A small bundle's record tables come in the first query's wave of
/// requests, with its index pieces, so its articles are the second wave:
/// two round trips to the first results, not three (index, record tables,
/// articles).
#[tokio::test(flavor = "multi_thread")]
async fn a_small_bundles_first_results_take_two_waves_of_ranges() {
    const DELAY: Duration = Duration::from_millis(400);
    let (b, log) = slow_seeds(DELAY).await;
    b.goto("#/?q=Bac").await;
    b.titles_when(2).await;
    let mut asked = log.lock().unwrap().clone();
    asked.sort_by_key(|(_, arrived, _)| *arrived);
    // Requests that arrived within half a delay of a wave's first are
    // that wave's.
    let mut waves: Vec<Vec<String>> = Vec::new();
    let mut wave_start = None;
    for (path, arrived, _) in &asked {
        match wave_start {
            Some(start) if *arrived - start < DELAY / 2 => {}
            _ => {
                wave_start = Some(*arrived);
                waves.push(Vec::new());
            }
        }
        waves.last_mut().unwrap().push(path.clone());
    }
    assert_eq!(waves.len(), 2, "{waves:#?}");
    let packs = |wave: &[String]| wave.iter().filter(|p| p.contains("/data/pack-")).count();
    assert!(
        waves[0].iter().any(|p| p.contains("/data/index-")),
        "{waves:#?}"
    );
    assert_eq!(
        packs(&waves[0]),
        0,
        "the record tables with the index: {waves:#?}"
    );
    assert_eq!(packs(&waves[1]), 2, "the two articles: {waves:#?}");
    b.client.close().await.unwrap();
}

/// A small bundle's record tables are a help the first query asks for, not
/// a need: when that request fails, the article (and a search with
/// snippets) is still shown, its pack's table asked for again as a need.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_prefetch_does_not_fail_the_first_screen() {
    use axum::response::IntoResponse;
    let (tmp, site) = build_seeds();
    // What the viewer prefetches: every pack's record table, as the ranges
    // its requests name (a request of their own, the tables end to end).
    let manifest = std::fs::read(site.join("data/manifest.bin")).unwrap();
    let prefetch = broadsheet_core::search::Engine::open(&manifest)
        .unwrap()
        .prefetch();
    let tables: Vec<(String, String)> = broadsheet_core::search::batches(&prefetch)
        .into_iter()
        .map(|batch| {
            let (start, end) = batch.range.unwrap();
            (
                format!("/data/{}", batch.file),
                format!("bytes={start}-{}", end - 1),
            )
        })
        .collect();
    assert!(!tables.is_empty());
    let refused = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = refused.clone();
    let app = axum::Router::new()
        .fallback_service(tower_http::services::ServeDir::new(site.clone()).precompressed_br())
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let (seen, tables) = (seen.clone(), tables.clone());
                async move {
                    let range = req.headers().get("range").and_then(|r| r.to_str().ok());
                    let asked = (req.uri().path(), range);
                    // The prefetch fails, all three attempts of it (the
                    // viewer's `FETCH_ATTEMPTS`); the same range asked for
                    // again as a need is had.
                    let tables_asked = tables.iter().any(|(p, r)| asked == (p, Some(r)));
                    if tables_asked && seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3 {
                        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
                    }
                    next.run(req).await
                }
            },
        ));
    let base = serve_app(app).await;
    let b = Browser::launch(tmp, None, base, site).await;
    // The second newest article, whose slug shard lies right before the
    // tables: asked for apart from them all the same.
    reads(
        &b,
        "generalsekretar-an-lam-wissenschaft-technologie-und-innovation",
    )
    .await;
    assert!(
        refused.load(std::sync::atomic::Ordering::SeqCst) >= 4,
        "the tables were not asked for as a prefetch, then as a need"
    );
    b.goto("#/?q=Hanoi").await;
    b.titles_when(3).await;
    b.client.close().await.unwrap();
}

const PORTAL: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Portal</title>
<style>
  body { font-family: monospace; color: rgb(0, 128, 0); line-height: 3; }
  p, a, h2, li, input { color: rgb(0, 128, 0) !important; font-size: 40px !important; }
  .masthead { outline: 5px solid rgb(0, 0, 255); }
  broadsheet-viewer { --bs-accent: rgb(1, 2, 3); }
</style>
<script type="module" src="/news/embed.js"></script>
</head>
<body>
<p class="masthead" id="portal-note">Portal front page</p>
<broadsheet-viewer src="/news/"></broadsheet-viewer>
</body>
</html>
"#;

/// The seed site built for `/news/` under a portal's front page
/// ([`PORTAL`]), served as a static host would.
async fn portal() -> Browser {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("www");
    std::fs::create_dir(&root).unwrap();
    let site = root.join("news");
    let o = run(bin()
        .arg("build")
        .arg(seeds())
        .arg("--out")
        .arg(&site)
        .arg("--base-url")
        .arg("/news/")
        .arg("--title")
        .arg("Die <Zeitung>")
        .arg("--quiet"));
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(root.join("index.html"), PORTAL).unwrap();
    let base = static_server(root).await;
    Browser::launch(tmp, None, base, site).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_portal_embeds_the_viewer_from_a_sub_path() {
    let b = portal().await;
    let base = b.base.clone();

    // The site itself works under the sub-path, with and without the slash.
    for path in ["news/", "news"] {
        b.client.goto(&format!("{base}{path}#/")).await.unwrap();
        b.titles_when(5).await;
    }
    // Under its own name (`--title`), as text.
    assert_eq!(b.texts(".masthead .brand").await, ["Die <Zeitung>"]);
    assert_eq!(b.js("return document.title").await, json!("Die <Zeitung>"));

    b.client.goto(&base).await.unwrap();
    let viewer = b
        .wait("the viewer element", || async {
            b.client.find(Locator::Css("broadsheet-viewer")).await.ok()
        })
        .await;
    let shadow = b
        .wait("the viewer's shadow root", || async {
            viewer.shadow_root().await.ok()
        })
        .await;
    b.wait("five articles in the viewer", || async {
        let n = shadow
            .find_all(Locator::Css("li.result a.title"))
            .await
            .ok()?
            .len();
        (n == 5).then_some(())
    })
    .await;

    // The embedded viewer too: its bundle names the site.
    let brand = shadow.find(Locator::Css(".brand")).await.unwrap();
    assert_eq!(brand.text().await.unwrap(), "Die <Zeitung>");

    // A key is the portal's: `/` does not go to the viewer's search box.
    b.press('/').await;
    assert!(b.focused("body").await);

    // No CSS leaks in: the portal's rules do not reach the viewer's text.
    let style = |sel: &str, prop: &str| {
        format!(
            "const r = document.querySelector('broadsheet-viewer').shadowRoot.querySelector('{sel}'); \
             return getComputedStyle(r).getPropertyValue('{prop}').trim()"
        )
    };
    let title_color = b.js(&style("li.result a.title", "color")).await;
    assert_ne!(title_color, json!("rgb(0, 128, 0)"));
    let font = b.js(&style(".bs-app", "font-family")).await;
    assert!(!font.as_str().unwrap().contains("monospace"), "{font}");
    let size = b.js(&style("li.result a.title", "font-size")).await;
    assert_ne!(size, json!("40px"));
    // Theming does come in, through the custom properties.
    assert_eq!(
        b.js(&style(".bs-app", "--bs-accent")).await,
        json!("rgb(1, 2, 3)")
    );
    // And none leaks out: the portal's own `.masthead` keeps its style.
    let note = b
        .js("const s = getComputedStyle(document.getElementById('portal-note')); return [s.position, s.outlineColor, s.fontFamily]")
        .await;
    assert_eq!(note, json!(["static", "rgb(0, 0, 255)", "monospace"]));

    // Searching and reading inside the viewer leave the portal's URL alone.
    let input = shadow
        .find(Locator::Css("input[type=search]"))
        .await
        .unwrap();
    input.send_keys("Wissenschaft").await.unwrap();
    let want = search_json(&b.site, "Wissenschaft")["hits"]
        .as_array()
        .unwrap()
        .len();
    b.wait("search results in the viewer", || async {
        let n = shadow
            .find_all(Locator::Css("li.result a.title"))
            .await
            .ok()?
            .len();
        let route = viewer.attr("route").await.ok()??;
        (n == want && route.contains("q=Wissenschaft")).then_some(())
    })
    .await;
    shadow
        .find(Locator::Css("li.result a.title"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait("the article in the viewer", || async {
        let h1 = shadow.find(Locator::Css("article h1")).await.ok()?;
        let text = h1.text().await.ok()?;
        (!text.is_empty()).then_some(())
    })
    .await;
    let route = viewer.attr("route").await.unwrap().unwrap();
    assert!(route.starts_with("#/a/"), "{route}");
    assert_eq!(b.js("return location.href").await, json!(base));
    // Nor its title.
    assert_eq!(b.js("return document.title").await, json!("Portal"));
    // The host page can drive the viewer through the attribute.
    b.js("document.querySelector('broadsheet-viewer').setAttribute('route', '#/'); return null")
        .await;
    b.wait("the list again", || async {
        let n = shadow
            .find_all(Locator::Css("li.result a.title"))
            .await
            .ok()?
            .len();
        (n == 5).then_some(())
    })
    .await;
}

/// Moved within the page, a viewer stays as it was, search worker and all;
/// taken off the page (a portal's client-side router moving on), its
/// search worker goes with it, and so does one taken off before its bundle
/// was open; put on a page again, a viewer starts afresh. (On a page of
/// its own: a page navigated away from keeps its workers in the browser's
/// back-forward cache, among those counted.)
#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_taken_off_the_page_takes_its_worker_along() {
    let b = portal().await;
    b.client.goto(&b.base).await.unwrap();
    let workers = || async {
        let targets = b.cdp("Target.getTargets", json!({})).await;
        (targets["targetInfos"].as_array().unwrap().iter())
            .filter(|t| t["type"] == "worker")
            .count()
    };
    let listed = || async {
        b.wait("five articles in the viewer", || async {
            let found = b
                .js("const v = document.querySelector('broadsheet-viewer'); \
                     return v && v.shadowRoot ? v.shadowRoot.querySelectorAll('li.result a.title').length : 0")
                .await;
            (found == json!(5)).then_some(())
        })
        .await
    };
    listed().await;
    // The worker starts once the viewer has answered its first list.
    b.wait("the viewer's search worker", || async {
        (workers().await == 1).then_some(())
    })
    .await;
    b.js("document.body.prepend(document.querySelector('broadsheet-viewer')); return null")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(workers().await, 1, "moved, not removed");
    listed().await;
    b.js("document.querySelector('broadsheet-viewer').remove(); return null")
        .await;
    b.wait("the search worker gone", || async {
        (workers().await == 0).then_some(())
    })
    .await;
    b.js("const v = document.createElement('broadsheet-viewer'); \
          v.setAttribute('src', '/news/'); document.body.append(v); return null")
        .await;
    listed().await;
    b.wait("the new viewer's search worker", || async {
        (workers().await == 1).then_some(())
    })
    .await;
    b.js("const v = document.createElement('broadsheet-viewer'); \
          v.setAttribute('src', '/news/'); document.body.append(v); v.remove(); return null")
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        workers().await,
        1,
        "a worker for a viewer no longer on the page"
    );
    b.client.close().await.unwrap();
}

/// A word in more articles than its head holds: the first page of results
/// comes from its head alone, the same as `broadsheet search` ranks first,
/// with no byte of its tail fetched, and says there are more; the facet
/// counts then bring the tail, and the list its whole count.
#[tokio::test(flavor = "multi_thread")]
async fn a_frequent_words_first_page_comes_from_its_head() {
    const DELAY: Duration = Duration::from_millis(600);
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("articles");
    std::fs::create_dir(&input).unwrap();
    for i in 0..80 {
        // Twelve articles about cows above all; cows in passing in the rest.
        let (title, cows) = match i % 6 {
            0 if i < 72 => (
                "Kühe auf der Weide",
                "Die Kuh frisst. Eine Kuh schläft. Jede Kuh ruht.",
            ),
            _ => ("Nachrichten vom Land", "Auch eine Kuh war zu sehen."),
        };
        let text = format!(
            "{title} {i}\n\nPresse {:02}/03/2024\n\nIm Dorf {i} gab es heute Neuigkeiten über das Wetter, \
             den Markt und die Schule. {cows} Der Bürgermeister sprach über Straßen und Brücken.",
            1 + i % 28
        );
        std::fs::write(input.join(format!("{i:03}.txt")), text).unwrap();
    }
    let site = tmp.path().join("site");
    let o = run(bin().arg("build").arg(&input).args([
        "--out",
        site.to_str().unwrap(),
        "--quiet",
        "--head-docs",
        "12",
    ]));
    assert!(o.status.success(), "build failed: {}", stderr(&o));
    let manifest = std::fs::read(site.join("data/manifest.bin")).unwrap();
    let engine = broadsheet_core::search::Engine::open(&manifest).unwrap();
    let m = engine.manifest();
    assert!(!m.tail_shards.is_empty(), "the word is split");
    let tail_ranges: Vec<(String, u64, u64)> = (m.tail_shards.iter())
        .map(|t| {
            let r = t.at.range();
            (m.index_file(t.at).unwrap().to_string(), r.start, r.end)
        })
        .collect();
    let tails_fetched = |log: &RangeLog| -> usize {
        let log = log.lock().unwrap();
        log.iter()
            .filter(|(asked, ..)| {
                let Some((path, range)) = asked.split_once(" bytes=") else {
                    return false;
                };
                let Some((a, b)) = range.split_once('-') else {
                    return false;
                };
                let (a, b): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
                tail_ranges
                    .iter()
                    .any(|(file, s, e)| path.ends_with(file.as_str()) && a < *e && *s <= b)
            })
            .count()
    };
    let cli = search_json(&site, "kuh");
    assert_eq!(cli["total"], 80, "{cli}");
    let expected: Vec<String> = (cli["hits"].as_array().unwrap().iter())
        .take(10)
        .map(|h| h["title"].as_str().unwrap().to_string())
        .collect();

    let (base, log) = slow_range_server(site.clone(), DELAY).await;
    let b = Browser::launch(tmp, None, base, site).await;
    b.goto("#/?q=kuh").await;
    let titles = b.titles_when(10).await;
    // (Shown in capitals.)
    let heading = b.texts("h2.count").await.join("").to_lowercase();
    assert_eq!(tails_fetched(&log), 0, "a tail before the first page");
    assert_eq!(titles, expected, "the first page");
    assert!(heading.contains("+ results for"), "{heading:?}");
    b.wait("the whole count", || async {
        let heading = b.texts("h2.count").await.join("").to_lowercase();
        heading.starts_with("80 results").then_some(())
    })
    .await;
    assert!(tails_fetched(&log) > 0, "the counts came without the tail");
    b.client.close().await.unwrap();
}
