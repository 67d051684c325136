//! What a rendered Markdown body hides, removed from the source the model reads. GitHub
//! shows issue, pull request, comment, review and release bodies and READMEs rendered, so
//! a person reviewing them never sees:
//! - HTML comments, `<!-- … -->`; one in raw HTML (an HTML block) runs to the next `-->` (or
//!   `--!>`, which a browser takes as a close too) in raw HTML, past its block's end and its
//!   block quote's or list item's, or to the end of the text; one inside a paragraph is
//!   removed when it closes before the next blank line, and stays as text otherwise (a block that may end the paragraph
//!   before the close, an HTML block or a block quote, hides what it hides too); one in a
//!   table's cell must close in the cell;
//! - processing instructions `<?…?>`, declarations `<!X…>` and CDATA sections;
//! - hidden elements, with everything inside them: a `hidden` attribute, or a `style` with
//!   `display: none`, `visibility: hidden|collapse`, `opacity: 0`, or a zero `font-size`,
//!   `width`, `height`, `max-width` or `max-height`; `<template>`, and `<script>` and
//!   `<style>` where the tagfilter leaves them tags; an element that is never closed, or
//!   whose end tag a browser ignores, hides the rest of the text;
//! - void elements that show nothing: `<meta>`, `<link>`, `<input type="hidden">`, and
//!   hidden `<img>`s and the like (the tag alone);
//! - attributes GitHub's sanitizer drops (`data-*`, `class`, `style` …) from a tag it shows;
//! - link reference definitions that no link uses, the `[//]: # (comment)` idiom, over as
//!   many lines as they take and in block quotes and list items too (a reference counts
//!   where it shows, not in code or anything hidden);
//! - footnotes no one refers to; those referred to are moved where GitHub shows them, to
//!   the end of the page, where what is left open before hides them ([`footnotes`]);
//! - character references that spell an invisible character (`&#8203;`, `&zwj;`, …);
//! - a table row's cells past its header's, and a code fence's info string past the
//!   language's name ([`blocks`], [`tables`]).
//!
//! `<details>` stays: a click shows it. Visible text is never removed on purpose, and
//! code keeps its text: the blocks are found as cmark-gfm finds them, block quotes, list
//! items and footnotes counted in columns ([`parser`], [`containers`]), and fenced and
//! indented code blocks are copied as they are; code spans outside HTML blocks too (over
//! the lines of their paragraph, as in CommonMark), up to a comment or other raw markup in
//! them (an autolink takes the backticks in it, as in
//! CommonMark, but a link destination or a table cell's edge can too). What GitHub writes
//! as text stays text: the tags of GFM's tagfilter (`<script>`), and comments and
//! declarations cmark-gfm does not close. Where the inline pass cannot tell, a hidden part
//! is removed rather than kept: removing too much can only cost a code sample its comment;
//! keeping too much would let it through.
//! The body is parsed as GitHub parses it: a lone carriage return ends a line, and
//! invisible characters, which can break a comment's end or a fence, are parsed as they are
//! and removed from what stays ([`super::untrusted`]).

use super::html::{self, entity, Tag};
use super::untrusted::clean_text;
use blocks::Line;
use definitions::destination;
use inline::autolink_end;
use markup::{bogus_comment, raw_markup_closer, Closes};

mod blocks;
mod comments;
mod containers;
mod definitions;
mod footnotes;
mod hidden;
mod inline;
mod markup;
mod parser;
mod tables;

/// Whether code is copied into what is shown, or left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    Kept,
    Left,
}

/// Which references a reading for uses finds ([`Doc::text_for_uses`]). Raw HTML holds
/// none either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Uses {
    /// Those cmark-gfm sees: a footnote shows at the page's end wherever its reference is,
    /// even in what a comment left open in raw HTML before it hides.
    Footnotes,
    /// Those a browser shows: a link's destination shows only where the link does, so what a
    /// comment left open in raw HTML hides holds none.
    Links,
}

/// A `[` no `]` closes ([`Doc::index_brackets`]).
const NO_CLOSE: usize = usize::MAX;

