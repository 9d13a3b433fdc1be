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

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

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
