//! A Markdown body's blocks, line by line, as cmark-gfm (GitHub's parser) finds them: each
//! line goes on in the open block quotes, list items and footnote definitions it can
//! ([`super::containers`]), may open new ones, and then goes on in the open leaf block (a
//! paragraph, a table, a fence, an HTML block, indented code), starts a new one, or is a
//! paragraph's lazy line. What comes of it is each line's kind for the inline pass, the
//! parts of lines GitHub never shows (a fence's info string, a table row's cells past the
//! header's), where each block quote's `>` and each footnote's `[^label]:` is, and the
//! lines of each footnote.

use super::blocks::{
    closes_fence, fence_opening, html_block_start, interrupts, tag_alone, unseen_info, HtmlEnd,
    Line,
};
use super::containers::{
    blank_line_goes_on, open_footnote, open_item, open_quote, Container, Cursor,
};
use super::definitions::{only_definitions, starts_definition};
use super::footnotes::{self, Footnote};
use super::html::contains_ci;
use super::tables::{self, Table};
use std::ops::Range;

/// How many block quotes, list items and footnotes a line may be in. cmark-gfm has no limit, but no
/// page a person writes comes near it; past it, a line and the rest of the body are left
/// out ([`Blocks::end`]): each blank line is read against every open list item, and the
/// structure of what is deeper would be a guess.
const MAX_CONTAINERS: usize = 100;

/// The blocks of a body.
pub(super) struct Blocks {
    /// Where what was read ends: the end of the text, or the start of the first line nested
    /// deeper than [`MAX_CONTAINERS`].
    pub(super) end: usize,
    /// Each line's start offset, end offset (after its newline) and kind.
    pub(super) lines: Vec<(usize, usize, Line)>,
    /// The parts of lines GitHub never shows, in order.
    pub(super) hidden: Vec<Range<usize>>,
    /// Where each container's marker is, in order: a block quote's `>`, a footnote's
    /// `[^label]:` and the spaces after it. The inline pass reads them as spaces.
    pub(super) markers: Vec<Range<usize>>,
    /// For each line in a paragraph, the index of the paragraph's last line: inline parts
    /// (a comment, a tag over lines) end within it.
    pub(super) paragraph_last: Vec<Option<usize>>,
    /// For each line, where its text starts after its containers and indentation.
    pub(super) content: Vec<usize>,
    /// For each line of raw HTML, whether GitHub writes something of its own (a tag) before
    /// it since the raw HTML before: an HTML block in other containers, or after a block
    /// that is not blank lines. Raw HTML that does not start anew runs on from the last.
    pub(super) raw_starts: Vec<bool>,
    /// The footnote definitions, in the order they open (one in another after it).
    pub(super) footnotes: Vec<Footnote>,
    /// Where the footnotes GitHub shows at the page's end start, once they are put there
    /// ([`super::footnotes::in_page_order`]).
    pub(super) footnotes_from: Option<usize>,
    /// The first lines of link reference definitions GitHub does not use, since one with
    /// the same label comes before them in the source, in order. Known only once footnotes
    /// have moved lines ([`super::footnotes::in_page_order`]); until then the order of the
    /// lines is the source's, and the first of each label is found as they are read.
    pub(super) shadowed_definitions: Vec<usize>,
    /// The first lines of paragraphs whose last line became a table's header, in order:
    /// cmark-gfm reads no link reference definition in what is left of them.
    pub(super) before_tables: Vec<usize>,
}

/// The leaf block the lines so far end in.
enum Leaf {
    /// None: after a blank line, a heading or a thematic break.
    Closed,
    Paragraph {
        /// The index of its first line.
        first: usize,
        /// The last line's text: a table's header if a delimiter row follows.
        last: Range<usize>,
        /// Whether a delimiter row under it failed to make it a table: cmark-gfm tries a
        /// paragraph once.
        tried: bool,
        /// Whether it opens with a link reference definition: cmark makes no setext heading
        /// of one that holds only definitions, and it is taken to hold only them (then the
        /// underline is the paragraph's text, and what follows may not be code).
        definitions: bool,
        /// Whether cmark has read its definitions already: it does so when a setext
        /// underline comes under them. A table's header taking its last line later leaves
        /// them read (see [`Blocks::before_tables`]).
        resolved: bool,
        /// What [`Parser::may_hold_only_definitions`] found, once later lines cannot change
        /// it: a line of text, or a definition left open. Each underline would otherwise
        /// read the paragraph again.
        settled: Option<bool>,
    },
    Table(Table),
    /// A fenced code block: its character and length.
    Fence(u8, usize),
    Html(HtmlEnd),
    /// Indented code: shown as it is written, like a fence's.
    IndentedCode,
}