/// Code spans longer than this are not looked for past it: the scan stays linear.
const MAX_CODE_SPAN: usize = 4096;

/// A Markdown body without what its rendering hides (see the module documentation).
pub fn clean_markdown(text: &str) -> String {
    // Parsed as GitHub parses it: with CommonMark's line endings (a lone `\r` ends a line
    // too), and with its invisible characters, which can break a fence, a code span or a
    // comment's end; they are removed from what stays.
    // cmark drops a byte order mark at the start of the document.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut blocks = parser::blocks(&text);
    text.truncate(blocks.end);
    // A table row's cells past its header's are cut before the inline pass (each line
    // keeps its kind): no comment, tag or code span of the shown cells reaches into them.
    let text = if blocks.hidden.is_empty() {
        text
    } else {
        blocks.cut(&text)
    };
    // Footnotes go where GitHub shows them, once it is known which references use.
    let (text, mut blocks) = if blocks.footnotes.is_empty() {
        (text, blocks)
    } else {
        let kinds: Vec<Line> = blocks.lines.iter().map(|line| line.2).collect();
        let referenced = {
            let doc = Doc::new(&text, std::mem::take(&mut blocks.lines), &blocks);
            let referenced = doc.footnotes_referenced();
            blocks.lines = doc.lines;
            // Which definition of a label GitHub uses is decided in the source's order.
            blocks.shadowed_definitions = doc.shadowed_definitions;
            referenced
        };
        // The lines go back as the parser found them, without the definitions' marks.
        for (line, kind) in blocks.lines.iter_mut().zip(kinds) {
            line.2 = kind;
        }
        footnotes::in_page_order(&text, blocks, &referenced)
    };
    let doc = Doc::new(&text, std::mem::take(&mut blocks.lines), &blocks);
    drop(blocks);
    clean_text(&doc.visible()).into_owned()
}

struct Doc<'a> {
    text: &'a str,
    /// The text as the inline pass reads it: containers' markers (a block quote's `>`, a
    /// footnote's `[^label]:`) are spaces, since cmark-gfm reads a paragraph's inline parts
    /// (a tag over two lines) without them. What stays is copied from `text`.
    bytes: Vec<u8>,
    /// Each line's start offset, end offset (after its newline) and kind.
    lines: Vec<(usize, usize, Line)>,
    /// Where each `-->` and `--!>` ends (a browser's closes of a comment), and those in raw
    /// HTML lines.
    comment_closes: Vec<usize>,
    /// Each `?>`, `]]>` and `>` ([`raw_markup_closer`]).
    markup_closes: [Closes; 3],
    raw_comment_closes: Vec<usize>,
    /// Each `[` in prose or a table, in order, and the `]` that closes it or [`NO_CLOSE`]
    /// ([`Doc::index_brackets`]).
    bracket_closes: Vec<(usize, usize)>,
    /// Where each `<!--` in prose or a table starts that needs a `-->` to close it: not the
    /// comments `<!-->`, `<!--->` and `<!---->`.
    inline_comment_opens: Vec<usize>,
    /// For each of those, the last at or before it that cmark-gfm finds no end for in its
    /// paragraph or cell, or [`NO_CLOSE`].
    left_open_by: Vec<usize>,
    /// Where each byte is that may open what shelters a comment opener from cmark-gfm's
    /// scan: a code span's backtick, an escape, a `<` of other markup or an autolink, a link
    /// destination's `(` ([`Doc::reads_bang`]).
    shelters: Vec<usize>,
    /// Each `-->`, to find where cmark-gfm ends a comment inside a paragraph.
    comment_scan: Closes,
    /// For each line, where inline parts that start on it must end: the end of its
    /// paragraph, or of the line itself if it is other prose (a heading, indented code);
    /// in raw HTML, where the next blank line starts.
    paragraph_ends: Vec<usize>,
    /// Where each `|` that splits a table's line into cells is, in order.
    cell_edges: Vec<usize>,
    /// For each line of raw HTML, where the raw HTML it is in ends: the last line of raw
    /// HTML before GitHub writes a tag of its own ([`parser::Blocks::raw_starts`]).
    raw_ends: Vec<usize>,
    /// Whether a link reference definition's label starts with `^`: a `[^x]` may then be a
    /// link to it, not a footnote's reference.
    caret_definition: bool,
    /// Where the footnotes GitHub shows at the page's end start, inside its `<section>`,
    /// `<ol>` and `<li>` (the text's end when none is shown).
    footnotes_from: usize,
    /// The first lines of link reference definitions that one before them with the same
    /// label makes unused ([`Doc::mark_unused_definitions`]).
    shadowed_definitions: Vec<usize>,
}

