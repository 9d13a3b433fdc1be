//! Markdown articles: CommonMark (with tables, footnotes and
//! strikethrough, as GitHub and site generators write it) made HTML by
//! `pulldown-cmark`, then read as a saved page is (see `html.rs`): a
//! `# headline` is the headline, paragraphs, headings, list items and
//! quotes are lines, and emphasis, links and code spans are their text.
//! An image is a figure captioned with its title (`![alt](src "title")`),
//! else its alt text, as Markdown has no other caption: the paragraph
//! after it is the article's, not a caption as the line rules would
//! guess for a scrape. Raw HTML in the Markdown goes through the same
//! reader, so a `<script>` in it is left out as on a page.
//!
//! Site generators' template tags are not text: Hugo's shortcodes
//! (`{{< figure src="…" caption="…" >}}`, `{{% notice %}}…{{% /notice %}}`)
//! and Jekyll's Liquid (`{% include figure.html image="…" caption="…" %}`,
//! `{{ site.url }}`). A tag that names an image (`src=`, `image=`) is that
//! image, captioned with its `caption`, `title` or `alt`; any other tag
//! is left out, and what a pair of them encloses is kept.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};
use regex::{Captures, Regex};
use std::borrow::Cow;
use std::sync::LazyLock;

/// Hugo's shortcodes, opening or closing: `{{< name params >}}`,
/// `{{% /name %}}`.
static SHORTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)\{\{[<%]\s*/?\s*[A-Za-z][\w./-]*(.*?)[>%]\}\}").expect("valid regex")
});
/// Liquid's tags (`{% include x.html a="b" %}`, `{%- endif -%}`) and
/// output (`{{ site.url }}`), each on one line: a stray `{{` in prose
/// must not take the text up to a `}}` paragraphs later with it.
static LIQUID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{%([^\n]*?)%\}|\{\{[^\n]*?\}\}").expect("valid regex"));
/// A tag's named parameter, quoted.
static PARAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
});

/// `markdown` without its template tags (see the module's notes).
pub fn without_templates(markdown: &str) -> Cow<'_, str> {
    if !markdown.contains("{{") && !markdown.contains("{%") {
        return Cow::Borrowed(markdown);
    }
    let tag = |c: &Captures| image(c.get(1).map_or("", |p| p.as_str()));
    let shortcodes = SHORTCODE.replace_all(markdown, tag);
    Cow::Owned(LIQUID.replace_all(&shortcodes, tag).into_owned())
}

/// The image a template tag's parameters name, as a Markdown image of its
/// own; nothing if they name none.
fn image(params: &str) -> String {
    let mut src = None;
    let mut caption = None;
    for p in PARAM.captures_iter(params) {
        let value = p.get(2).or(p.get(3)).map_or("", |v| v.as_str()).trim();
        match &p[1] {
            "src" | "image" if !value.is_empty() => src = src.or(Some(value)),
            "caption" | "title" | "alt" if !value.is_empty() => caption = caption.or(Some(value)),
            _ => {}
        }
    }
    // A destination in angle brackets may hold anything but those and
    // line breaks; any ASCII punctuation in the text may be escaped.
    match src.filter(|s| !s.contains(['<', '>', '\n', '\r'])) {
        Some(src) => {
            let mut alt = String::new();
            for ch in caption.unwrap_or("").chars() {
                if ch.is_ascii_punctuation() {
                    alt.push('\\');
                }
                alt.push(if ch.is_whitespace() { ' ' } else { ch });
            }
            format!("\n\n![{alt}](<{src}>)\n\n")
        }
        None => String::new(),
    }
}

/// Whether the file at `source` is Markdown, by its name: a text scrape
/// has Markdown's look in places (`![]()` images, `| caption |` rows),
/// which the text rules read as they are.
pub fn is_markdown(source: &str) -> bool {
    let ext = source.rsplit_once('.').map_or("", |(_, ext)| ext);
    ["md", "markdown", "mdown", "mkd"]
        .iter()
        .any(|m| ext.eq_ignore_ascii_case(m))
}