/// The blocks of `text`.
pub(super) fn blocks(text: &str) -> Blocks {
    let mut parser = Parser {
        text: text.as_bytes(),
        containers: Vec::new(),
        leaf: Leaf::Closed,
        out: Blocks {
            end: text.len(),
            lines: Vec::new(),
            hidden: Vec::new(),
            markers: Vec::new(),
            paragraph_last: Vec::new(),
            content: Vec::new(),
            raw_starts: Vec::new(),
            footnotes: Vec::new(),
            footnotes_from: None,
            shadowed_definitions: Vec::new(),
            before_tables: Vec::new(),
        },
        ids: Vec::new(),
        next_id: 0,
        last_raw: None,
        open_footnotes: Vec::new(),
        footnotes_ended: 0,
        lazy_line: false,
    };
    let mut start = 0;
    while start < text.len() {
        let rest = text.as_bytes().get(start..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|b| *b == b'\n')
            .map_or(text.len(), |at| start + at + 1);
        if !parser.line(start, end) {
            parser.out.end = start;
            parser.out.markers.retain(|at| at.start < start);
            break;
        }
        start = end;
    }
    parser.set_leaf(Leaf::Closed);
    parser.truncate_containers(0);
    parser.out
}

struct Parser<'a> {
    text: &'a [u8],
    /// The block quotes and list items open, outermost first.
    containers: Vec<Container>,
    /// A number for each open container, none used twice: which they are.
    ids: Vec<u32>,
    next_id: u32,
    /// The containers the last line of raw HTML was in, while only blank lines followed it.
    last_raw: Option<Vec<u32>>,
    /// The footnotes open: how many containers are around each, its index in
    /// [`Blocks::footnotes`], and `last_raw` when it opened. GitHub shows a footnote apart,
    /// so raw HTML before it runs on after it, and none runs into it.
    open_footnotes: Vec<(usize, usize, Option<Vec<u32>>)>,
    /// How many footnotes have ended.
    footnotes_ended: usize,
    /// Whether the line being read is a paragraph's lazy line.
    lazy_line: bool,
    leaf: Leaf,
    out: Blocks,
}

