//! The site's Atom feed (`feed.xml`, RFC 4287): its newest articles, for
//! feed readers, as a news site publishes them. The page names it in a
//! `<link rel="alternate">`, so a reader's browser or feed reader finds it
//! from the site's address.
//!
//! An article's address is the viewer's route to it (`./#/a/SLUG`, or
//! `/news/#/a/SLUG` under `--base-url /news/`), resolved against the feed's
//! own URL; the feed is written anew for every build and is the same for the
//! same articles.

use crate::shell::{escape, hex, BaseUrl};
use broadsheet_core::bundle::DocMeta;
use broadsheet_core::model::{author_names, Date};

/// The feed's file name, at the site's root.
pub const FEED: &str = "feed.xml";

/// How many of the newest articles the feed lists: feed readers poll for
/// what is new, not for the archive (which the site searches).
pub const ENTRIES: usize = 50;

/// The feed of `newest` (newest first) for the site `name` built by
/// `generator`, served under `base`.
pub fn atom(base: &BaseUrl, name: &str, generator: &str, newest: &[DocMeta]) -> String {
    let home = base.home();
    // Stable across builds of the same site, distinct between sites of
    // other names or paths: what a feed reader knows the feed by.
    let id = {
        let hash = blake3::hash(format!("{name}\n{}", base.as_str()).as_bytes());
        format!("urn:broadsheet:{}", hex(&hash.as_bytes()[..8]))
    };
    // Undated articles are as new as the newest dated one: a feed entry
    // needs a time, and the build's own would change it on every build.
    let latest = newest.iter().filter_map(|m| m.date).max();
    let time = |d: Option<Date>| match d.or(latest) {
        Some(d) => format!("{}T00:00:00Z", d.iso()),
        None => "1970-01-01T00:00:00Z".to_string(),
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("  <title>{}</title>\n", text(name)));
    out.push_str(&format!("  <link href=\"{home}\"/>\n"));
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}{FEED}\"/>\n",
        base.as_str()
    ));
    out.push_str(&format!("  <id>{id}</id>\n"));
    out.push_str(&format!("  <updated>{}</updated>\n", time(latest)));
    out.push_str(&format!("  <generator>{}</generator>\n", text(generator)));
    // Entries without authors of their own are the site's.
    out.push_str(&format!("  <author><name>{}</name></author>\n", text(name)));
    for m in newest {
        out.push_str(&format!("  <entry xml:lang=\"{}\">\n", text(&m.lang)));
        out.push_str(&format!("    <title>{}</title>\n", text(&m.title)));
        // Slugs are ASCII letters, digits and dashes (see the core's
        // `slug`); escaped all the same, as everything else here.
        let slug = text(&m.slug);
        out.push_str(&format!("    <link href=\"{home}#/a/{slug}\"/>\n"));
        out.push_str(&format!("    <id>{id}:{slug}</id>\n"));
        out.push_str(&format!("    <updated>{}</updated>\n", time(m.date)));
        for author in m.author.iter().flat_map(|a| author_names(a)) {
            out.push_str(&format!(
                "    <author><name>{}</name></author>\n",
                text(author)
            ));
        }
        if !m.excerpt.is_empty() {
            out.push_str(&format!("    <summary>{}</summary>\n", text(&m.excerpt)));
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// Article text as XML character data: escaped, and without the control
/// characters XML 1.0 has no place for (a scrape may hold them).
fn text(s: &str) -> String {
    let allowed = |c: &char| {
        (!c.is_control() || matches!(c, '\t' | '\n' | '\r'))
            && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    escape(&s.chars().filter(allowed).collect::<String>())
}
