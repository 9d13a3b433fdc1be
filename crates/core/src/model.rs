//! The article model: what ingest produces, what the bundle stores and what
//! the viewer renders.

use serde::{Deserialize, Serialize};

/// A calendar date. Scraped articles carry dates only to the day, so there is
/// no time and no zone to get wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Builds a date, rejecting impossible ones (month 13, 31 April, 29
    /// February outside leap years).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// ISO 8601 (`YYYY-MM-DD`), as used in `<time datetime>`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.iso())
    }
}

/// One block of an article body, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    Paragraph(String),
    /// A section heading inside the body.
    Heading(String),
    /// An image reference and/or its caption. Scrapes often keep only the
    /// file name of the image, or only the caption.
    Figure {
        image: Option<String>,
        caption: Option<String>,
    },
}

impl Block {
    /// The readable text of the block (a figure's caption).
    pub fn text(&self) -> &str {
        match self {
            Block::Paragraph(t) | Block::Heading(t) => t,
            Block::Figure { caption, .. } => caption.as_deref().unwrap_or(""),
        }
    }
}

/// A cleaned, structured article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// URL-safe ASCII identifier, unique within a bundle (see [`crate::slug`]).
    pub slug: String,
    pub title: String,
    /// True when the scrape had no title line and the title was derived from
    /// the first sentence of the text.
    pub title_derived: bool,
    /// ISO 639-1 code of the detected language (`de`, `pl`, `vi`, `nl`, …), or
    /// `und` when detection was not confident.
    pub lang: String,
    pub publisher: Option<String>,
    /// Who wrote it, as its front matter, its page's metadata or a
    /// scrape's byline line (`Autor: Anna Schmidt`) name them (several
    /// joined by `, `): shown in its byline, and indexed after its body, so
    /// that a search for the name finds it.
    pub author: Option<String>,
    pub date: Option<Date>,
    /// The original article's URL, from a `Source:`-style line. Only http(s).
    pub url: Option<String>,
    /// The standfirst between title and dateline, when the page had one.
    pub summary: Option<String>,
    /// An agency credit such as `(Vietnam+)` at the end of the text.
    pub credit: Option<String>,
    pub blocks: Vec<Block>,
    /// Path of the input file relative to the input folder, `/`-separated.
    pub source: String,
}

/// The names an article's `author` holds: several are written joined by
/// commas (as ingest joins them, and as a page's one `<meta name=author>`
/// often names several), so a comma parts them; an empty part is none.
/// Split at the comma alone, not at `", "`: a string searcher cost the
/// viewer's wasm 2.8 KB.
pub fn author_names(author: &str) -> impl Iterator<Item = &str> {
    author.split(',').map(str::trim).filter(|n| !n.is_empty())
}

impl Article {
    /// The first paragraph's text, or the summary: what a listing shows under
    /// the title.
    pub fn first_text(&self) -> &str {
        if let Some(s) = &self.summary {
            return s;
        }
        self.blocks
            .iter()
            .find_map(|b| match b {
                Block::Paragraph(t) => Some(t.as_str()),
                _ => None,
            })
            .unwrap_or("")
    }
}