impl Parser<'_> {
    /// Reads the line from `start` to `end`; false if it is nested too deep to be read.
    fn line(&mut self, start: usize, end: usize) -> bool {
        let line = self.text.get(start..end).unwrap_or_default();
        let mut cursor = Cursor::new(line);
        let markers = &mut self.out.markers;
        let mut matched = 0;
        if cursor.blank() {
            // Read apart: a blank line goes on in every open list item without a byte.
            let empty = line == b"\n";
            let (blank_matched, columns) =
                blank_line_goes_on(&self.containers, cursor.indent(), empty);
            cursor.advance(columns, true);
            matched = blank_matched;
        } else {
            for container in &self.containers {
                if !container.goes_on(&mut cursor, &mut |at| {
                    markers.push(start + at..start + at + 1)
                }) {
                    break;
                }
                matched += 1;
            }
        }
        let Some(kind) = self.leaf_and_new_blocks(&mut cursor, start, matched) else {
            return false;
        };
        self.out.lines.push((start, end, kind));
        self.out.paragraph_last.push(None);
        // A lazy line's text keeps its indentation, as cmark adds it to the paragraph: a
        // definition there may not be indented four columns or by a tab.
        let content = if std::mem::take(&mut self.lazy_line) {
            cursor.offset
        } else {
            cursor.first_nonspace().0
        };
        self.out.content.push(start + content);
        let raw_start = match kind {
            Line::Html => {
                let raw_start = self.last_raw.as_ref() != Some(&self.ids);
                self.last_raw = Some(self.ids.clone());
                raw_start
            }
            _ if !cursor.blank() => {
                self.last_raw = None;
                false
            }
            _ => false,
        };
        self.out.raw_starts.push(raw_start);
        true
    }

    /// Ends the open leaf block, `next` taking its place. A paragraph's lines (all but the
    /// last when it became a table's header) learn where it ends.
    fn set_leaf(&mut self, next: Leaf) {
        if let Leaf::Paragraph {
            first, resolved, ..
        } = std::mem::replace(&mut self.leaf, next)
        {
            let header = matches!(self.leaf, Leaf::Table(_));
            let lines = self.out.lines.len() - usize::from(header);
            if let Some(last) = lines.checked_sub(1).filter(|last| *last >= first) {
                if header && !resolved {
                    self.out.before_tables.push(first);
                }
                let slots = self.out.paragraph_last.get_mut(first..=last);
                slots
                    .into_iter()
                    .flatten()
                    .for_each(|slot| *slot = Some(last));
            }
        }
    }

    /// Reads the line from `cursor`, after the `matched` containers it goes on in: the open
    /// leaf, new containers and a new leaf. Returns the line's kind, or `None` if it would
    /// open more containers than [`MAX_CONTAINERS`].
    fn leaf_and_new_blocks(
        &mut self,
        cursor: &mut Cursor,
        start: usize,
        matched: usize,
    ) -> Option<Line> {
        let all = matched == self.containers.len();
        let blank = cursor.blank();
        let indent = cursor.indent();
        let rest = cursor.rest();
        let leaf_goes_on = all
            && match self.leaf {
                Leaf::Closed => false,
                Leaf::Paragraph { .. } => !blank,
                Leaf::Table(_) => !blank && tables::cells(rest) > 0,
                Leaf::Fence(..) | Leaf::Html(HtmlEnd::Marker(_)) => true,
                Leaf::Html(HtmlEnd::Blank) => !blank,
                Leaf::IndentedCode => blank || indent >= 4,
            };
        // A leaf that takes lines as they are ends them here.
        if leaf_goes_on {
            match self.leaf {
                Leaf::Fence(ch, n) => {
                    if indent <= 3 && closes_fence(rest, ch, n) {
                        self.set_leaf(Leaf::Closed);
                    }
                    return Some(Line::Code);
                }
                Leaf::Html(ending) => {
                    if let HtmlEnd::Marker(ends) = ending {
                        if ends.iter().any(|m| contains_ci(rest, m)) {
                            self.set_leaf(Leaf::Closed);
                        }
                    }
                    return Some(Line::Html);
                }
                Leaf::IndentedCode => return Some(Line::Code),
                _ => {}
            }
        }
        let paragraph_goes_on = leaf_goes_on && matches!(self.leaf, Leaf::Paragraph { .. });
        let table_goes_on = leaf_goes_on && matches!(self.leaf, Leaf::Table(_));
        let opened = self.open_containers(cursor, start, matched, paragraph_goes_on)? > 0;
        let in_paragraph = paragraph_goes_on && !opened;
        let maybe_lazy = matches!(self.leaf, Leaf::Paragraph { .. }) && !opened;
        let indent = cursor.indent();
        let indented = indent >= 4;
        let rest = cursor.rest();
        let (at, _) = cursor.first_nonspace();
        let blank = cursor.blank();
        let mut kind = Line::Prose;
        let new_leaf = if indented {
            let code = !maybe_lazy && !blank;
            if code {
                kind = Line::Code;
            }
            code.then_some(Leaf::IndentedCode)
        } else if tables::heading(rest) {
            Some(Leaf::Closed)
        } else if let Some((ch, n)) = fence_opening(rest) {
            let line = self.text.get(start + at..).unwrap_or_default();
            let line = line.get(..rest.len()).unwrap_or_default();
            if let Some(info) = unseen_info(line, n) {
                let from = start + at;
                self.out.hidden.push(from + info.start..from + info.end);
            }
            kind = Line::Code;
            Some(Leaf::Fence(ch, n))
        } else if let Some(ending) = html_block_start(rest).filter(|ending| match ending {
            HtmlEnd::Marker(_) => true,
            // A tag alone on its line cannot interrupt a paragraph.
            HtmlEnd::Blank => interrupts(rest) || (!in_paragraph && tag_alone(rest)),
        }) {
            kind = Line::Html;
            let closed_here = match ending {
                // After the `<`: `<?>` closes where it opens.
                HtmlEnd::Marker(ends) => {
                    let after = rest.get(1..).unwrap_or_default();
                    ends.iter().any(|m| contains_ci(after, m))
                }
                HtmlEnd::Blank => false,
            };
            Some(if closed_here {
                Leaf::Closed
            } else {
                Leaf::Html(ending)
            })
        } else if in_paragraph && setext_underline(rest) {
            // Before a thematic break, as cmark looks: under definitions alone the underline
            // (`---` too) is the paragraph's text, and no table's delimiter row.
            if let Leaf::Paragraph { resolved, .. } = &mut self.leaf {
                *resolved = true;
            }
            (!self.may_hold_only_definitions(start)).then_some(Leaf::Closed)
        } else if cursor.thematic_break() {
            Some(Leaf::Closed)
        } else if in_paragraph {
            self.table_header(rest).inspect(|_| kind = Line::Row)
        } else if table_goes_on && !opened && self.take_row(rest, start + at) {
            return Some(Line::Row);
        } else {
            None
        };
        let lazy = !opened && new_leaf.is_none() && !leaf_goes_on && maybe_lazy && !blank;
        if lazy {
            // A paragraph's lazy line: the containers it is not in stay open. Its text
            // keeps its indentation, which is a cell of its own if it is a table's header.
            let from = cursor.offset.min(at);
            self.set_last(start + from, at - from + rest.len());
            self.lazy_line = true;
            return Some(kind);
        }
        if !opened {
            self.truncate_containers(matched);
        }
        if !blank {
            for container in &mut self.containers {
                if let Container::Item { filled, .. } = container {
                    *filled = true;
                }
            }
        }
        match new_leaf {
            Some(leaf) => self.set_leaf(leaf),
            None if in_paragraph => self.set_last(start + at, rest.len()),
            None if blank => self.set_leaf(Leaf::Closed),
            None => {
                let last = start + at..start + at + rest.len();
                let first = self.out.lines.len();
                self.set_leaf(Leaf::Paragraph {
                    first,
                    last,
                    tried: false,
                    definitions: starts_definition(rest),
                    resolved: false,
                    settled: None,
                });
            }
        }
        Some(kind)
    }

    /// Opens the block quotes and list items the line at `cursor` starts, after the
    /// `matched` containers it goes on in; `in_paragraph` if it goes on in an open
    /// paragraph, which a list item interrupts only so. Returns how many it opened, or
    /// `None` past [`MAX_CONTAINERS`].
    fn open_containers(
        &mut self,
        cursor: &mut Cursor,
        start: usize,
        matched: usize,
        in_paragraph: bool,
    ) -> Option<usize> {
        let mut opened = 0;
        loop {
            let mut footnote = None;
            let mut marker = None;
            let container = if let Some(at) = open_quote(cursor) {
                marker = Some(at..at + 1);
                Container::Quote
            } else if let Some((label, at)) = open_footnote(cursor) {
                let label = self.text.get(start + label.start..start + label.end);
                footnote = Some(footnotes::key(label.unwrap_or_default()));
                marker = Some(at);
                Container::Footnote
            } else if let Some(item) = Self::try_item(cursor, in_paragraph && opened == 0) {
                item
            } else {
                return Some(opened);
            };
            if matched + opened == MAX_CONTAINERS {
                return None;
            }
            if let Some(at) = marker {
                self.out.markers.push(start + at.start..start + at.end);
            }
            if opened == 0 {
                self.truncate_containers(matched);
                self.set_leaf(Leaf::Closed);
            }
            if let Some(label) = footnote {
                let line = self.out.lines.len();
                // Raw HTML before runs on after the footnote, unless GitHub writes the tags
                // of containers opened around it.
                let last_raw = self.last_raw.take().filter(|_| opened == 0);
                self.open_footnotes.push((
                    self.containers.len(),
                    self.out.footnotes.len(),
                    last_raw,
                ));
                self.out.footnotes.push(Footnote {
                    label,
                    lines: line..line,
                    ended: 0,
                });
            }
            self.containers.push(container);
            self.ids.push(self.next_id);
            self.next_id += 1;
            opened += 1;
        }
    }

    /// A list item at `cursor`, unless the line is a thematic break (`* * *`).
    fn try_item(cursor: &mut Cursor, in_paragraph: bool) -> Option<Container> {
        if cursor.thematic_break() {
            return None;
        }
        open_item(cursor, in_paragraph)
    }

    /// The table whose header is the open paragraph's last line, if `rest` is its delimiter
    /// row.
    fn table_header(&mut self, rest: &[u8]) -> Option<Leaf> {
        let Leaf::Paragraph { last, tried, .. } = &mut self.leaf else {
            return None;
        };
        let cells = tables::delimiter_cells(rest).filter(|_| !*tried)?;
        let header = self.text.get(last.clone()).unwrap_or_default();
        if tables::cells(header) != cells {
            *tried = true;
            return None;
        }
        if let Some(line) = self.out.lines.last_mut() {
            line.2 = Line::Row;
        }
        Some(Leaf::Table(Table::new(cells)))
    }

    /// Takes `rest` (at `from`) as the open table's next row, cutting the cells it does not
    /// show; false if the table takes no more rows.
    fn take_row(&mut self, rest: &[u8], from: usize) -> bool {
        let Leaf::Table(table) = &mut self.leaf else {
            return false;
        };
        if !table.take(rest) {
            return false;
        }
        if let Some(cut) = table.hidden(rest) {
            self.out.hidden.push(from + cut.start..from + cut.end);
        }
        true
    }

    /// Closes the containers past the first `len`, before the line being read.
    fn truncate_containers(&mut self, len: usize) {
        self.containers.truncate(len);
        self.ids.truncate(len);
        while let Some((_, index, last_raw)) =
            self.open_footnotes.pop_if(|(depth, ..)| *depth >= len)
        {
            if let Some(footnote) = self.out.footnotes.get_mut(index) {
                footnote.lines.end = self.out.lines.len();
                footnote.ended = self.footnotes_ended;
            }
            self.footnotes_ended += 1;
            self.last_raw = last_raw;
        }
    }

    /// Whether the open paragraph, up to the line at `start`, may hold only definitions:
    /// it opens with one, a label's `]:` is in it (a label still open is none), and no line
    /// of it is text ([`only_definitions`]).
    fn may_hold_only_definitions(&mut self, start: usize) -> bool {
        let Leaf::Paragraph {
            first,
            definitions: true,
            settled,
            ..
        } = self.leaf
        else {
            return false;
        };
        if let Some(settled) = settled {
            return settled;
        }
        let from = self.out.lines.get(first).map_or(start, |line| line.0);
        let so_far = self.text.get(from..start).unwrap_or_default();
        let lines = (first..self.out.lines.len()).map(|index| {
            let end = self.out.lines.get(index).map_or(start, |line| line.1);
            let text = self.out.content.get(index).copied().unwrap_or(end);
            let text = self.text.get(text..end).unwrap_or_default();
            text.strip_suffix(b"\n").unwrap_or(text)
        });
        let (only, sure) = only_definitions(lines);
        let found = only && so_far.windows(2).any(|pair| pair == b"]:");
        // An underline read as text makes the next one's answer `false`; a line of text
        // or a definition left open settles it now.
        if let Leaf::Paragraph { settled, .. } = &mut self.leaf {
            *settled = match (only, sure && found) {
                (false, _) => Some(false),
                (true, true) => Some(true),
                (true, false) => None,
            };
        }
        found
    }

    fn set_last(&mut self, from: usize, len: usize) {
        if let Leaf::Paragraph { last, .. } = &mut self.leaf {
            *last = from..from + len;
        }
    }
}