/// `markdown` as an HTML page's body, each image a `<figure>` with its
/// caption.
pub fn to_html(markdown: &str) -> String {
    let markdown = &*without_templates(markdown);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut parser = Parser::new_ext(markdown, options);
    let mut events = Vec::new();
    while let Some(event) = parser.next() {
        let Event::Start(Tag::Image { ref title, .. }) = event else {
            events.push(event);
            continue;
        };
        let title = title.trim().to_string();
        // The image as it is (its alt text the events up to its end), in
        // a figure with its caption; the renderer escapes both.
        events.extend([Event::InlineHtml("<figure>".into()), event]);
        let mut alt = String::new();
        for event in parser.by_ref() {
            let end = matches!(event, Event::End(TagEnd::Image));
            if let Event::Text(t) | Event::Code(t) = &event {
                alt.push_str(t);
            }
            events.push(event);
            if end {
                break;
            }
        }
        let caption = if title.is_empty() { alt } else { title };
        events.extend([
            Event::InlineHtml("<figcaption>".into()),
            Event::Text(CowStr::from(caption)),
            Event::InlineHtml("</figcaption></figure>".into()),
        ]);
    }
    let mut page = String::with_capacity(markdown.len() * 5 / 4 + 32);
    page.push_str("<!doctype html><body>");
    html::push_html(&mut page, events.into_iter());
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_told_by_its_name() {
        for md in ["a.md", "x/b.MD", "c.markdown", "d.mkd"] {
            assert!(is_markdown(md), "{md}");
        }
        for not in ["a.txt", "md", "a.md.txt", "a.html", "README"] {
            assert!(!is_markdown(not), "{not}");
        }
    }

    #[test]
    fn template_tags_are_no_text_and_their_images_are_figures() {
        let page = super::super::html::page(&to_html(
            "Vor der Karte.\n\n\
             {{< figure src=\"/img/karte.png\" caption=\"Die [Lage] am *Fluss*\" >}}\n\n\
             Ein Video: {{< youtube w7Ft2ymGmfc >}} und ein [Link]({{< ref \"andere.md\" >}}).\n\n\
             {{% notice warning %}}\nDer Pegel steigt.\n{{% /notice %}}\n\n\
             {% include figure.html image='foto.jpg' alt=\"Ein Foto\" %}\n\n\
             Gebaut mit {{ site.generator }} am {{ 'now' | date: '%Y' }}. {% raw %}Roh{% endraw %}\n\n\
             Zwei {{ Klammern\n\nweiter unten }} bleiben.\n",
        ))
        .unwrap();
        assert_eq!(
            page.text,
            "Vor der Karte.\n\
             karte.png\n\
             | Die [Lage] am *Fluss* |\n\
             Ein Video: und ein Link.\n\
             Der Pegel steigt.\n\
             foto.jpg\n\
             | Ein Foto |\n\
             Gebaut mit am . Roh\n\
             Zwei {{ Klammern\n\
             weiter unten }} bleiben.\n"
        );
        // Text without tags is not copied.
        assert!(matches!(without_templates("Kein Tag."), Cow::Borrowed(_)));
    }

    #[test]
    fn markup_becomes_the_page_a_reader_would_see() {
        let page = super::super::html::page(&to_html(
            "# Hochwasser in Sachsen\n\n\
             Die Pegel an der **Elbe** steigen, wie das \
             [Landesamt](https://example.org/) mitteilte.\n\n\
             ![Die Elbe](/bilder/elbe.jpg \"Foto\")\n\n\
             ![Pegel & \"Stand\"](p.png)\n\n\
             ## Evakuierungen {#evak}\n\n\
             - Sandsäcke am Rathaus\n- Keine ~~Fähre~~ Fähre\n\n\
             > \"Wir rechnen mit dem Scheitel\", sagte ein Sprecher.\n\n\
             <script>alert('x')</script>\n\n\
             | Ort | Pegel |\n|---|---|\n| Dresden | 6,20 m |\n",
        ))
        .unwrap();
        assert_eq!(
            page.text,
            "Hochwasser in Sachsen\n\
             Die Pegel an der Elbe steigen, wie das Landesamt mitteilte.\n\
             elbe.jpg\n\
             | Foto |\n\
             p.png\n\
             | Pegel & \"Stand\" |\n\
             Evakuierungen\n\
             Sandsäcke am Rathaus\n\
             Keine Fähre Fähre\n\
             \"Wir rechnen mit dem Scheitel\", sagte ein Sprecher.\n\
             Ort\nPegel\nDresden\n6,20 m\n"
        );
    }
}
