//! Saved web pages: the article's text out of its HTML, for the same
//! cleaning as a text scrape.
//!
//! Many scrapers keep the page as it came. Read as text, a page would
//! become an article titled `<!DOCTYPE html>` whose body is markup, so a
//! page is recognised by its start and turned into the lines a text scrape
//! would have: the headline first, then a line per block (paragraph,
//! heading, list item, caption), an image as its file name and a figure's
//! caption as a `| caption |` row, which the line rules already know.
//! Scripts, styles and the page's furniture (navigation, header, footer,
//! asides, forms, and the same parts marked by ARIA roles; hidden
//! elements) are left out, and where the page marks its content
//! (`<article>`, else `<main>` or `role=main`) only that is read. What the
//! page's `<head>` says of the article (canonical URL, site name,
//! publication date) fills in what its text does not. Parsing is
//! html5ever's, as in Servo, through `scraper`: entities, unclosed tags
//! and stray markup as browsers read them.

use super::{IngestError, MAX_PAGE_DEPTH as MAX_DEPTH};
use crate::model::Date;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};
use std::sync::LazyLock;

/// What a page holds: its text as lines, and what its `<head>` says.
#[derive(Debug, Default, PartialEq)]
pub struct Page {
    /// The headline, then one line per block of the content.
    pub text: String,
    /// Which lines of `text` (counted from 0) are the content's headings
    /// (`<h2>`…): the page says so, where a text scrape's rules would
    /// guess (a short line after an image would pass for its caption).
    pub headings: Vec<usize>,
    /// `<link rel=canonical>` or `og:url`, if an http(s) URL.
    pub url: Option<String>,
    /// `og:site_name`, else the JSON-LD article's `publisher`.
    pub publisher: Option<String>,
    /// `<meta name=author>`, else `article:author` where it is a name and
    /// not a profile's URL, else the JSON-LD article's `author`, else
    /// microdata's `itemprop=author` (its `itemprop=name`), else
    /// `rel=author` links' text; several joined by `, `.
    pub author: Option<String>,
    /// `article:published_time`, else the JSON-LD article's
    /// `datePublished`, else the content's first `<time datetime>`.
    pub date: Option<Date>,
}

/// Elements whose text is never the article's.
const SKIPPED: &[&str] = &[
    "head", "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "select", "svg", "iframe", "object", "canvas", "dialog",
];

/// ARIA roles of the page's furniture, for pages that mark their parts
/// with roles on `<div>`s rather than with HTML5's elements.
const FURNITURE_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alert",
    "menu",
    "menubar",
];

/// Elements that end the line before and after them.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// The selectors a page is read with, parsed once for every page.
struct Selectors {
    article: Selector,
    main: Selector,
    body: Selector,
    h1: Selector,
    title: Selector,
    canonical: Selector,
    time: Selector,
    site_name: Selector,
    published: Selector,
    og_url: Selector,
    author: Selector,
    article_author: Selector,
    itemprop_author: Selector,
    itemprop_name: Selector,
    rel_author: Selector,
    linked_data: Selector,
}

static SELECTORS: LazyLock<Selectors> = LazyLock::new(|| {
    let css = |css: &str| Selector::parse(css).expect("a valid selector");
    let meta = |p: &str| css(&format!("meta[property='{p}'], meta[name='{p}']"));
    Selectors {
        article: css("article"),
        main: css("main, [role=main]"),
        body: css("body"),
        h1: css("h1"),
        title: css("title"),
        canonical: css("link[rel~='canonical']"),
        time: css("time[datetime]"),
        site_name: meta("og:site_name"),
        published: meta("article:published_time"),
        og_url: meta("og:url"),
        author: css("meta[name='author']"),
        article_author: meta("article:author"),
        itemprop_author: css("[itemprop~='author']"),
        itemprop_name: css("[itemprop~='name']"),
        rel_author: css("a[rel~='author']"),
        linked_data: css("script[type='application/ld+json']"),
    }
});

