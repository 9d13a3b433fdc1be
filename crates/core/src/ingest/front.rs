//! Front matter: the block of fields that static site generators (Jekyll,
//! Hugo, Eleventy, Astro) and CMS exports start an article with.
//!
//! ```text
//! ---                                  +++
//! title: "Hochwasser in Sachsen"       title = "Hochwasser in Sachsen"
//! date: 2024-09-16T08:30:00+02:00      date = 2024-09-16T08:30:00+02:00
//! lang: de                             draft = true
//! ---                                  +++
//! ```
//!
//! Read as text, those lines would become the article's title and first
//! paragraph (`title: "Hochwasser in Sachsen"`). Here the block is parsed
//! as what its fences say (YAML between `---`, TOML between `+++`), by
//! those formats' own parsers, and the fields an article has are taken
//! from it under the names these tools use for them. A block that does not
//! parse as a mapping is no front matter: the file is read as it is, so a
//! text that merely starts with a rule loses nothing.

use super::Front;
#[cfg(test)]
use crate::model::Date;

/// Field names, first found first, as Jekyll, Hugo, Eleventy, Astro,
/// Ghost and WordPress exports write them.
const TITLE: &[&str] = &["title", "headline"];
const DATE: &[&str] = &[
    "date",
    "publishDate",
    "publish_date",
    "published",
    "pubDate",
    "pub_date",
    "date_published",
    "datePublished",
    "published_at",
];
const PUBLISHER: &[&str] = &["publisher", "site_name", "siteName", "site"];
const AUTHOR: &[&str] = &["author", "authors", "byline"];
const URL: &[&str] = &[
    "canonical",
    "canonical_url",
    "canonicalURL",
    "canonicalUrl",
    "source_url",
    "url",
    "permalink",
    "link",
];
const SUMMARY: &[&str] = &[
    "description",
    "summary",
    "excerpt",
    "lead",
    "standfirst",
    "subtitle",
];
const LANG: &[&str] = &["lang", "language", "locale"];

/// A front matter value, as far as an article's fields need one.
enum Value {
    Text(String),
    Bool(bool),
    /// People named by a list (`authors: [Anna Schmidt, Jan de Vries]`),
    /// by mappings with a `name` (as Ghost exports them), or by one such
    /// mapping (`author: {name: Anna Schmidt}`).
    Names(Vec<String>),
    /// Any other list or mapping: no article field is one.
    Other,
}

/// The front matter at the start of `text` and the text after it, or
/// `None` where `text` has none (or a block that does not parse).
pub fn split(text: &str) -> Option<(Front, &str)> {
    let (fence, yaml) = if text.starts_with("---") {
        ("---", true)
    } else if text.starts_with("+++") {
        ("+++", false)
    } else {
        return None;
    };
    // The opening fence is a line of its own; the block ends at the next
    // line that is the fence alone (YAML's may also end with `...`).
    let first = text.find('\n')?;
    if text[..first].trim_end() != fence {
        return None;
    }
    let start = first + 1;
    let mut at = start;
    for line in text[start..].split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == fence || (yaml && bare == "...") {
            let block = &text[start..at];
            let fields = if yaml {
                yaml_fields(block)?
            } else {
                toml_fields(block)?
            };
            return Some((front(fields), &text[at + line.len()..]));
        }
        at += line.len();
    }
    None
}

/// A YAML block's top-level fields, or `None` if it is not a mapping.
fn yaml_fields(block: &str) -> Option<Vec<(String, Value)>> {
    use yaml_rust2::{Yaml, YamlLoader};
    fn name(v: &Yaml) -> Option<String> {
        match v {
            Yaml::String(s) => Some(s.clone()),
            Yaml::Hash(h) => h
                .get(&Yaml::String("name".into()))?
                .as_str()
                .map(String::from),
            _ => None,
        }
    }
    fn value(v: &Yaml) -> Value {
        match v {
            Yaml::String(s) | Yaml::Real(s) => Value::Text(s.clone()),
            Yaml::Integer(i) => Value::Text(i.to_string()),
            Yaml::Boolean(b) => Value::Bool(*b),
            Yaml::Array(items) => Value::Names(items.iter().filter_map(name).collect()),
            Yaml::Hash(_) => name(v).map_or(Value::Other, |n| Value::Names(vec![n])),
            _ => Value::Other,
        }
    }
    if block.trim().is_empty() {
        return Some(Vec::new());
    }
    let docs = YamlLoader::load_from_str(block).ok()?;
    let Some(Yaml::Hash(map)) = docs.first() else {
        return None;
    };
    Some(
        map.iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), value(v))))
            .collect(),
    )
}

