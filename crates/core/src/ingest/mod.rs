//! Ingest: one scraped text file in, one clean [`Article`] out.
//!
//! Scraped news pages arrive as plain text with the page furniture still in
//! it: a site banner, the dateline glued to the publisher's name, image file
//! names and table-row captions, paragraphs repeated by the scraper, a source
//! line, a comment counter and a tail of related links and section names.
//!
//! The rules here are *patterns*, not strings from particular files: a comment
//! counter is "one word followed by a number in parentheses", a dateline is
//! "a short name followed by dd/mm/yyyy", a heading is "a short line without
//! closing punctuation between paragraphs". That way a new article from the
//! same kind of site comes out as clean as the seeds do.

mod decode;
#[cfg(feature = "markdown")]
mod front;
#[cfg(feature = "html")]
mod html;
mod lang;
mod lines;
#[cfg(feature = "markdown")]
mod markdown;

pub use decode::legacy_encoding;
pub use encoding_rs::Encoding;
pub use lang::{autonym, Languages};

use crate::model::{Article, Block};
use lines::{classify, Line};
use std::collections::HashSet;

/// Why a file could not be read as an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestError {
    /// Not UTF-8 (and no byte-order mark says otherwise, nor was another
    /// encoding named); `offset` is the first bad byte, `guess` the
    /// encoding the file looks to be in (a WHATWG name).
    InvalidUtf8 {
        offset: usize,
        guess: Option<&'static str>,
    },
    /// Not valid in `encoding`, which its byte-order mark or the caller
    /// named.
    Malformed { encoding: &'static str },
    /// Contains NUL bytes: a binary file, not text.
    Binary,
    /// An XML document that is not a page: a feed, a sitemap, data.
    Xml,
    /// An HTML page (or Markdown, read as one) nested deeper than any
    /// article is ([`MAX_PAGE_DEPTH`]).
    TooDeep,
    /// An HTML page, in a build without the `html` feature to read it.
    #[cfg(not(feature = "html"))]
    Page,
    /// Empty, or nothing but whitespace and page furniture.
    NoText,
    /// Its front matter says `draft: true` (or Jekyll's `published:
    /// false`): not for publishing.
    Draft,
    /// Larger than [`MAX_FILE_BYTES`]: not an article.
    TooLarge { bytes: u64 },
    /// A line longer than [`MAX_LINE_BYTES`]: minified data or a dump, not
    /// article text.
    LineTooLong { line: usize, bytes: usize },
}

/// The deepest a page's elements may nest. Building the tree takes time in
/// proportion to its depth for each tag (html5ever, like the standard,
/// looks through the open elements), so a hostile page nested a million
/// deep would take hours; no article page comes near this (Chromium's
/// parser nests no deeper either).
pub const MAX_PAGE_DEPTH: usize = 512;

/// Largest input file read as an article (news articles are kilobytes).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Longest line accepted; the longest paragraphs of news text are a few
/// kilobytes.
pub const MAX_LINE_BYTES: usize = 256 * 1024;

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IngestError::InvalidUtf8 { offset, guess } => {
                write!(f, "not valid UTF-8 (first bad byte at offset {offset})")?;
                match guess {
                    Some(guess) => write!(f, "; it looks like {guess}"),
                    None => Ok(()),
                }
            }
            IngestError::Malformed { encoding } => write!(f, "not valid {encoding}"),
            IngestError::Binary => f.write_str("binary file (contains NUL bytes), not text"),
            IngestError::Xml => {
                f.write_str("an XML document (a feed, a sitemap or data), not an article")
            }
            IngestError::TooDeep => write!(
                f,
                "nested more than {MAX_PAGE_DEPTH} elements deep (an HTML page, or Markdown's quotes and lists), as no article is"
            ),
            #[cfg(not(feature = "html"))]
            IngestError::Page => f.write_str("an HTML page, which this build cannot read"),
            IngestError::NoText => f.write_str("no article text (empty or only page furniture)"),
            IngestError::Draft => f.write_str(
                "a draft (its front matter says `draft: true` or `published: false`)",
            ),
            IngestError::TooLarge { bytes } => write!(
                f,
                "{bytes} bytes is larger than the {MAX_FILE_BYTES} bytes an article may have"
            ),
            IngestError::LineTooLong { line, bytes } => write!(
                f,
                "line {line} is {bytes} bytes long (more than {MAX_LINE_BYTES}): not article text"
            ),
        }
    }
}