/// The text and facts of an HTML page (see the module's notes), or
/// [`IngestError::TooDeep`].
pub fn page(html: &str) -> Result<Page, IngestError> {
    if too_deep(html) {
        return Err(IngestError::TooDeep);
    }
    let doc = Html::parse_document(html);
    let css = &*SELECTORS;
    let first = |selector: &Selector| doc.select(selector).next();
    let content = first(&css.article)
        .or_else(|| first(&css.main))
        .or_else(|| first(&css.body))
        .unwrap_or_else(|| doc.root_element());

    let mut lines = Lines::default();
    // The headline: the content's first `<h1>`, else the page's, else its
    // `<title>`; it is the first line, as in a text scrape.
    let content_h1 = content.select(&css.h1).next();
    let headline = (content_h1.or_else(|| first(&css.h1)))
        .map(text_of)
        .filter(|t| !t.is_empty())
        .or_else(|| first(&css.title).map(text_of));
    if let Some(headline) = &headline {
        lines.push_str(headline);
        lines.end();
    }
    lines.walk(content, content_h1);

    let meta = |selector: &Selector| {
        first(selector)
            .and_then(|m| m.value().attr("content"))
            .map(squash)
            .filter(|c| !c.is_empty())
    };
    let url = (first(&css.canonical).and_then(|l| l.value().attr("href")))
        .map(str::trim)
        .map(str::to_string)
        .or_else(|| meta(&css.og_url))
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    // Read only where the `<meta>` tags leave something unsaid.
    let linked = std::cell::LazyCell::new(|| LinkedData::of(&doc, css));
    let time = (content.select(&css.time).next()).and_then(|t| t.value().attr("datetime"));
    let date = (meta(&css.published).and_then(|d| super::iso_date(&d)))
        .or_else(|| linked.date.as_deref().and_then(super::iso_date))
        .or_else(|| time.and_then(super::iso_date));
    Ok(Page {
        text: lines.text,
        headings: lines.headings,
        url,
        publisher: meta(&css.site_name).or_else(|| linked.publisher.clone()),
        author: authors(&doc, css, || linked.authors.clone()),
        date,
    })
}

/// What a page's JSON-LD says of its article, as news sites write it for
/// search engines (often where no `<meta>` says it): schema.org's
/// `NewsArticle`, another `…Article` or a `BlogPosting`, alone, in a list
/// or in an `@graph`.
#[derive(Default)]
struct LinkedData {
    authors: Vec<String>,
    date: Option<String>,
    publisher: Option<String>,
}

impl LinkedData {
    fn of(doc: &Html, css: &Selectors) -> LinkedData {
        use serde_json::Value;
        // A person or an organisation: its name, or the name as a string.
        fn name(v: &Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("name")?.as_str().map(str::to_string),
                _ => None,
            }
        }
        fn is_article(v: &Value) -> bool {
            let article = |t: &Value| {
                t.as_str()
                    .is_some_and(|t| t.ends_with("Article") || t.ends_with("BlogPosting"))
            };
            match v.get("@type") {
                Some(Value::Array(types)) => types.iter().any(article),
                Some(t) => article(t),
                None => false,
            }
        }
        for script in doc.select(&css.linked_data) {
            // serde_json refuses nesting deeper than 128: a hostile
            // script costs a failed parse.
            let text: String = script.text().collect();
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let top: Vec<&Value> = match &value {
                Value::Array(items) => items.iter().collect(),
                v => vec![v],
            };
            let graph = top
                .iter()
                .filter_map(|v| v.get("@graph").and_then(Value::as_array))
                .flatten();
            let Some(article) = top.iter().copied().chain(graph).find(|v| is_article(v)) else {
                continue;
            };
            let authors = match article.get("author") {
                Some(Value::Array(items)) => items.iter().filter_map(name).collect(),
                Some(v) => name(v).into_iter().collect(),
                None => Vec::new(),
            };
            let text = |key: &str| article.get(key).and_then(Value::as_str).map(str::to_string);
            return LinkedData {
                authors,
                date: text("datePublished"),
                publisher: article.get("publisher").and_then(name).map(|p| squash(&p)),
            };
        }
        LinkedData::default()
    }
}

