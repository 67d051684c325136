//! Where cmark-gfm's scanner ends raw markup inside a paragraph: a comment (`<!--`), a
//! processing instruction (`<?`), a CDATA section (`<![CDATA[`) or a declaration (`<!X`).
//!
//! The scanner reads each left to right in small units, so the first closer in the text is
//! not always the one it ends at: in a comment, a run of dashes before `>` ends it only if
//! its length is two more than a multiple of three (`<!-- a ----->` is a comment, `<!-- a
//! --->` text). Each closer is indexed once with the run before it, so that finding where
//! markup ends stays a lookup, however many openers share one closer.

use super::html;

/// A closer in the text, as [`Closes`] indexes it.
#[derive(Debug, Clone, Copy)]
struct Close {
    /// Just past the closer.
    end: usize,
    /// How many of its first byte come right before it: `?` before `?>`, `]` before `]]>`,
    /// `-` before `-->` (none are counted before `>`).
    run: usize,
    /// The index of the first closer at or after this one that the scanner ends at,
    /// whatever opened the markup; `usize::MAX` if none does.
    next_clean: usize,
}

/// Every occurrence of one closer in a text, in order.
#[derive(Debug)]
pub(super) struct Closes {
    closer: &'static str,
    found: Vec<Close>,
}

impl Closes {
    /// Every `closer` (`-->`, `?>`, `]]>` or `>`) in `bytes`.
    pub(super) fn index(bytes: &[u8], closer: &'static str) -> Closes {
        let n = closer.len();
        let first = closer.as_bytes().first().copied().unwrap_or_default();
        let mut found: Vec<Close> = (bytes.windows(n).enumerate())
            .filter(|(_, window)| *window == closer.as_bytes())
            .map(|(at, _)| {
                // Runs before two closers never overlap, since each closer ends in `>`;
                // a `>` is not counted, as `>>>` would be read again for each.
                let before = bytes.get(..at).filter(|_| n > 1).unwrap_or_default();
                let run = before.iter().rev().take_while(|b| **b == first).count();
                Close {
                    end: at + n,
                    run,
                    next_clean: usize::MAX,
                }
            })
            .collect();
        let mut next_clean = usize::MAX;
        for (index, close) in found.iter_mut().enumerate().rev() {
            if ends_cleanly(closer, close.run) {
                next_clean = index;
            }
            close.next_clean = next_clean;
        }
        Closes { closer, found }
    }

    /// Where the scanner ends markup whose text starts at `body` (past its opener): just
    /// past the closer, if one is there.
    pub(super) fn end(&self, body: usize) -> Option<usize> {
        let len = self.closer.len();
        let first = self.found.partition_point(|close| close.end < body + len);
        // The run before the first closer may reach back past the opener; those before
        // the others start after it.
        let close = self.found.get(first)?;
        let run = close.run.min(close.end - len - body);
        if ends_cleanly(self.closer, run) {
            return Some(close.end);
        }
        let next = self.found.get(first + 1)?.next_clean;
        self.found.get(next).map(|close| close.end)
    }
}

/// Whether the scanner ends markup at a `closer` that `run` of its first byte come right
/// before (inside the markup). It reads, left to right:
/// - in a processing instruction, a `?` and the byte after it unless that is `>` (which
///   ends it), or another byte: an even run ends none (`<? a ??>` is text, `<?a??>?>` ends
///   at the second `?>`);
/// - in a CDATA section, a `]` and the byte after it unless those are `]>` (which end it),
///   `]]` and a byte not `>`, or another byte; in a comment the same with `-`: a run ends
///   one only if a multiple of three.
fn ends_cleanly(closer: &str, run: usize) -> bool {
    match closer {
        "?>" => run.is_multiple_of(2),
        "]]>" | "-->" => run.is_multiple_of(3),
        _ => true,
    }
}

/// The closer of the processing instruction (`<?`), declaration (`<!`, capital letters and
/// whitespace, as cmark-gfm reads one) or CDATA section (`<![CDATA[`) that starts at `pos`,
/// and the length of its opener, if one does (CommonMark 6.6).
pub(super) fn raw_markup_closer(bytes: &[u8], pos: usize) -> Option<(&'static str, usize)> {
    let rest = bytes.get(pos..)?;
    if rest.starts_with(b"<?") {
        Some(("?>", 2))
    } else if rest.starts_with(b"<![CDATA[") {
        Some(("]]>", "<![CDATA[".len()))
    } else if rest.starts_with(b"<!") && declaration_name(rest) {
        Some((">", 2))
    } else {
        None
    }
}

/// Whether `<!` at the start of `rest` is followed by a declaration's name: capital
/// letters, then whitespace (`<!A-b>` is text).
fn declaration_name(rest: &[u8]) -> bool {
    let after = rest.get(2..).unwrap_or_default();
    let letters = after.iter().take_while(|b| b.is_ascii_uppercase()).count();
    letters > 0 && after.get(letters).is_some_and(|b| html::space(*b))
}

/// Where the comment `<!-->` or `<!--->` at `pos` ends: cmark-gfm and a browser both end
/// it at once, empty.
pub(super) fn empty_comment_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let rest = bytes.get(pos..)?;
    [b"<!-->".as_slice(), b"<!--->"]
        .into_iter()
        .find(|empty| rest.starts_with(empty))
        .map(|empty| pos + empty.len())
}

/// Whether a browser reads something that shows nothing up to the next `>` at `pos` (HTML5
/// tokenization): `</` not followed by a letter, `<?`, or `<!` not followed by `--` (a
/// declaration, a doctype, and `<![CDATA[` outside SVG and MathML too).
pub(super) fn bogus_comment(bytes: &[u8], pos: usize) -> bool {
    let rest = bytes.get(pos..).unwrap_or_default();
    let letter = |at: usize| rest.get(at).is_some_and(u8::is_ascii_alphabetic);
    match rest.get(1) {
        Some(b'/') => !letter(2),
        Some(b'?') => true,
        Some(b'!') => !rest.starts_with(b"<!--"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(text: &str, closer: &'static str, body: usize) -> Option<usize> {
        Closes::index(text.as_bytes(), closer).end(body)
    }

    #[test]
    fn a_run_before_a_closer_decides_whether_the_scanner_ends_there() {
        // Comments: the text starts after `<!--`.
        assert_eq!(end("<!---->", "-->", 4), Some(7));
        assert_eq!(end("<!----->", "-->", 4), None);
        assert_eq!(end("<!--a----->", "-->", 4), Some(11));
        assert_eq!(end("<!--a--->", "-->", 4), None);
        assert_eq!(end("<!--a---> b -->", "-->", 4), Some(15));
        // Processing instructions and CDATA sections.
        assert_eq!(end("<? a ??>", "?>", 2), None);
        assert_eq!(end("<?a??>?>", "?>", 2), Some(8));
        assert_eq!(end("<??>", "?>", 2), Some(4));
        assert_eq!(end("<![CDATA[x]]]>", "]]>", 9), None);
        assert_eq!(end("<![CDATA[x]]]>]]>", "]]>", 9), Some(17));
        assert_eq!(end("<![CDATA[a]]]]]>", "]]>", 9), Some(16));
    }
}