impl<'a> Doc<'a> {
    /// The document of `text`, whose `lines` are `blocks`' (taken from them).
    fn new(text: &'a str, lines: Vec<(usize, usize, Line)>, blocks: &parser::Blocks) -> Self {
        let mut bytes = text.as_bytes().to_vec();
        for marker in &blocks.markers {
            if let Some(marker) = bytes.get_mut(marker.clone()) {
                marker.fill(b' ');
            }
        }
        let markup_closes = [">", "?>", "]]>"].map(|closer| Closes::index(&bytes, closer));
        let comment_scan = Closes::index(&bytes, "-->");
        let mut doc = Doc {
            text,
            bytes,
            lines,
            comment_closes: Vec::new(),
            raw_comment_closes: Vec::new(),
            inline_comment_opens: Vec::new(),
            left_open_by: Vec::new(),
            shelters: Vec::new(),
            bracket_closes: Vec::new(),
            markup_closes,
            comment_scan,
            paragraph_ends: Vec::new(),
            cell_edges: Vec::new(),
            raw_ends: Vec::new(),
            caret_definition: false,
            footnotes_from: blocks.footnotes_from.unwrap_or(text.len()),
            shadowed_definitions: Vec::new(),
        };
        doc.index_raw_ends_and_cells(&blocks.raw_starts);
        doc.index_comments();
        doc.index_paragraph_ends(&blocks.paragraph_last);
        doc.index_comments_left_open();
        doc.index_brackets();
        let paragraph_text: Vec<Option<(usize, usize)>> = (blocks.paragraph_last.iter())
            .zip(&blocks.content)
            .map(|(last, content)| last.map(|last| (*content, last)))
            .collect();
        doc.shadowed_definitions = doc.mark_unused_definitions(&paragraph_text, blocks);
        doc
    }

    /// Where the raw HTML each line is in ends ([`Doc::raw_ends`]), and where each `|` that
    /// splits a table's line into cells is.
    fn index_raw_ends_and_cells(&mut self, raw_starts: &[bool]) {
        // Backwards: a region of raw HTML ends at its last line, and a line that starts one
        // ends the region before it.
        let mut raw_end = self.bytes.len();
        let mut raw_ends = vec![raw_end; self.lines.len()];
        let mut region_open = false;
        for (index, &(_, end, kind)) in self.lines.iter().enumerate().rev() {
            if kind != Line::Html {
                continue;
            }
            if !region_open {
                raw_end = end;
                region_open = true;
            }
            if let Some(slot) = raw_ends.get_mut(index) {
                *slot = raw_end;
            }
            if raw_starts.get(index).copied().unwrap_or(true) {
                region_open = false;
            }
        }
        self.raw_ends = raw_ends;
        for &(start, end, kind) in &self.lines {
            if kind == Line::Row {
                let line = self.bytes.get(start..end).unwrap_or_default();
                let edges = tables::cell_edges(line).map(|at| start + at);
                self.cell_edges.extend(edges);
            }
        }
    }

    /// The index of the line `pos` is on (the number of lines when it is past the last).
    fn line_index(&self, pos: usize) -> usize {
        self.lines.partition_point(|(_, end, _)| *end <= pos)
    }

    fn line_at(&self, pos: usize) -> Option<&(usize, usize, Line)> {
        self.lines.get(self.line_index(pos))
    }

    fn kind_at(&self, pos: usize) -> Line {
        self.line_at(pos).map_or(Line::Prose, |l| l.2)
    }