/// Who wrote the page, by the first of its ways of saying so that names
/// anyone (see [`Page::author`]); `linked`, its JSON-LD article's.
fn authors(doc: &Html, css: &Selectors, linked: impl FnOnce() -> Vec<String>) -> Option<String> {
    use super::authors;
    let content = |e: ElementRef<'_>| e.value().attr("content").map(str::to_string);
    let metas = |selector| doc.select(selector).filter_map(content);
    // A microdata author is a thing with a name, or its own text.
    let person = |e: ElementRef<'_>| {
        let named = e.select(&css.itemprop_name).next();
        named
            .map(|n| content(n).unwrap_or_else(|| text_of(n)))
            .or_else(|| content(e))
            .unwrap_or_else(|| text_of(e))
    };
    authors(metas(&css.author))
        .or_else(|| authors(metas(&css.article_author).filter(|a| !a.contains("://"))))
        .or_else(|| authors(linked()))
        .or_else(|| authors(doc.select(&css.itemprop_author).map(person)))
        .or_else(|| authors(doc.select(&css.rel_author).map(text_of)))
}

/// Whether `html` nests its elements more than [`MAX_DEPTH`] deep, found
/// by html5ever's tokenizer alone, in one pass: a start tag opens an
/// element, its end tag closes it and any left open inside it, and an
/// element that the standard closes by the next one's start (a paragraph,
/// an item, a cell) is closed so when it is the innermost. That may take a
/// page for deeper than it is (then it is refused), never for shallower.
fn too_deep(html: &str) -> bool {
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::states::RawKind;
    use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult};
    use std::cell::{Cell, RefCell};

    #[derive(Default)]
    struct Depth {
        open: RefCell<Vec<html5ever::LocalName>>,
        too_deep: Cell<bool>,
    }
    impl TokenSink for Depth {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            let (Token::TagToken(tag), false) = (token, self.too_deep.get()) else {
                return TokenSinkResult::Continue;
            };
            let mut open = self.open.borrow_mut();
            let name = &*tag.name;
            if tag.kind == TagKind::EndTag {
                if let Some(at) = open.iter().rposition(|n| *n == tag.name) {
                    open.truncate(at);
                }
                return TokenSinkResult::Continue;
            }
            while open.last().is_some_and(|top| closed_by(top, name)) {
                open.pop();
            }
            if !tag.self_closing && !VOID.contains(&name) {
                open.push(tag.name.clone());
                self.too_deep.set(open.len() > MAX_DEPTH);
            }
            // What the tree builder would have the tokenizer read as text.
            match name {
                "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                    TokenSinkResult::RawData(RawKind::Rawtext)
                }
                "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
                "plaintext" => TokenSinkResult::Plaintext,
                _ => TokenSinkResult::Continue,
            }
        }
    }

    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = html5ever::tokenizer::Tokenizer::new(Depth::default(), Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.too_deep.get()
}

/// Elements with no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Whether the start of a `next` element closes an open `top` one that is
/// innermost (the standard's implied end tags).
fn closed_by(top: &str, next: &str) -> bool {
    match top {
        "p" => BLOCKS.contains(&next),
        "li" => next == "li",
        "dt" | "dd" => matches!(next, "dt" | "dd"),
        "td" | "th" => matches!(next, "td" | "th" | "tr" | "tbody" | "thead" | "tfoot"),
        "tr" => matches!(next, "tr" | "tbody" | "thead" | "tfoot"),
        "option" => matches!(next, "option" | "optgroup"),
        _ => false,
    }
}

/// An element's text, its white space made single spaces.
fn text_of(e: ElementRef<'_>) -> String {
    squash(&e.text().collect::<String>())
}

/// `s` with its white space made single spaces, trimmed.
pub(super) fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lines being written: text runs are joined by single spaces, and a block
/// boundary ends the line.
#[derive(Default)]
struct Lines {
    text: String,
    /// The current line has text.
    open: bool,
    /// White space was seen since the last text.
    space: bool,
    /// Lines ended so far.
    ended: usize,
    /// See [`Page::headings`].
    headings: Vec<usize>,
}

