//! Block quotes, list items and footnote definitions, found as cmark-gfm finds them: a line
//! is read from the left, each open container takes its marker or indentation off it in
//! turn, and what is left may open new ones. Columns are counted as cmark counts them, a tab to the next
//! multiple of four, and a tab may be taken in part (`-\tx` is a list item whose content
//! starts at column 4, one column into the tab).

use std::ops::Range;

/// Where reading a line has got to: its byte offset and column, and whether the tab at
/// that offset has been taken in part.
pub(super) struct Cursor<'a> {
    line: &'a [u8],
    pub(super) offset: usize,
    column: usize,
    partial_tab: bool,
    /// The first byte that is not a space or tab at or after `offset`, and its column,
    /// once found: moving through spaces keeps it (as cmark keeps it), so each container
    /// of a deeply nested line does not read its indentation again.
    nonspace: std::cell::Cell<(usize, usize)>,
    /// Where a thematic break looked for from an earlier offset met another character: from
    /// any offset before it, none is found either (cmark's `thematic_break_kill_pos`).
    no_rule_before: usize,
}

const TAB_STOP: usize = 4;

impl<'a> Cursor<'a> {
    pub(super) fn new(line: &'a [u8]) -> Self {
        Cursor {
            line,
            offset: 0,
            column: 0,
            partial_tab: false,
            nonspace: std::cell::Cell::new((0, 0)),
            no_rule_before: 0,
        }
    }

    /// The byte at `at`; a line's end reads as a newline.
    pub(super) fn at(&self, at: usize) -> u8 {
        match self.line.get(at) {
            Some(b'\r') | None => b'\n',
            Some(&b) => b,
        }
    }

    /// The first byte that is not a space or tab from here, and its column.
    pub(super) fn first_nonspace(&self) -> (usize, usize) {
        let found = self.nonspace.get();
        if found.0 > self.offset {
            return found;
        }
        let mut at = self.offset;
        let mut column = self.column;
        loop {
            match self.at(at) {
                b' ' => column += 1,
                b'\t' => column += TAB_STOP - column % TAB_STOP,
                _ => break,
            }
            at += 1;
        }
        self.nonspace.set((at, column));
        (at, column)
    }

    /// How many columns of spaces and tabs come before the first other byte.
    pub(super) fn indent(&self) -> usize {
        self.first_nonspace().1 - self.column
    }

    /// Whether only spaces and tabs are left.
    pub(super) fn blank(&self) -> bool {
        self.at(self.first_nonspace().0) == b'\n'
    }

    /// The text from the first byte that is not a space or tab, to the line's end
    /// (without its newline).
    pub(super) fn rest(&self) -> &'a [u8] {
        let from = self.first_nonspace().0;
        let text = self.line.get(from..).unwrap_or_default();
        text.strip_suffix(b"\n").unwrap_or(text)
    }

    /// Moves on `count` columns (a tab may be taken in part) or, with `columns` false,
    /// `count` bytes.
    pub(super) fn advance(&mut self, mut count: usize, columns: bool) {
        while count > 0 && self.offset < self.line.len() {
            if self.at(self.offset) == b'\t' {
                let to_tab = TAB_STOP - self.column % TAB_STOP;
                if columns {
                    self.partial_tab = to_tab > count;
                    let step = count.min(to_tab);
                    self.column += step;
                    self.offset += usize::from(!self.partial_tab);
                    count -= step;
                } else {
                    self.partial_tab = false;
                    self.column += to_tab;
                    self.offset += 1;
                    count -= 1;
                }
            } else {
                self.partial_tab = false;
                self.offset += 1;
                self.column += 1;
                count -= 1;
            }
        }
    }

    /// Moves to the first byte that is not a space or tab.
    pub(super) fn skip_spaces(&mut self) {
        let (at, _) = self.first_nonspace();
        self.advance(at - self.offset, false);
    }

    /// Whether the rest of the line, from its first character that is not a space, is a
    /// thematic break: three or more `-`, `*` or `_`, with only spaces or tabs between.
    pub(super) fn thematic_break(&mut self) -> bool {
        let (from, _) = self.first_nonspace();
        if from < self.no_rule_before {
            return false;
        }
        let first = self.at(from);
        if !matches!(first, b'-' | b'*' | b'_') {
            return false;
        }
        let mut count = 0;
        for at in from.. {
            match self.at(at) {
                b'\n' => return count >= 3,
                b' ' | b'\t' => {}
                b if b == first => count += 1,
                _ => {
                    self.no_rule_before = at;
                    return false;
                }
            }
        }
        false
    }

    fn save(&self) -> (usize, usize, bool) {
        (self.offset, self.column, self.partial_tab)
    }

    fn restore(&mut self, (offset, column, partial_tab): (usize, usize, bool)) {
        self.offset = offset;
        self.column = column;
        self.partial_tab = partial_tab;
    }
}

/// An open block quote, list item or footnote definition.
#[derive(Debug, Clone, Copy)]
pub(super) enum Container {
    Quote,
    Item {
        /// How far in a line must be to go on in the item: the marker's indentation and
        /// width, and the spaces after it.
        content: usize,
        /// Whether anything is in it yet: a blank line ends an item that is still empty.
        filled: bool,
    },
    /// `[^label]:`: lines indented four columns go on in it, and empty lines.
    Footnote,
}

