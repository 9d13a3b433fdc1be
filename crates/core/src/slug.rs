//! URL slugs: short, readable, ASCII, unique within a bundle.

use crate::model::Article;
use std::collections::HashSet;

const MAX_LEN: usize = 72;

/// Turns a title into an ASCII slug: transliterated (`Đạt` → `dat`,
/// `Łódź` → `lodz`), lowercase, words joined by `-`, cut at a word boundary.
pub fn slugify(title: &str) -> String {
    let ascii = deunicode::deunicode(title).to_ascii_lowercase();
    let mut slug = String::new();
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !slug.is_empty() && slug.len() + 1 + word.len() > MAX_LEN {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    slug.truncate(MAX_LEN);
    slug
}

/// Gives every article, in document order (newest first), a unique slug:
/// the oldest article with a given title keeps the plain slug, each newer
/// one gets the next of `-2`, `-3`, … (see [`unique`]).
pub fn assign(articles: &mut [Article]) {
    let slugs = unique(articles.iter().map(|a| slugify(&a.title)));
    for (a, slug) in articles.iter_mut().zip(slugs) {
        a.slug = slug;
    }
}

/// Unique slugs from base slugs in document order, newest first (see
/// [`assign`]); an empty base becomes `article`.
///
/// They are handed out from the oldest article on, so that a site rebuilt
/// with newer articles keeps every older one's address: a link to
/// `#/a/wetter` that was shared last year still opens last year's
/// article when this week's "Wetter" is added, which becomes
/// `wetter-2`. (Newest first, the new article would take the plain slug
/// and every older namesake would move down one.) Document order puts
/// undated articles last, as the oldest, so an undated namesake added
/// later does take a dated article's slug; news articles have dates.
pub fn unique(bases: impl DoubleEndedIterator<Item = String>) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut slugs: Vec<String> = bases
        .rev()
        .map(|mut base| {
            if base.is_empty() {
                base = "article".into();
            }
            let mut slug = base.clone();
            let mut n = 2;
            while !taken.insert(slug.clone()) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            slug
        })
        .collect();
    slugs.reverse();
    slugs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_readable() {
        assert_eq!(
            slugify("Generalsekretär an Lam: Wissenschaft"),
            "generalsekretar-an-lam-wissenschaft"
        );
        assert_eq!(slugify("Đoàn công tác Cao Bằng"), "doan-cong-tac-cao-bang");
        assert_eq!(slugify("Łódź – Źródło"), "lodz-zrodlo");
        assert!(slugify(&"wort ".repeat(40)).len() <= MAX_LEN);
    }

    #[test]
    fn the_oldest_namesake_keeps_the_plain_slug() {
        let bases = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Newest first: the oldest "wetter" is last.
        let last_year = unique(bases(&["wetter", "hochwasser", "wetter"]).into_iter());
        assert_eq!(last_year, ["wetter-2", "hochwasser", "wetter"]);
        // This week's "wetter" added in front: the others keep theirs.
        let now = unique(bases(&["wetter", "wetter", "hochwasser", "wetter"]).into_iter());
        assert_eq!(now, ["wetter-3", "wetter-2", "hochwasser", "wetter"]);
        // A base that is taken as another's numbered slug moves on.
        let taken = unique(bases(&["a", "a-2", "a"]).into_iter());
        assert_eq!(taken, ["a-3", "a-2", "a"]);
        assert_eq!(
            unique(bases(&["", ""]).into_iter()),
            ["article-2", "article"]
        );
    }
}