    fn starts_with(&self, pos: usize, what: &str) -> bool {
        self.bytes
            .get(pos..)
            .is_some_and(|rest| rest.starts_with(what.as_bytes()))
    }

    /// The text with its hidden parts removed.
    fn visible(&self) -> String {
        self.shown(self.text, None)
    }

    /// What shows outside code and raw HTML, without containers' markers (a footnote's
    /// `[^label]:` is no reference to it): where the `uses` count.
    fn text_for_uses(&self, uses: Uses) -> String {
        let without_markers = std::str::from_utf8(&self.bytes).unwrap_or(self.text);
        self.shown(without_markers, Some(uses))
    }

    /// The labels of the footnotes that references use, in the order of their first
    /// references, if they are known for sure ([`footnotes::References`]).
    fn footnotes_referenced(&self) -> footnotes::References {
        if self.caret_definition {
            return footnotes::References::Unsure;
        }
        let mut seen = std::collections::HashSet::new();
        let mut labels = Vec::new();
        let (found, unsure) =
            definitions::labels_in_order(self.text_for_uses(Uses::Footnotes).as_bytes());
        if unsure {
            return footnotes::References::Unsure;
        }
        for label in found {
            // A reference longer than cmark's longest label matches nothing.
            let raw = label.strip_prefix(b"^").unwrap_or_default();
            if raw.is_empty() || raw.len() > definitions::MAX_LABEL {
                continue;
            }
            match footnotes::key(raw) {
                Some(key) if seen.insert(key.clone()) => labels.push(key),
                Some(_) => {}
                None => return footnotes::References::Unsure,
            }
        }
        footnotes::References::Known(labels)
    }

    /// What shows, with the text it keeps copied from `source`, which is `text` or as long;
    /// with code and raw HTML left out if it is read for `uses`.
    fn shown(&self, source: &str, uses: Option<Uses>) -> String {
        let code = if uses.is_some() {
            Code::Left
        } else {
            Code::Kept
        };
        let mut out = String::with_capacity(self.text.len());
        let mut pos = 0;
        let mut line = 0;
        while pos < self.bytes.len() {
            // The line `pos` is on, found walking forward (`pos` only grows).
            while uses.is_some() && self.lines.get(line).is_some_and(|line| line.1 <= pos) {
                line += 1;
            }
            let html_end = (self.lines.get(line))
                .filter(|line| uses.is_some() && line.2 == Line::Html)
                .map(|line| line.1);
            let mut kept_any = false;
            let next = match (uses, html_end) {
                (Some(Uses::Footnotes), Some(end)) => end,
                // Raw HTML is read for what it hides, and left out.
                (_, in_html) => self.step(pos, code, source, |kept| {
                    kept_any = true;
                    if in_html.is_none() {
                        out.push_str(kept);
                    }
                }),
            };
            // Markup and code left out of a label are still in it for cmark (`[^1<b>]` and
            // `[a`c`]` refer to no `[^1]` or `[a]`, nor `[a`]` to `[a]`): a blank line, which
            // no label holds, stands for them.
            let left_out = matches!(self.bytes.get(pos), Some(b'<' | b'`'));
            if uses.is_some() && !kept_any && left_out {
                out.push_str("\n\n");
            }
            pos = next.max(pos + 1);
        }
        out
    }