impl Container {
    /// Whether the line at `cursor` goes on in this container; if so the cursor is moved
    /// past its marker or indentation. `quote_at` is told where a block quote's `>` is.
    pub(super) fn goes_on(&self, cursor: &mut Cursor, quote_at: &mut impl FnMut(usize)) -> bool {
        let indent = cursor.indent();
        match *self {
            Container::Quote => {
                let (at, _) = cursor.first_nonspace();
                if indent > 3 || cursor.at(at) != b'>' {
                    return false;
                }
                quote_at(at);
                cursor.advance(indent + 1, true);
                if matches!(cursor.at(cursor.offset), b' ' | b'\t') {
                    cursor.advance(1, true);
                }
                true
            }
            Container::Item { content, .. } if indent >= content => {
                cursor.advance(content, true);
                true
            }
            Container::Item { filled, .. } if filled && cursor.blank() => {
                cursor.skip_spaces();
                true
            }
            Container::Item { .. } => false,
            Container::Footnote if indent >= FOOTNOTE_INDENT => {
                cursor.advance(FOOTNOTE_INDENT, true);
                true
            }
            Container::Footnote => false,
        }
    }
}

/// How far a line goes in to go on in a footnote.
const FOOTNOTE_INDENT: usize = 4;

/// How many of `containers` a blank line indented `indent` columns goes on in, and the
/// columns they take: list items, each as far as its content or, once filled, with what is
/// left; footnotes four columns in, or without a byte if the line is `empty` from its very
/// start (cmark looks at the line's first byte, whatever containers come before); a block
/// quote needs its `>`.
pub(super) fn blank_line_goes_on(
    containers: &[Container],
    indent: usize,
    empty: bool,
) -> (usize, usize) {
    let mut used = 0;
    for (matched, container) in containers.iter().enumerate() {
        match *container {
            Container::Item { content, .. } if indent - used >= content => used += content,
            Container::Item { filled: true, .. } => used = indent,
            Container::Footnote if indent - used >= FOOTNOTE_INDENT => used += FOOTNOTE_INDENT,
            Container::Footnote if empty => {}
            _ => return (matched, used),
        }
    }
    (containers.len(), used)
}

/// A block quote opening at the cursor (indented less than four columns): the cursor moves
/// past `>` and one space after it.
pub(super) fn open_quote(cursor: &mut Cursor) -> Option<usize> {
    let (at, _) = cursor.first_nonspace();
    if cursor.indent() > 3 || cursor.at(at) != b'>' {
        return None;
    }
    cursor.advance(at + 1 - cursor.offset, false);
    if matches!(cursor.at(cursor.offset), b' ' | b'\t') {
        cursor.advance(1, true);
    }
    Some(at)
}

/// A footnote definition opening at the cursor (indented less than four columns), as
/// `[^label]:` and the spaces and tabs after it: the cursor moves past them. Returns the
/// label's and the marker's byte ranges in the line. The label is one or more bytes other
/// than `]`, spaces, tabs and line ends (cmark-gfm reads a NUL as U+FFFD, which may be in it).
pub(super) fn open_footnote(cursor: &mut Cursor) -> Option<(Range<usize>, Range<usize>)> {
    let (at, _) = cursor.first_nonspace();
    if cursor.indent() > 3 || cursor.at(at) != b'[' || cursor.at(at + 1) != b'^' {
        return None;
    }
    let label = at + 2;
    let mut end = label;
    while !matches!(cursor.at(end), b']' | b' ' | b'\t' | b'\n') {
        end += 1;
    }
    if end == label || cursor.at(end) != b']' || cursor.at(end + 1) != b':' {
        return None;
    }
    let mut after = end + 2;
    while matches!(cursor.at(after), b' ' | b'\t') {
        after += 1;
    }
    cursor.advance(after - cursor.offset, false);
    Some((label..end, at..after))
}

/// A list item opening at the cursor (indented less than four columns): the cursor moves
/// past its marker and the spaces that belong to it. Where it would interrupt a
/// `paragraph`, only a bullet or `1.`/`1)` with text after it does.
pub(super) fn open_item(cursor: &mut Cursor, paragraph: bool) -> Option<Container> {
    let indent = cursor.indent();
    if indent > 3 {
        return None;
    }
    let (at, _) = cursor.first_nonspace();
    let width = list_marker(cursor, at, paragraph)?;
    cursor.advance(at + width - cursor.offset, false);
    let saved = cursor.save();
    let start = cursor.column;
    while cursor.column - start <= 5 && matches!(cursor.at(cursor.offset), b' ' | b'\t') {
        cursor.advance(1, true);
    }
    let spaces = cursor.column - start;
    let empty = cursor.at(cursor.offset) == b'\n';
    let padding = if !(1..5).contains(&spaces) || empty {
        // Code indented past the marker, or nothing after it: the content is one space in.
        cursor.restore(saved);
        if spaces > 0 {
            cursor.advance(1, true);
        }
        width + 1
    } else {
        width + spaces
    };
    Some(Container::Item {
        content: indent + padding,
        filled: !empty,
    })
}

/// The width of the list item marker at `at` (`-`, `+`, `*`, or up to nine digits and `.`
/// or `)`), followed by whitespace.
fn list_marker(cursor: &Cursor, at: usize, paragraph: bool) -> Option<usize> {
    // A vertical tab or form feed after the marker makes no list item.
    let spaced = |after: usize| matches!(cursor.at(after), b' ' | b'\t' | b'\n');
    let text_after = |mut after: usize| {
        while matches!(cursor.at(after), b' ' | b'\t') {
            after += 1;
        }
        cursor.at(after) != b'\n'
    };
    let width = match cursor.at(at) {
        b'-' | b'+' | b'*' => 1,
        b'0'..=b'9' => {
            let mut digits = 0;
            let mut number: u64 = 0;
            while digits < 9 && cursor.at(at + digits).is_ascii_digit() {
                number = number * 10 + u64::from(cursor.at(at + digits) - b'0');
                digits += 1;
            }
            if paragraph && number != 1 || !matches!(cursor.at(at + digits), b'.' | b')') {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    let fits = spaced(at + width) && (!paragraph || text_after(at + width));
    fits.then_some(width)
}