impl Lines {
    fn push_str(&mut self, s: &str) {
        for (i, word) in s.split_whitespace().enumerate() {
            if self.open && (i > 0 || self.space || s.starts_with(char::is_whitespace)) {
                self.text.push(' ');
            }
            self.text.push_str(word);
            self.open = true;
            self.space = false;
        }
        if s.ends_with(char::is_whitespace) {
            self.space = true;
        }
    }

    fn end(&mut self) {
        if self.open {
            self.text.push('\n');
            self.ended += 1;
        }
        self.open = false;
        self.space = false;
    }

    /// Writes the text under `root`, leaving out `headline` (written
    /// first). A walk over the tree's edges, not a recursion: a hostile
    /// page nests elements a hundred thousand deep.
    fn walk<'a>(&mut self, root: ElementRef<'a>, headline: Option<ElementRef<'a>>) {
        // The element whose subtree is being left out, until it closes.
        let mut skipping = None;
        for edge in root.traverse() {
            let (node, open) = match edge {
                Edge::Open(node) => (node, true),
                Edge::Close(node) => (node, false),
            };
            if let Some(skipped) = skipping {
                if !open && node == skipped {
                    skipping = None;
                }
                continue;
            }
            let element = match node.value() {
                Node::Text(t) if open => {
                    self.push_str(t);
                    continue;
                }
                Node::Element(element) if node != *root => element,
                _ => continue,
            };
            let name = element.name();
            let left_out = SKIPPED.contains(&name)
                || element.attr("hidden").is_some()
                || element.attr("aria-hidden") == Some("true")
                || element
                    .attr("role")
                    .is_some_and(|r| FURNITURE_ROLES.contains(&r))
                || headline.is_some_and(|h| node == *h);
            match (name, open) {
                _ if left_out => skipping = Some(node),
                ("br", true) => self.end(),
                ("img", true) => {
                    // Its file name, which the line rules take for an image.
                    let file = (element.attr("src"))
                        .map(|s| s.split(['?', '#']).next().unwrap_or(""))
                        .and_then(|s| s.rsplit('/').next())
                        .filter(|f| !f.is_empty() && !f.contains(char::is_whitespace));
                    if let Some(file) = file {
                        self.end();
                        self.push_str(file);
                        self.end();
                    }
                }
                ("figcaption", true) => {
                    // A caption row, as scrapes of tables have them.
                    let caption = ElementRef::wrap(node).map(text_of).unwrap_or_default();
                    if !caption.is_empty() {
                        self.end();
                        self.push_str(&format!("| {caption} |"));
                        self.end();
                    }
                    skipping = Some(node);
                }
                ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", false) => {
                    if self.open {
                        self.headings.push(self.ended);
                    }
                    self.end();
                }
                _ if BLOCKS.contains(&name) => self.end(),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html>
<html lang="de"><head>
  <meta charset="utf-8"><title>Ein Artikel | Zeitung</title>
  <meta property="og:site_name" content="Die Zeitung">
  <meta property="article:published_time" content="2025-07-02T08:15:00+07:00">
  <link rel="canonical" href="https://example.org/artikel/1">
  <style>p { color: red }</style><script>var tracking = "Werbung";</script>
</head><body>
  <header><nav><a href="/">Startseite</a> <a href="/politik">Politik</a></nav></header>
  <article>
    <h1>Wissenschaft   und
        Technologie &amp; Innovation</h1>
    <p>Der erste Absatz <b>spricht</b> von <a href="/w">Wissenschaft</a>,
       Technologie und Gr&ouml;&szlig;e.<br>Eine neue Zeile.</p>
    <figure><img src="/bilder/foto-1.jpg?w=800" alt="">
      <figcaption>Der Minister spricht.</figcaption></figure>
    <h2>Ein Zwischentitel</h2>
    <ul><li>Erster Punkt</li><li>Zweiter Punkt</li></ul>
    <script>document.write("nicht im Text")</script>
  </article>
  <aside>Lesen Sie auch: Andere Artikel</aside>
  <footer>© Die Zeitung</footer>
</body></html>"#;

    #[test]
    fn the_content_comes_out_as_a_text_scrape_would_have_it() {
        let p = page(PAGE).unwrap();
        assert_eq!(
            p.text,
            "Wissenschaft und Technologie & Innovation\n\
             Der erste Absatz spricht von Wissenschaft, Technologie und Größe.\n\
             Eine neue Zeile.\n\
             foto-1.jpg\n\
             | Der Minister spricht. |\n\
             Ein Zwischentitel\n\
             Erster Punkt\n\
             Zweiter Punkt\n"
        );
        assert_eq!(p.url.as_deref(), Some("https://example.org/artikel/1"));
        assert_eq!(p.publisher.as_deref(), Some("Die Zeitung"));
        assert_eq!(p.date, Date::new(2025, 7, 2));
        assert_eq!(p.author, None);
    }

    #[test]
    fn a_pages_authors_are_read_from_its_metadata() {
        let author = |html: &str| page(html).unwrap().author;
        let cases = [
            (
                "<meta name=author content='Anna  Schmidt'><meta name=author content='Jan de Vries'>\
                 <meta property='article:author' content='Someone Else'>",
                Some("Anna Schmidt, Jan de Vries"),
            ),
            // A profile's URL is no name.
            (
                "<meta property='article:author' content='https://facebook.com/anna'>\
                 <a rel=author href=/autor/ewa>Ewa Nowak</a>",
                Some("Ewa Nowak"),
            ),
            ("<meta property='article:author' content='Nguyễn Văn An'>", Some("Nguyễn Văn An")),
            (
                "<article><p itemprop=author itemscope itemtype=https://schema.org/Person>\
                 Von <span itemprop=name>Anna Schmidt</span></p>\
                 <p itemprop=author>Jan de Vries</p></article>",
                Some("Anna Schmidt, Jan de Vries"),
            ),
            ("<p>Von Anna Schmidt</p>", None),
            ("<meta name=author content='   '>", None),
        ];
        for (html, want) in cases {
            assert_eq!(author(html).as_deref(), want, "{html}");
        }
        let long = "A".repeat(super::super::MAX_NAME_CHARS + 1);
        assert_eq!(
            author(&format!("<meta name=author content='{long}'>")),
            None
        );
    }

    #[test]
    fn a_pages_json_ld_article_says_who_wrote_it_when_and_for_whom() {
        // An `@graph`, as Yoast writes it: the article among other things.
        let p = page(
            r#"<head><script type="application/ld+json">{"@context": "https://schema.org",
              "@graph": [{"@type": "WebSite", "name": "Die Zeitung"},
                {"@type": ["NewsArticle"], "headline": "Hochwasser",
                 "author": [{"@type": "Person", "name": "Anna  Schmidt"}, "Jan de Vries",
                            {"@type": "Person", "url": "/autor/x"}],
                 "datePublished": "2024-09-16T08:30:00+02:00",
                 "publisher": {"@type": "Organization", "name": "Sächsische Zeitung"}}]}
            </script></head><body><p>Text.</p><time datetime="2020-01-01">alt</time></body>"#,
        )
        .unwrap();
        assert_eq!(p.author.as_deref(), Some("Anna Schmidt, Jan de Vries"));
        assert_eq!(p.date, Date::new(2024, 9, 16));
        assert_eq!(p.publisher.as_deref(), Some("Sächsische Zeitung"));
        assert_eq!(p.text, "Text.\nalt");
        // A list of things, a blog post; what `<meta>` says goes first.
        let p = page(
            r#"<meta property="og:site_name" content="Het Dagblad">
            <meta property="article:published_time" content="2023-11-22">
            <script type="application/ld+json">[{"@type": "BreadcrumbList"},
              {"@type": "BlogPosting", "author": {"name": "Sanne Bakker"},
               "datePublished": "2023-11-21", "publisher": "Ander Blad"}]</script>"#,
        )
        .unwrap();
        assert_eq!(p.author.as_deref(), Some("Sanne Bakker"));
        assert_eq!(p.date, Date::new(2023, 11, 22));
        assert_eq!(p.publisher.as_deref(), Some("Het Dagblad"));
        // No article in it, a script that is no JSON, nesting past serde's
        // limit: nothing, and no failure.
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        for script in [
            r#"{"@type": "Organization", "name": "Die Zeitung", "author": "Niemand"}"#,
            "{nicht: json",
            &deep,
        ] {
            let html = format!("<script type='application/ld+json'>{script}</script><p>Text.</p>");
            let p = page(&html).unwrap();
            assert_eq!(
                (p.author, p.date, p.publisher),
                (None, None, None),
                "{script:.40}"
            );
        }
    }

