//! The app's state in the URL hash, so that links, reload and the back button
//! work on any static host (no server rewrites needed).
//!
//! * `#/` — all articles, newest first
//! * `#/?q=to%20lam&lang=de&year=2025&pub=VietnamPlus&sort=new` — search
//!   results with facet filters and sort order
//! * `#/a/SLUG` — one article; `#/a/SLUG?q=…` highlights the query in it

use broadsheet_core::search::Query;
use serde::{Deserialize, Serialize};

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

/// A result list: query text, facet filters, order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListState {
    pub q: String,
    pub lang: Option<String>,
    pub year: Option<String>,
    pub publisher: Option<String>,
    pub sort: Sort,
}

impl ListState {
    /// The core query: the text plus the facet filters.
    pub fn query(&self) -> Query {
        let mut query = Query::parse(&self.q);
        for (facet, value) in self.filters() {
            query.filter(facet, value);
        }
        query
    }

    /// The facet filters set, as (facet key, value).
    pub fn filters(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("lang", &self.lang),
            ("year", &self.year),
            ("pub", &self.publisher),
        ]
        .into_iter()
        .filter_map(|(f, v)| v.as_deref().map(|v| (f, v)))
    }

    /// The value selected for a facet.
    pub fn selected(&self, facet: &str) -> Option<&str> {
        self.filters().find(|(f, _)| *f == facet).map(|(_, v)| v)
    }

    /// This state with `facet` set to `value`, or cleared if it already was.
    pub fn toggled(&self, facet: &str, value: &str) -> ListState {
        let mut next = self.clone();
        let slot = match facet {
            "lang" => &mut next.lang,
            "year" => &mut next.year,
            _ => &mut next.publisher,
        };
        *slot = if slot.as_deref() == Some(value) {
            None
        } else {
            Some(value.to_string())
        };
        next
    }
}

/// A screen of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    List(ListState),
    Article { slug: String, q: String },
}

impl Default for Route {
    fn default() -> Self {
        Route::List(ListState::default())
    }
}

fn params(query: &str) -> impl Iterator<Item = (&str, String)> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k, decode(v)))
}

impl Route {
    /// Parses a location hash (with or without the leading `#`). Anything
    /// unrecognised is the home list.
    pub fn parse(hash: &str) -> Route {
        let h = hash.strip_prefix('#').unwrap_or(hash);
        let h = h.strip_prefix('/').unwrap_or(h);
        let (path, query) = h.split_once('?').unwrap_or((h, ""));
        if let Some(slug) = path.strip_prefix("a/") {
            let slug = slug.split('/').next().unwrap_or("");
            if !slug.is_empty() {
                let q = params(query)
                    .find(|(k, _)| *k == "q")
                    .map(|(_, v)| v)
                    .unwrap_or_default();
                return Route::Article {
                    slug: decode(slug),
                    q,
                };
            }
        }
        let mut state = ListState::default();
        for (k, v) in params(query) {
            let v = Some(v).filter(|v| !v.is_empty());
            match k {
                "q" => state.q = v.unwrap_or_default(),
                "lang" => state.lang = v,
                "year" => state.year = v,
                "pub" => state.publisher = v,
                "sort" if v.as_deref() == Some("new") => state.sort = Sort::Newest,
                _ => {}
            }
        }
        Route::List(state)
    }

    /// The hash for this route, `#` included.
    pub fn to_hash(&self) -> String {
        match self {
            Route::List(s) => {
                let mut parts = Vec::new();
                if !s.q.is_empty() {
                    parts.push(format!("q={}", encode(&s.q)));
                }
                for (f, v) in s.filters() {
                    parts.push(format!("{f}={}", encode(v)));
                }
                if s.sort == Sort::Newest {
                    parts.push("sort=new".into());
                }
                if parts.is_empty() {
                    "#/".into()
                } else {
                    format!("#/?{}", parts.join("&"))
                }
            }
            Route::Article { slug, q } if q.trim().is_empty() => format!("#/a/{}", encode(slug)),
            Route::Article { slug, q } => format!("#/a/{}?q={}", encode(slug), encode(q)),
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), so the
/// hash survives copy and paste intact; spaces become `%20`.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes percent-encoding (and `+` as space); invalid sequences are kept
/// literally rather than rejected.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let full = ListState {
            q: "Tô Lâm \"57-NQ/TW\" -x & y".into(),
            lang: Some("de".into()),
            year: Some("2025".into()),
            publisher: Some("Báo Tài nguyên & Môi trường".into()),
            sort: Sort::Newest,
        };
        for r in [
            Route::default(),
            Route::List(full),
            Route::Article {
                slug: "bac-ninh-over".into(),
                q: String::new(),
            },
            Route::Article {
                slug: "bac-ninh-over".into(),
                q: "Bac Ninh".into(),
            },
        ] {
            assert_eq!(Route::parse(&r.to_hash()), r);
        }
    }

    #[test]
    fn tolerant_parsing() {
        assert_eq!(Route::parse(""), Route::default());
        assert_eq!(Route::parse("#/a/"), Route::default());
        let q = |q: &str| {
            Route::List(ListState {
                q: q.into(),
                ..Default::default()
            })
        };
        assert_eq!(Route::parse("#/?q=a+b"), q("a b"));
        assert_eq!(Route::parse("#/?q=%E0%"), q("\u{fffd}%"));
        assert_eq!(Route::parse("#/nonsense"), Route::default());
        assert_eq!(Route::parse("#/?sort=bogus&lang="), Route::default());
    }

    #[test]
    fn toggling_facets() {
        let s = ListState::default().toggled("lang", "de");
        assert_eq!(s.selected("lang"), Some("de"));
        assert_eq!(s.toggled("lang", "de").selected("lang"), None);
        assert_eq!(s.toggled("lang", "nl").selected("lang"), Some("nl"));
        let q = s.toggled("year", "2025").query();
        assert_eq!(q.filter_values("lang").collect::<Vec<_>>(), ["de"]);
        assert_eq!(q.filter_values("year").collect::<Vec<_>>(), ["2025"]);
    }
}