/// A TOML block's top-level fields, or `None` if it is not TOML.
fn toml_fields(block: &str) -> Option<Vec<(String, Value)>> {
    use toml::Value as Toml;
    fn name(v: &Toml) -> Option<String> {
        match v {
            Toml::String(s) => Some(s.clone()),
            Toml::Table(t) => t.get("name")?.as_str().map(String::from),
            _ => None,
        }
    }
    fn value(v: &Toml) -> Value {
        match v {
            Toml::String(s) => Value::Text(s.clone()),
            Toml::Datetime(d) => Value::Text(d.to_string()),
            Toml::Integer(i) => Value::Text(i.to_string()),
            Toml::Float(f) => Value::Text(f.to_string()),
            Toml::Boolean(b) => Value::Bool(*b),
            Toml::Array(items) => Value::Names(items.iter().filter_map(name).collect()),
            Toml::Table(_) => name(v).map_or(Value::Other, |n| Value::Names(vec![n])),
        }
    }
    let table: toml::Table = block.parse().ok()?;
    Some(table.iter().map(|(k, v)| (k.clone(), value(v))).collect())
}

/// The article's fields among `fields`.
fn front(fields: Vec<(String, Value)>) -> Front {
    let text = |names: &[&str]| {
        names.iter().find_map(|name| {
            fields.iter().find_map(|(k, v)| match v {
                Value::Text(s) if k == name => {
                    Some(super::html::squash(s)).filter(|s| !s.is_empty())
                }
                _ => None,
            })
        })
    };
    // A name, or names: the first of the author fields that has any.
    let author = AUTHOR.iter().find_map(|name| {
        fields.iter().find_map(|(k, v)| match v {
            Value::Text(s) if k == name => super::authors([s]),
            Value::Names(names) if k == name => super::authors(names),
            _ => None,
        })
    });
    Front {
        title: text(TITLE),
        date: text(DATE).and_then(|d| super::iso_date(&d)),
        publisher: text(PUBLISHER),
        author,
        url: text(URL).filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        summary: text(SUMMARY),
        lang: text(LANG).and_then(|tag| language(&tag)),
        // Hugo's and Eleventy's `draft: true`, Jekyll's `published: false`.
        draft: fields.iter().any(|(k, v)| match v {
            Value::Bool(b) => (k == "draft" && *b) || (k == "published" && !*b),
            _ => false,
        }),
    }
}