    #[test]
    fn without_an_article_element_the_body_is_read_and_the_title_heads_it() {
        let p = page(
            "<!doctype html><title>Nur ein Titel</title>\
             <body><nav>Menü</nav><div>Text im <i>Körper</i></div>\
             <time datetime='2024-02-29'>29. Februar</time></body>",
        )
        .unwrap();
        assert_eq!(p.text, "Nur ein Titel\nText im Körper\n29. Februar");
        assert_eq!(p.date, Date::new(2024, 2, 29));
        assert_eq!((p.url, p.publisher), (None, None));
    }

    #[test]
    fn a_page_nested_too_deep_is_refused_before_it_is_built() {
        let depth = 200_000;
        let html = format!(
            "<!doctype html><body>{}<p>Tief unten</p>{}<aside>{}Werbung</aside>",
            "<div><span>".repeat(depth),
            "</span></div>".repeat(depth),
            "<b>".repeat(depth),
        );
        assert_eq!(page(&html), Err(IngestError::TooDeep));
        // Lists in lists: each level is deeper, though an item closes the
        // item before it.
        let lists = format!("<!doctype html>{}x", "<ul><li>".repeat(MAX_DEPTH));
        assert_eq!(page(&lists), Err(IngestError::TooDeep));
        let lists = format!("<!doctype html>{}x", "<ul><li>".repeat(MAX_DEPTH / 2 - 2));
        assert_eq!(page(&lists).unwrap().text, "x\n");
    }