impl std::error::Error for IngestError {}

/// Compiles the patterns that classify lines, which otherwise compile on
/// first use (some 3 ms, the first article's parse waiting for them): a
/// caller with a core to spare calls this while it lists its inputs.
pub fn warm_up() {
    lines::warm_up();
}

/// Parses the bytes of one scraped file: UTF-8, or UTF-8 or UTF-16 with a
/// byte-order mark. `source` is its path relative to the input folder; it
/// is kept on the article. The slug is left empty: slugs must be unique
/// across a corpus, see [`crate::slug::assign`].
pub fn parse(bytes: &[u8], source: &str) -> Result<Article, IngestError> {
    parse_as(bytes, source, Language::Detect(&Languages::any()), None)
}

/// [`parse`] for a file parsed before, whose language `lang` is known:
/// detecting it is a quarter of a build's time, and a large build parses
/// most files twice (it keeps only some articles in memory between its
/// passes). The article is the one [`parse`] gave if `lang` is the one it
/// detected.
pub fn reparse(bytes: &[u8], source: &str, lang: &str) -> Result<Article, IngestError> {
    parse_as(bytes, source, Language::Known(lang), None)
}

/// How [`parse_as`] finds an article's language.
#[derive(Debug, Clone, Copy)]
pub enum Language<'a> {
    /// Detected from its running text, among these languages.
    Detect(&'a Languages),
    /// Known: found by an earlier parse of the same file (see [`reparse`]).
    Known(&'a str),
}

/// [`parse`], with the article's language found as `lang` says, and a file
/// that is neither UTF-8 nor marked read in `legacy` (see
/// [`legacy_encoding`]); without it such a file is an error that guesses
/// its encoding.
pub fn parse_as(
    bytes: &[u8],
    source: &str,
    lang: Language<'_>,
    legacy: Option<&'static Encoding>,
) -> Result<Article, IngestError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(IngestError::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    let text = decode::decode(bytes, legacy)?;
    let (front, text) = front_matter(&text, source);
    if front.draft {
        return Err(IngestError::Draft);
    }
    // A language the article declares is its language (detection is a
    // guess); a known one is the same, found by an earlier parse.
    let lang = match (front.lang, lang) {
        (Some(declared), Language::Detect(_)) => Language::Known(declared),
        (_, lang) => lang,
    };
    let mut a = parse_body(text, source, lang, front.title.as_deref())?;
    // What the front matter says of the article is what its author said:
    // it goes before what the text's patterns make of it.
    a.date = front.date.or(a.date);
    a.publisher = front.publisher.or(a.publisher);
    a.author = front.author.or(a.author);
    a.url = front.url.or(a.url);
    a.summary = front.summary.or(a.summary);
    Ok(a)
}

/// What an article's front matter says of it (see `front.rs`). Every
/// field is optional: a field it does not have, or has in a form that
/// means nothing here (a date that is no date, a relative URL), is what
/// the text says.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Front {
    pub title: Option<String>,
    pub date: Option<crate::model::Date>,
    pub publisher: Option<String>,
    /// A name, or several joined by `, `.
    pub author: Option<String>,
    /// An http(s) URL: a site generator's `url` is often a path on the
    /// site, which says nothing of where the article is.
    pub url: Option<String>,
    pub summary: Option<String>,
    /// An ISO 639-1 code, from a language tag (`de`, `de-AT`, `pt_BR`).
    pub lang: Option<&'static str>,
    /// `draft: true`: not to be published.
    pub draft: bool,
}