    /// Handles what starts at `pos`, giving what stays (from `source`) to `keep`; returns
    /// where to go on.
    fn step(&self, pos: usize, code: Code, source: &str, mut keep: impl FnMut(&str)) -> usize {
        let Some(&(_, line_end, kind)) = self.line_at(pos) else {
            return self.bytes.len();
        };
        let copy = |from: usize, to: usize, keep: &mut dyn FnMut(&str)| {
            keep(source.get(from..to).unwrap_or_default());
            to
        };
        match kind {
            Line::Code if code == Code::Left => return line_end,
            Line::Code => return copy(pos, line_end, &mut keep),
            Line::Drop => return line_end,
            Line::Reference => {
                let line = self.bytes.get(pos..line_end).unwrap_or_default();
                // The label and destination, without the title. A destination with spaces
                // (`<…>`) is words, not a link: the definition goes.
                if let Some((start, end)) = destination(line) {
                    let link = line.get(start..end).unwrap_or_default();
                    if !link.iter().any(u8::is_ascii_whitespace) {
                        copy(pos, pos + end, &mut keep);
                        keep("\n");
                    }
                }
                return line_end;
            }
            Line::Prose | Line::Row | Line::Html => {}
        }
        let byte = self.bytes.get(pos).copied().unwrap_or_default();
        let autolink = (byte == b'<')
            .then(|| autolink_end(&self.bytes, pos))
            .flatten();
        let char_end = pos
            + self
                .text
                .get(pos..)
                .and_then(|r| r.chars().next())
                .map_or(1, char::len_utf8);
        match byte {
            // A footnote's reference over lines shows none of its text: cmark measures its
            // label in columns and shows `[^` and a few bytes of it (or its number).
            b'[' if self.footnote_reference_end(pos, kind).is_some_and(|end| {
                self.bytes.get(pos..end).is_some_and(|r| r.contains(&b'\n'))
            }) =>
            {
                self.footnote_reference_end(pos, kind).unwrap_or(pos + 1)
            }
            // Raw HTML has no escapes.
            b'\\'
                if kind != Line::Html
                    && self
                        .bytes
                        .get(pos + 1)
                        .is_some_and(u8::is_ascii_punctuation) =>
            {
                copy(pos, pos + 2, &mut keep)
            }
            // What a browser shows of a comment or other raw markup, after it ends one and up
            // to where cmark-gfm does, is raw HTML: text, with no Markdown and no reference.
            b'<' if self.starts_with(pos, "<!--") => match self.comment_extent(pos) {
                Some((hidden, passed)) if hidden < passed && code == Code::Kept => {
                    copy(hidden, passed, &mut keep)
                }
                Some((_, passed)) => passed,
                None => copy(pos, pos + 1, &mut keep),
            },
            // In raw HTML a browser makes a comment, which shows nothing, of `</` not followed
            // by a letter, of `<?` and of `<!` not followed by `--`, a letter or `[CDATA[`,
            // up to the first `>` (or to the end).
            b'<' if kind == Line::Html && bogus_comment(&self.bytes, pos) => {
                self.bogus_comment_end(pos)
            }
            // An autolink is shown, backticks in it included: they open no code span. It
            // holds no reference.
            b'<' if autolink.is_some() => match code {
                Code::Kept => copy(pos, autolink.unwrap_or(pos + 1), &mut keep),
                Code::Left => autolink.unwrap_or(pos + 1),
            },
            // Nor does a link's destination (`[text](/u[a])`).
            b']' if code == Code::Left
                && matches!(kind, Line::Prose | Line::Row)
                && self.starts_with(pos, "](") =>
            {
                keep("](");
                self.skip_to(pos + 2, b')')
            }
            // Processing instructions, declarations and CDATA are raw HTML that shows
            // nothing, like a comment.
            b'<' if raw_markup_closer(&self.bytes, pos).is_some() => {
                match self.raw_markup_end(pos) {
                    Some(end) => match self.browser_markup_end(pos, end) {
                        hidden if hidden < end && code == Code::Kept => {
                            copy(hidden, end, &mut keep)
                        }
                        hidden => hidden.max(end),
                    },
                    None => copy(pos, pos + 1, &mut keep),
                }
            }
            b'<' => match self.tag_at(pos, kind) {
                // A value left open at the end of raw HTML reads on into what GitHub writes
                // after it, as far as a quote there: the rest may be gone.
                Some((_, true)) => self.bytes.len(),
                Some((tag, _)) if tag.hides => self.element_end(&tag),
                // A tag's attributes hold no reference.
                Some((tag, _)) if code == Code::Left => tag.end,
                Some((tag, _)) => match tag.shown() {
                    Some(shown) => {
                        keep(&shown);
                        tag.end
                    }
                    None => copy(pos, tag.end, &mut keep),
                },
                None => copy(pos, pos + 1, &mut keep),
            },
            // A code span is copied as it is, up to any comment or other raw markup in it:
            // where GitHub sees no code span (a backtick taken by a link destination, a
            // table cell's edge), that is hidden, so it goes either way.
            // Where references count, a code span may go on over lines, as in CommonMark:
            // a reference in it is none.
            b'`' if kind == Line::Prose && code == Code::Left => self.code_in_element(pos),
            b'`' if kind == Line::Prose || kind == Line::Row => {
                let end = self.code_span_end(pos, self.inline_limit(pos));
                let is_markup = |at: usize| {
                    self.bytes.get(at) == Some(&b'<')
                        && ((self.starts_with(at, "<!--") && self.comment_end(at).is_some())
                            || self.raw_markup_end(at).is_some()
                            || (self.tag_at(at, kind))
                                .is_some_and(|(tag, _)| tag.hides || tag.shown().is_some()))
                };
                let Some(markup) = (pos..end).find(|&at| is_markup(at)) else {
                    return match code {
                        Code::Kept => copy(pos, end, &mut keep),
                        Code::Left => end,
                    };
                };
                if code == Code::Kept {
                    copy(pos, markup, &mut keep);
                }
                // Markup in the span that runs past its end: where GitHub sees the span,
                // what follows it up to the markup's end is HTML, which may hide more.
                let ignore: &mut dyn FnMut(&str) = &mut |_| {};
                let mut at = markup;
                while at < end {
                    let markup_end = self.step(at, code, source, &mut *ignore);
                    if markup_end > end {
                        return self.raw_rest_end(end, markup_end, false).max(markup_end);
                    }
                    let next = (markup_end.max(at + 1)..end).find(|&next| is_markup(next));
                    at = next.unwrap_or(end);
                }
                markup
            }
            b'&' => match entity(&self.bytes, pos) {
                Some((end, true)) => end,
                Some((end, false)) => copy(pos, end, &mut keep),
                None => copy(pos, pos + 1, &mut keep),
            },
            _ => copy(pos, char_end, &mut keep),
        }
    }