    #[test]
    fn old_pages_that_leave_elements_open_are_not_deep() {
        // Paragraphs, items and cells closed by the next one, as HTML 3
        // wrote them; markup in scripts and comments is no element.
        let rows = "<tr><td>a<td>b".repeat(2 * MAX_DEPTH);
        let html = format!(
            "<!doctype html><body><p>Eins{}<ul>{}</ul><table>{rows}</table>\
             <script>{}</script><!-- {} --><p>Ende",
            "<p>Absatz".repeat(2 * MAX_DEPTH),
            "<li>Punkt".repeat(2 * MAX_DEPTH),
            "document.write('<div>');".repeat(2 * MAX_DEPTH),
            "<div>".repeat(2 * MAX_DEPTH),
        );
        let text = page(&html).unwrap().text;
        assert!(text.starts_with("Eins\nAbsatz\n"), "{text}");
        assert!(text.ends_with("a\nb\nEnde\n"), "{text}");
    }

    #[test]
    fn parts_marked_by_roles_and_hidden_ones_are_left_out() {
        let parts = "<div role=banner>Die Zeitung</div>\
                     <div class=menu role=navigation>Politik Sport</div>\
                     <div><h1>Titel</h1><p>Der Text.</p>\
                     <div hidden>Cookie-Hinweis</div><p aria-hidden=true>Werbung</p></div>\
                     <div role=complementary>Meistgelesen</div><div role=contentinfo>Impressum</div>";
        let p = page(&format!("<!doctype html><body>{parts}")).unwrap();
        assert_eq!(p.text, "Titel\nDer Text.\n");
        // Content marked by its role: only that is read.
        let p = page(&format!(
            "<!doctype html><body><div>Anderswo</div><div role=main>{parts}</div>"
        ))
        .unwrap();
        assert_eq!(p.text, "Titel\nDer Text.\n");
    }

    #[test]
    fn odd_dates_and_urls_are_left_out() {
        let p = page(
            "<!doctype html><link rel=canonical href='javascript:alert(1)'>\
             <meta property='article:published_time' content='gestern'><p>x</p>",
        )
        .unwrap();
        assert_eq!((p.url, p.date), (None, None));
    }
}
