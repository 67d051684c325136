//! Where a hidden element ends: at its matching end tag where a browser honours it, past
//! what hides end tags (comments, raw markup, code), or at the end of the text.

use super::blocks::{self, Line};
use super::html::{self, Tag, VOID};
use super::markup::{bogus_comment, raw_markup_closer};
use super::{Doc, MAX_CODE_SPAN};

impl Doc<'_> {
    /// Just past the first `close` from `pos` on in its paragraph: what a link's destination
    /// or an image's description holds is text, if they are one. Where they are none (no
    /// `[` before, no valid destination), a hidden element opened in them hides on, so one
    /// there is taken to run to the end.
    fn skip_link_part(&self, pos: usize, close: u8, kind: Line) -> usize {
        let end = self.skip_to(pos, close);
        let within = self.bytes.get(pos..end).unwrap_or_default();
        let hides = (within.iter().enumerate())
            .filter(|(_, byte)| **byte == b'<')
            .any(|(at, _)| {
                (self.tag_at(pos + at, kind)).is_some_and(|(tag, _)| tag.hides && !tag.closing)
            });
        if hides {
            self.bytes.len()
        } else {
            end
        }
    }

    /// Where the code span opened at `pos` ends, looking for the end of a hidden element:
    /// within the paragraph, over lines as in CommonMark. A span not known to close within
    /// [`MAX_CODE_SPAN`] is taken to run to the paragraph's end: an end tag in it may be
    /// code, and the element then hides more, never less.
    pub(super) fn code_in_element(&self, pos: usize) -> usize {
        let index = self.line_index(pos);
        let paragraph_end = self.paragraph_ends.get(index).copied().unwrap_or_default();
        let end = self.code_span_end(pos, paragraph_end);
        let run = self
            .bytes
            .get(pos..)
            .map_or(0, |r| r.iter().take_while(|b| **b == b'`').count());
        let unclosed = end == pos + run;
        if unclosed && paragraph_end > pos + MAX_CODE_SPAN {
            paragraph_end
        } else {
            end
        }
    }

    /// Where the hidden element opened by `tag` ends: after its matching end tag, or at
    /// the end of the text. End tags in code do not count: they are shown, not parsed.
    pub(super) fn element_end(&self, tag: &Tag) -> usize {
        // HTML ignores a `/` at the end of a start tag: only void elements have no end tag.
        if VOID.contains(&tag.name.as_str()) {
            return tag.end;
        }
        let index = self.line_index(tag.end - 1);
        // Opened in raw HTML, an element that a browser closes only by its own end tag (not
        // special, not formatting: `span`) ignores one inside a block GitHub wrote in it: a
        // paragraph's `</span>` leaves it open.
        let in_raw = self
            .lines
            .get(index)
            .is_some_and(|line| line.2 == Line::Html);
        let closes_through_blocks =
            blocks::closes_through_blocks(&tag.name) || html::formatting(&tag.name);
        // In the footnotes, GitHub's `<section>`, `<ol>` and `<li>` are open inside an element
        // opened before them: its end tag is ignored unless it closes through blocks, and
        // one of those three names closes GitHub's own element.
        let before_footnotes = tag.end <= self.footnotes_from;
        let wrapper = matches!(tag.name.as_str(), "section" | "ol" | "li");
        let counts = |kind: Line, at: usize| {
            if before_footnotes && at >= self.footnotes_from {
                return closes_through_blocks && !wrapper;
            }
            kind == Line::Html || !in_raw || closes_through_blocks
        };
        // A special element (`div`, `p`, `li` …) opened inside one that is neither special
        // nor formatting (`span`) keeps a browser from honouring its end tag while it is
        // open: these are the names open inside it.
        let plain = !closes_through_blocks && !blocks::special(&tag.name);
        let mut specials_open = OpenSpecials::default();
        let mut depth = 1;
        let mut pos = tag.end;
        while pos < self.bytes.len() {
            let kind = self.kind_at(pos);
            let next = match (self.bytes.get(pos), kind) {
                (_, Line::Code | Line::Drop) => self.line_at(pos).map_or(self.bytes.len(), |l| l.1),
                (Some(b'<'), _) if self.starts_with(pos, "<!--") => {
                    self.comment_end(pos).unwrap_or(pos + 1)
                }
                // A link's destination and an image's description are no raw HTML: an end
                // tag in `](</div>)` or `![</div>]` is text (J).
                (Some(b']'), Line::Prose | Line::Row) if self.starts_with(pos, "](") => {
                    self.skip_link_part(pos + 2, b')', kind)
                }
                (Some(b'!'), Line::Prose | Line::Row) if self.starts_with(pos, "![") => {
                    self.skip_link_part(pos + 2, b']', kind)
                }
                // A footnote's reference, or what may be one: a tag in its brackets is text
                // (in a link, an end tag there that ends the element is taken for none: the
                // element then hides more), and so is one in a destination after it.
                (Some(b'['), kind) if self.footnote_brackets_end(pos, kind).is_some() => {
                    let end = self.footnote_brackets_end(pos, kind).unwrap_or(pos + 1);
                    // A link's destination and title after it are no raw HTML either.
                    match self.bytes.get(end) {
                        Some(b'(') => self.skip_link_part(end + 1, b')', kind),
                        _ => end,
                    }
                }
                // An escaped backtick opens no code span (raw HTML has no escapes).
                (Some(b'\\'), kind) if kind != Line::Html => pos + 2,
                // Raw HTML has no code spans either.
                (Some(b'`'), kind) if kind != Line::Html => self.code_in_element(pos),
                // What a browser reads as a bogus comment runs to the first `>`, an end tag's
                // too: `<? </span> ?>`, `<!X </span>`, `</ </span>`. Outside raw HTML it
                // sees one only where cmark-gfm passes raw markup; elsewhere `<` is text.
                (Some(b'<'), kind)
                    if bogus_comment(&self.bytes, pos)
                        || raw_markup_closer(&self.bytes, pos).is_some() =>
                {
                    match kind {
                        Line::Html => self.bogus_comment_end(pos),
                        _ => match self.raw_markup_end(pos) {
                            // The rest up to cmark's end is HTML to a browser: a tag or
                            // comment there may swallow the end tag, so all may be gone.
                            Some(end) => {
                                let close = self.bogus_comment_close(pos, end);
                                let rest = self.bytes.get(close..end).unwrap_or_default();
                                if rest.contains(&b'<') || self.markup_may_be_text(pos, end) {
                                    self.bytes.len()
                                } else {
                                    close
                                }
                            }
                            // `<!` is text, and so no image's `![` either.
                            None if self.starts_with(pos, "<!") => pos + 2,
                            None => pos + 1,
                        },
                    }
                }
                (Some(b'<'), kind) => match self.tag_at(pos, kind) {
                    // A value left open at the end of raw HTML reads on into what GitHub
                    // writes after it, its end tags too: all may be gone.
                    Some((_, true)) => return self.bytes.len(),
                    Some((inner, _))
                        if inner.name == tag.name
                            && (!inner.closing
                                || counts(kind, pos) && specials_open.is_empty()) =>
                    {
                        depth = if inner.closing { depth - 1 } else { depth + 1 };
                        if depth == 0 {
                            return inner.end;
                        }
                        inner.end
                    }
                    // Another hidden element inside may outlast this one: GitHub's own end
                    // tags (a block quote's) can close this one first, or be swallowed by
                    // raw HTML left open. Both are taken to run to the end.
                    Some((inner, _)) if inner.hides && !inner.closing => return self.bytes.len(),
                    Some((inner, _)) if plain && blocks::special(&inner.name) => {
                        if inner.closing {
                            specials_open.close(&inner.name);
                        } else {
                            specials_open.open(&inner.name);
                        }
                        inner.end
                    }
                    Some((inner, _)) => inner.end,
                    None => pos + 1,
                },
                _ => pos + 1,
            };
            pos = next.max(pos + 1);
        }
        self.bytes.len()
    }
}

/// The special elements open inside a plain hidden element, in order, with where each name
/// is in that order, so that an end tag finds its element at once, however many are open
/// (there are a few dozen special names).
#[derive(Default)]
struct OpenSpecials {
    names: Vec<String>,
    at: Vec<(String, Vec<usize>)>,
}

impl OpenSpecials {
    fn open(&mut self, name: &str) {
        let index = self.names.len();
        match self.at.iter_mut().find(|(open, _)| open == name) {
            Some((_, at)) => at.push(index),
            None => self.at.push((name.to_owned(), vec![index])),
        }
        self.names.push(name.to_owned());
    }

    /// An end tag closes its element and those opened inside it; one not open is ignored.
    fn close(&mut self, name: &str) {
        let at = self.at.iter().find(|(open, _)| open == name);
        let Some(&from) = at.and_then(|(_, at)| at.last()) else {
            return;
        };
        for closed in self.names.drain(from..) {
            if let Some((_, at)) = self.at.iter_mut().find(|(open, _)| *open == closed) {
                at.pop();
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