/// What a file's front matter says (nothing if it has none, or in a build
/// without the `markdown` feature), and the text after it. A Markdown
/// file that starts with a block of fields has front matter, as site
/// generators read it; a text scrape has it only where the block names a
/// field an article has: between two rules, `Update: Die Polizei meldet…`
/// is a mapping to YAML, and the article's text.
fn front_matter<'t>(text: &'t str, source: &str) -> (Front, &'t str) {
    #[cfg(feature = "markdown")]
    if let Some((front, rest)) = front::split(text) {
        if markdown::is_markdown(source) || front != Front::default() {
            return (front, rest);
        }
    }
    #[cfg(not(feature = "markdown"))]
    let _ = source;
    (Front::default(), text)
}

/// The article in `text` after its front matter, which gave it `title`:
/// Markdown (by the file's name, in a build that reads it), a page, or a
/// text scrape.
fn parse_body(
    text: &str,
    source: &str,
    lang: Language<'_>,
    title: Option<&str>,
) -> Result<Article, IngestError> {
    #[cfg(feature = "markdown")]
    if markdown::is_markdown(source) {
        let page = html::page(&markdown::to_html(text))?;
        let given = Given {
            title,
            headings: &page.headings,
            captions_marked: true,
        };
        return parse_text_in(&page.text, source, lang, given);
    }
    match markup(text) {
        Some(Markup::Page) => parse_page(text, source, lang),
        Some(Markup::Xml) => Err(IngestError::Xml),
        None => parse_text_in(
            text,
            source,
            lang,
            Given {
                title,
                ..Given::default()
            },
        ),
    }
}

/// Markup a file may hold instead of a text scrape.
#[derive(Debug, PartialEq, Eq)]
enum Markup {
    /// An HTML (or XHTML) page.
    Page,
    /// Another XML document: a feed, a sitemap, data.
    Xml,
}

/// What markup `text` is, if any: a page starts with a doctype or an
/// `<html>` tag after white space, an XML declaration (XHTML) and comments
/// (browsers write `<!-- saved from url=… -->` into the pages they save);
/// any other document with an XML declaration is XML.
fn markup(text: &str) -> Option<Markup> {
    let mut rest = text.trim_start();
    let mut xml = false;
    loop {
        let (after, end) = if let Some(after) = rest.strip_prefix("<?xml") {
            xml = true;
            (after, "?>")
        } else if let Some(after) = rest.strip_prefix("<!--") {
            (after, "-->")
        } else {
            break;
        };
        rest = after.split_once(end).map_or("", |(_, r)| r).trim_start();
    }
    let head = rest.as_bytes()[..rest.len().min(14)].to_ascii_lowercase();
    if head.starts_with(b"<!doctype html") || head.starts_with(b"<html") {
        Some(Markup::Page)
    } else {
        xml.then_some(Markup::Xml)
    }
}

/// A saved web page: its content's text, cleaned as a text scrape's, with
/// what its `<head>` says filling in what the text does not.
#[cfg(feature = "html")]
fn parse_page(text: &str, source: &str, lang: Language<'_>) -> Result<Article, IngestError> {
    let page = html::page(text)?;
    let given = Given {
        headings: &page.headings,
        ..Given::default()
    };
    let mut a = parse_text_in(&page.text, source, lang, given)?;
    a.url = a.url.or(page.url);
    a.publisher = a.publisher.or(page.publisher);
    a.author = a.author.or(page.author);
    a.date = a.date.or(page.date);
    Ok(a)
}

#[cfg(not(feature = "html"))]
fn parse_page(_: &str, _: &str, _: Language<'_>) -> Result<Article, IngestError> {
    Err(IngestError::Page)
}

/// Parses already-decoded text; see [`parse`].
pub fn parse_text(text: &str, source: &str) -> Result<Article, IngestError> {
    let given = Given::default();
    parse_text_in(text, source, Language::Detect(&Languages::any()), given)
}