    /// The tag at `pos` on a line of `kind`, and whether it leaves a quoted value open at the
    /// end of the raw HTML it is in. In raw HTML a browser reads tags CommonMark does not
    /// ([`html::lenient_tag`]), and one not closed when the raw HTML ends is closed by the
    /// first `>` GitHub writes after it (the `</li>` of its list item, the `<p>` of the
    /// next paragraph): it ends there, unless it is inside a quoted value.
    fn tag_at(&self, pos: usize, kind: Line) -> Option<(Tag, bool)> {
        if kind != Line::Html {
            // Inline, a tag closes in its paragraph or table cell, or is text.
            let inline = self.bytes.get(..self.inline_limit(pos)).unwrap_or_default();
            return html::tag(inline, pos).map(|tag| (tag, false));
        }
        let raw_end = self.raw_end(pos);
        let raw = self.bytes.get(..raw_end).unwrap_or(self.bytes.as_slice());
        let open_at_the_end = |open: bool| open && raw_end < self.bytes.len();
        html::tag(raw, pos)
            .map(|tag| (tag, false))
            .or_else(|| html::lenient_tag(raw, pos).map(|(tag, open)| (tag, open_at_the_end(open))))
    }

    /// Just past the first `close` from `pos` on in its paragraph, or the paragraph's end.
    fn skip_to(&self, pos: usize, close: u8) -> usize {
        let index = self.line_index(pos);
        let paragraph_end = self.paragraph_ends.get(index).copied();
        let end = paragraph_end.unwrap_or(self.bytes.len()).max(pos);
        let within = self.bytes.get(pos..end).unwrap_or_default();
        within
            .iter()
            .position(|b| *b == close)
            .map_or(end, |at| pos + at + 1)
    }

    /// Where the raw HTML that `pos` is in ends ([`Doc::raw_ends`]).
    fn raw_end(&self, pos: usize) -> usize {
        let index = self.line_index(pos);
        self.raw_ends
            .get(index)
            .copied()
            .unwrap_or(self.bytes.len())
    }
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