/// Whether `text` underlines a setext heading: `=` or `-` only, then spaces or tabs.
fn setext_underline(text: &[u8]) -> bool {
    let Some(&first) = text.first().filter(|b| matches!(b, b'=' | b'-')) else {
        return false;
    };
    let run = text.iter().take_while(|b| **b == first).count();
    text.get(run..)
        .unwrap_or_default()
        .iter()
        .all(|b| matches!(b, b' ' | b'\t'))
}

impl Blocks {
    /// `text` without the hidden parts, with the lines and markers moved to match it:
    /// each line keeps its kind.
    pub(super) fn cut(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut from = 0;
        for range in &self.hidden {
            out.push_str(text.get(from..range.start).unwrap_or_default());
            from = range.end;
        }
        out.push_str(text.get(from..).unwrap_or_default());
        let hidden = &self.hidden;
        move_back(self.lines.iter_mut().map(|line| &mut line.0), hidden);
        move_back(self.lines.iter_mut().map(|line| &mut line.1), hidden);
        move_back(self.markers.iter_mut().map(|at| &mut at.start), hidden);
        move_back(self.markers.iter_mut().map(|at| &mut at.end), hidden);
        move_back(self.content.iter_mut(), hidden);
        out
    }
}

/// Moves each offset (in order) back by the length of the `hidden` ranges that start
/// before it.
fn move_back<'a>(offsets: impl Iterator<Item = &'a mut usize>, hidden: &[Range<usize>]) {
    let mut removed = 0;
    let mut next = hidden.iter().peekable();
    for at in offsets {
        while let Some(range) = next.next_if(|range| range.start < *at) {
            removed += range.len();
        }
        *at -= removed;
    }
}