/// The ISO 639-1 code a language tag starts with (`de-AT`, `pt_BR`, `NL`),
/// if it names a language.
fn language(tag: &str) -> Option<&'static str> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    isolang::Language::from_639_1(&primary)?.to_639_1()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter_gives_the_articles_fields_and_is_cut_off() {
        let text = "---\n\
                    title: \"Hochwasser in Sachsen:   Pegel steigen\"\n\
                    date: 2024-09-16T08:30:00+02:00\n\
                    author: Anna Schmidt\n\
                    site_name: Sächsische Zeitung\n\
                    lang: de-DE\n\
                    tags: [Wetter, Sachsen]\n\
                    url: /news/hochwasser/\n\
                    canonical: https://example.org/news/hochwasser\n\
                    description: >\n  Die Elbe steigt\n  weiter.\n\
                    ---\n\
                    Die Pegel steigen.\n";
        let (front, rest) = split(text).unwrap();
        assert_eq!(rest, "Die Pegel steigen.\n");
        assert_eq!(
            front,
            Front {
                title: Some("Hochwasser in Sachsen: Pegel steigen".into()),
                date: Date::new(2024, 9, 16),
                publisher: Some("Sächsische Zeitung".into()),
                author: Some("Anna Schmidt".into()),
                url: Some("https://example.org/news/hochwasser".into()),
                summary: Some("Die Elbe steigt weiter.".into()),
                lang: Some("de"),
                draft: false,
            }
        );
    }

    #[test]
    fn toml_front_matter_is_read_too() {
        let text = "+++\r\ntitle = 'Verkiezingen'\r\ndate = 2023-11-22\r\n\
                    draft = true\r\nlanguage = \"nl\"\r\n[params]\r\nx = 1\r\n+++\r\nTekst.";
        let (front, rest) = split(text).unwrap();
        assert_eq!(rest, "Tekst.");
        assert_eq!(front.title.as_deref(), Some("Verkiezingen"));
        assert_eq!(front.date, Date::new(2023, 11, 22));
        assert_eq!(front.lang, Some("nl"));
        assert!(front.draft);
    }

    #[test]
    fn authors_are_read_in_every_form_site_generators_write_them() {
        let author = |block: &str| split(&format!("{block}Text.")).unwrap().0.author;
        let cases = [
            (
                "---\nauthor: \"  Anna   Schmidt \"\n---\n",
                Some("Anna Schmidt"),
            ),
            // Hugo's list, Ghost's mappings, a mapping of one.
            (
                "---\nauthors: [Anna Schmidt, Jan de Vries]\n---\n",
                Some("Anna Schmidt, Jan de Vries"),
            ),
            (
                "---\nauthors:\n  - name: Nguyễn Văn An\n    slug: an\n  - name: Ewa Nowak\n---\n",
                Some("Nguyễn Văn An, Ewa Nowak"),
            ),
            (
                "---\nauthor:\n  name: Anna Schmidt\n  twitter: anna\n---\n",
                Some("Anna Schmidt"),
            ),
            (
                "+++\nauthors = ['Jan de Vries']\n+++\n",
                Some("Jan de Vries"),
            ),
            (
                "+++\n[author]\nname = 'Ewa Nowak'\n+++\n",
                Some("Ewa Nowak"),
            ),
            // The first author field that names anyone.
            (
                "---\nauthor: []\nbyline: Von Anna Schmidt\n---\n",
                Some("Von Anna Schmidt"),
            ),
            // Names are text: a number or a mapping without a name is none.
            ("---\nauthors: [{twitter: anna}, 7]\n---\n", None),
            ("---\nauthor: {id: 7}\n---\n", None),
        ];
        for (block, want) in cases {
            assert_eq!(author(block).as_deref(), want, "{block:?}");
        }
        // A byline, not a roll of contributors; a name, not a sentence.
        let many: Vec<String> = (1..=20).map(|i| format!("Autor {i}")).collect();
        let roll = author(&format!("---\nauthors: [{}]\n---\n", many.join(", "))).unwrap();
        assert_eq!(roll, many[..super::super::MAX_AUTHORS].join(", "));
        let long = "A".repeat(super::super::MAX_NAME_CHARS + 1);
        assert_eq!(
            author(&format!(
                "---\nauthors: [{long}, Ewa Nowak, Ewa Nowak]\n---\n"
            ))
            .as_deref(),
            Some("Ewa Nowak")
        );
    }

    #[test]
    fn text_that_only_looks_like_front_matter_is_left_as_it_is() {
        for text in [
            "Kein Vorspann.\n---\ntitle: x\n---\n",
            // A rule, then prose: not a mapping.
            "---\nEin Absatz, der kein Feld ist.\n---\nText.",
            // Never closed.
            "---\ntitle: x\nText.",
            // Not TOML.
            "+++\nnicht = = toml\n+++\nText.",
            // A longer rule is no fence.
            "-----\ntitle: x\n-----\nText.",
        ] {
            assert_eq!(split(text), None, "{text:?}");
        }
        // An empty block is front matter, with nothing in it.
        assert_eq!(split("---\n---\nText."), Some((Front::default(), "Text.")));
    }

    #[test]
    fn fields_in_forms_that_mean_nothing_here_are_left_out() {
        let (front, _) = split(
            "---\ntitle: [1, 2]\ndate: gestern\nlang: xx\nurl: javascript:alert(1)\n\
             draft: \"no\"\n---\n",
        )
        .unwrap();
        assert_eq!(front, Front::default());
        for odd in ["2025-02-30", "02/07/2025", "2025-1", "2025-07-0²"] {
            assert_eq!(super::super::iso_date(odd), None, "{odd}");
        }
    }

    #[test]
    fn hostile_front_matter_is_refused_without_a_crash() {
        // Nesting that a recursive parser would overflow the stack on.
        let deep = format!("---\nx: {}\n---\nText.", "[".repeat(100_000));
        assert_eq!(split(&deep), None);
        let deep = format!("+++\nx = {}\n+++\nText.", "[".repeat(100_000));
        assert_eq!(split(&deep), None);
        // Aliases are not expanded (a "billion laughs" block stays small).
        let laughs = "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n\
                      c: &c [*b, *b, *b, *b, *b, *b]\ntitle: *c\n---\nText.";
        let (front, rest) = split(laughs).unwrap();
        assert_eq!((front.title, rest), (None, "Text."));
    }
}