/// What a text's source says of it, where a scrape leaves it to the line
/// rules.
#[derive(Default, Clone, Copy)]
struct Given<'a> {
    /// The title (front matter's).
    title: Option<&'a str>,
    /// Which lines (counted from 0) are headings (a page's `<h2>`…).
    headings: &'a [usize],
    /// Captions are marked (`| caption |` rows): the line after an image
    /// is never its caption, as it may be in a scrape (Markdown, whose
    /// images bring their captions).
    captions_marked: bool,
}

/// [`parse_text`], with the language found as `lang` says, and what the
/// text's source says of it.
fn parse_text_in(
    text: &str,
    source: &str,
    lang: Language<'_>,
    given: Given<'_>,
) -> Result<Article, IngestError> {
    if let Some((i, l)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE_BYTES)
    {
        return Err(IngestError::LineTooLong {
            line: i + 1,
            bytes: l.len(),
        });
    }
    // Text with no letter or digit at all (`***`, `—`, `:`) is decoration.
    let mut classified: Vec<Line> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i, lines::tidy(l)))
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| match classify(&l) {
            // Ascending: the page numbers them as it writes them.
            Line::Text(t) if given.headings.binary_search(&i).is_ok() => Line::Heading(t),
            line => line,
        })
        .filter(|l| !matches!(l, Line::Text(t) if !t.chars().any(char::is_alphanumeric)))
        .collect();
    cut_tail(&mut classified);

    // The language decides which of two captions (original and translation)
    // to keep, so it is detected first, from the running text.
    let lang = match lang {
        Language::Known(known) => known.to_string(),
        Language::Detect(among) => {
            let running: String = classified
                .iter()
                .filter_map(|l| match l {
                    Line::Text(t) if t.len() > 60 => Some(t.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n");
            lang::detect(&running, among)
        }
    };

    let mut article = Article {
        slug: String::new(),
        title: String::new(),
        title_derived: false,
        lang: lang.clone(),
        publisher: None,
        author: None,
        date: None,
        url: None,
        summary: None,
        credit: None,
        blocks: Vec::new(),
        source: source.to_string(),
    };

    let mut lines = classified.into_iter().peekable();
    // Header: banner, title, standfirst, dateline.
    let mut header: Vec<Line> = Vec::new();
    if matches!(lines.peek(), Some(Line::Banner(_))) {
        lines.next();
    }
    if let Some(title) = given.title {
        article.title = title.to_string();
        // The headline again at the top of the text (a page's `<h1>`, a
        // Markdown `# headline`) is not body text.
        if matches!(lines.peek(), Some(Line::Text(t) | Line::Heading(t)) if same_words(t, title)) {
            lines.next();
        }
    } else if let Some(Line::Text(t) | Line::Heading(t)) = lines.peek() {
        if lines::looks_like_title(t) {
            article.title = t.clone();
            lines.next();
        }
    }
    // A dateline within the next few lines closes the header; what stands
    // between title and dateline is the standfirst.
    let rest: Vec<Line> = lines.collect();
    let dateline_at = rest
        .iter()
        .take(4)
        .position(|l| matches!(l, Line::Dateline { .. }));
    let mut body = rest;
    if let Some(at) = dateline_at {
        header.extend(body.drain(..=at));
        if let Some(Line::Dateline { publisher, date }) = header.pop() {
            article.publisher = publisher;
            article.date = Some(date);
        }
        let standfirst: Vec<String> = header
            .into_iter()
            .filter_map(|l| match l {
                Line::Text(t) => Some(t),
                Line::Author(names) => {
                    article.author.get_or_insert(names);
                    None
                }
                _ => None,
            })
            .collect();
        if !standfirst.is_empty() {
            article.summary = Some(standfirst.join(" "));
        }
    }

    article.blocks = body_blocks(body, &lang, given.captions_marked, &mut article);
    dedupe(&mut article.blocks);

    if article.title.is_empty() {
        let first = article.first_text().to_string();
        if first.is_empty() {
            return Err(IngestError::NoText);
        }
        article.title = lines::derive_title(&first);
        article.title_derived = true;
    }
    if article.blocks.is_empty() && article.summary.is_none() {
        return Err(IngestError::NoText);
    }
    Ok(article)
}

/// The date an ISO 8601 timestamp starts with (`2025-07-02`,
/// `2025-07-02T08:00+07:00`), as pages' `<meta>` and articles' front
/// matter give it; `None` for anything else.
#[cfg(feature = "html")]
fn iso_date(s: &str) -> Option<crate::model::Date> {
    let s = s.trim();
    let part = |range: std::ops::Range<usize>| s.get(range)?.parse().ok();
    if s.len() < 10 || s.as_bytes()[4] != b'-' || s.as_bytes()[7] != b'-' {
        return None;
    }
    crate::model::Date::new(part(0..4)?, part(5..7)? as u8, part(8..10)? as u8)
}

/// At most this many people are an article's authors (a byline, not a
/// roll of contributors), each named in at most [`MAX_NAME_CHARS`] (more
/// is a sentence, not a name).
#[cfg(feature = "html")]
const MAX_AUTHORS: usize = 8;
#[cfg(feature = "html")]
const MAX_NAME_CHARS: usize = 100;

/// An article's author from the names a source gives (front matter, a
/// page's metadata): each with its white space squashed, the empty, the
/// overlong and the repeated left out, at most [`MAX_AUTHORS`] of them,
/// joined by `, ` (which [`crate::model::author_names`] parts again);
/// `None` when none is left.
#[cfg(feature = "html")]
fn authors<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Option<String> {
    let mut kept: Vec<String> = Vec::new();
    for name in names {
        let name = html::squash(name.as_ref());
        let fits = !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS;
        if fits && !kept.contains(&name) && kept.len() < MAX_AUTHORS {
            kept.push(name);
        }
    }
    (!kept.is_empty()).then(|| kept.join(", "))
}

/// Whether two lines are the same words, case and white space aside.
fn same_words(a: &str, b: &str) -> bool {
    a.split_whitespace()
        .map(str::to_lowercase)
        .eq(b.split_whitespace().map(str::to_lowercase))
}

/// Drops everything from the first tail marker on: a comment counter or a
/// widget placeholder ("No data") once the body has begun. What follows such
/// markers on news sites is related links and section names, never text of
/// the article.
fn cut_tail(lines: &mut Vec<Line>) {
    let mut seen_body = false;
    for (i, line) in lines.iter().enumerate() {
        match line {
            Line::Text(t) if t.len() >= 80 => seen_body = true,
            Line::TailMarker if seen_body => {
                lines.truncate(i);
                return;
            }
            _ => {}
        }
    }
    lines.retain(|l| !matches!(l, Line::TailMarker));
}

fn body_blocks(
    lines: Vec<Line>,
    lang: &str,
    captions_marked: bool,
    article: &mut Article,
) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut it = lines.into_iter().peekable();
    while let Some(line) = it.next() {
        match line {
            Line::Banner(t) => blocks.push(Block::Paragraph(t)),
            Line::Source(url) => {
                article.url.get_or_insert(url);
            }
            Line::Author(names) => {
                article.author.get_or_insert(names);
            }
            Line::Credit(c) => article.credit = Some(c),
            Line::Dateline { publisher, date } => {
                if article.date.is_none() {
                    article.date = Some(date);
                    article.publisher = article.publisher.take().or(publisher);
                }
            }
            Line::Image(image) => {
                // The caption is the next line: a table-row caption, a
                // credited caption, or (for a bare image file name) a short
                // line of text.
                let caption = match it.peek() {
                    Some(Line::RowCaption(_)) | Some(Line::CreditCaption(_)) => match it.next() {
                        Some(Line::RowCaption(c)) | Some(Line::CreditCaption(c)) => Some(c),
                        _ => None,
                    },
                    Some(Line::Text(t))
                        if image.is_some() && t.len() <= 300 && !captions_marked =>
                    {
                        match it.next() {
                            Some(Line::Text(c)) => Some(c),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                blocks.push(Block::Figure { image, caption });
            }
            Line::RowCaption(c) => blocks.push(Block::Figure {
                image: None,
                caption: Some(c),
            }),
            Line::CreditCaption(c) => {
                // Consecutive credited captions are one picture captioned in
                // several languages: keep the one in the article's language.
                let mut captions = vec![c];
                while let Some(Line::CreditCaption(_)) = it.peek() {
                    if let Some(Line::CreditCaption(c)) = it.next() {
                        captions.push(c);
                    }
                }
                let chosen = if captions.len() == 1 {
                    captions.pop()
                } else {
                    // Among every language: a caption in one the corpus
                    // is not written in (the English of a German one) must
                    // not pass for the article's.
                    let any = Languages::any();
                    let pos = captions
                        .iter()
                        .position(|c| lang::detect(c, &any) == lang)
                        .unwrap_or(captions.len() - 1);
                    Some(captions.swap_remove(pos))
                };
                blocks.push(Block::Figure {
                    image: None,
                    caption: chosen,
                });
            }
            Line::Text(t) => {
                let next_is_text = matches!(it.peek(), Some(Line::Text(n)) if n.len() > 120)
                    || matches!(it.peek(), Some(Line::Image(_)));
                if next_is_text && !blocks.is_empty() && lines::looks_like_heading(&t) {
                    blocks.push(Block::Heading(t));
                } else {
                    blocks.push(Block::Paragraph(t));
                }
            }
            Line::Heading(t) => blocks.push(Block::Heading(t)),
            Line::TailMarker => {}
        }
    }
    blocks
}

/// A fingerprint of an article's text: title and body, folded and with white
/// space collapsed, so that the same article scraped twice (or saved under
/// two names) is recognised and packed once.
pub fn fingerprint(a: &Article) -> [u8; 16] {
    fingerprint_with(a, &mut crate::analysis::Folds::default())
}

/// [`fingerprint`], folding words through a memo: folding every text was a
/// twentieth of a build. The words of a folded text are its words folded
/// one by one (and split again where folding makes a space: `´` is a space
/// and a mark to NFKC), a property the analysis tests check.
pub fn fingerprint_with(a: &Article, folds: &mut crate::analysis::Folds) -> [u8; 16] {
    // The folded text is gathered and hashed at once: an update per word
    // cost more than the hashing (BLAKE3 hashes a long input's chunks
    // together), and the hash of the whole is the same.
    let texts = || std::iter::once(a.title.as_str()).chain(crate::index::body_texts(a));
    let mut folded = String::with_capacity(texts().map(|t| t.len() + 1).sum());
    for text in texts() {
        for raw in text.split_whitespace() {
            // An ASCII word's fold is its lowercase: copied and lowercased
            // in place, without a lookup in the memo (the lookups were most
            // of a fingerprint, and most words of most articles are ASCII).
            if raw.is_ascii() {
                let at = folded.len();
                folded.push_str(raw);
                folded[at..].make_ascii_lowercase();
                folded.push(' ');
                continue;
            }
            for word in folds.fold(raw).split_whitespace() {
                folded.push_str(word);
                folded.push(' ');
            }
        }
        folded.push('\n');
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&blake3::hash(folded.as_bytes()).as_bytes()[..16]);
    out
}

/// Removes blocks that repeat an earlier block of the article word for word.
/// Scrapers duplicate paragraphs (often in runs: A B A B); an article never
/// needs the same paragraph twice.
fn dedupe(blocks: &mut Vec<Block>) {
    let mut seen: HashSet<(u8, String)> = HashSet::new();
    blocks.retain(|b| {
        let kind = match b {
            Block::Paragraph(_) => 0,
            Block::Heading(_) => 1,
            Block::Figure { .. } => 2,
        };
        let key = b.text().to_string();
        if key.is_empty() {
            return true;
        }
        seen.insert((kind, key))
    });
}

#[cfg(test)]
mod tests;
