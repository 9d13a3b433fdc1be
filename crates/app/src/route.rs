//! The app's state in the URL hash, so that links, reload and the back button
//! work on any static host (no server rewrites needed).
//!
//! * `#/` — all articles, newest first
//! * `#/?q=to%20lam` — search results
//! * `#/a/SLUG` — one article

/// A screen of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    List { q: String },
    Article { slug: String },
}

impl Default for Route {
    fn default() -> Self {
        Route::List { q: String::new() }
    }
}

impl Route {
    /// Parses a location hash (with or without the leading `#`). Anything
    /// unrecognised is the home list.
    pub fn parse(hash: &str) -> Route {
        let h = hash.strip_prefix('#').unwrap_or(hash);
        let h = h.strip_prefix('/').unwrap_or(h);
        if let Some(slug) = h.strip_prefix("a/") {
            let slug = slug.split(['?', '/']).next().unwrap_or("");
            if !slug.is_empty() {
                return Route::Article { slug: decode(slug) };
            }
        }
        let query = h.split_once('?').map(|(_, q)| q).unwrap_or("");
        let q = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("q="))
            .map(decode)
            .unwrap_or_default();
        Route::List { q }
    }

    /// The hash for this route, `#` included.
    pub fn to_hash(&self) -> String {
        match self {
            Route::List { q } if q.is_empty() => "#/".into(),
            Route::List { q } => format!("#/?q={}", encode(q)),
            Route::Article { slug } => format!("#/a/{}", encode(slug)),
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
        for r in [
            Route::List { q: String::new() },
            Route::List {
                q: "Tô Lâm \"57-NQ/TW\" -x & y".into(),
            },
            Route::Article {
                slug: "bac-ninh-over".into(),
            },
        ] {
            assert_eq!(Route::parse(&r.to_hash()), r);
        }
    }

    #[test]
    fn tolerant_parsing() {
        assert_eq!(Route::parse(""), Route::default());
        assert_eq!(Route::parse("#/a/"), Route::default());
        assert_eq!(Route::parse("#/?q=a+b"), Route::List { q: "a b".into() });
        assert_eq!(
            Route::parse("#/?q=%E0%"),
            Route::List {
                q: "\u{fffd}%".into()
            }
        );
        assert_eq!(Route::parse("#/nonsense"), Route::default());
    }
}
