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

/// Gives every article a unique slug, in order: the first article with a
/// given title keeps the plain slug, later ones get `-2`, `-3`, ….
pub fn assign(articles: &mut [Article]) {
    let slugs = unique(articles.iter().map(|a| slugify(&a.title)));
    for (a, slug) in articles.iter_mut().zip(slugs) {
        a.slug = slug;
    }
}

/// Unique slugs from base slugs, in order (see [`assign`]); an empty base
/// becomes `article`.
pub fn unique(bases: impl Iterator<Item = String>) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    bases
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
        .collect()
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
}
