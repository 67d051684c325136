//! HTML inside Markdown, as far as hiding goes: reading a tag and its attributes
//! (CommonMark 6.6), deciding whether the element renders as nothing, and character
//! references that spell invisible characters. `markdown.rs` decides where HTML counts.

use super::untrusted::clean_text;

/// A start tag is not read past this many bytes, so that the scan stays linear on hostile
/// input; one this long is taken as hiding its element.
const MAX_TAG: usize = 4096;

/// Elements removed with their content whatever their attributes.
const NEVER_SHOWN: [&str; 4] = ["script", "style", "template", "rp"];
/// Tags GitHub writes as text (GFM's tagfilter: `&lt;script>`): on the page they are
/// neither elements nor the end of one.
const FILTERED: [&str; 9] = [
    "title",
    "textarea",
    "style",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "script",
    "plaintext",
];

/// Formatting elements, whose end tag a browser honours through blocks opened inside them
/// (the adoption agency algorithm).
const FORMATTING: [&str; 14] = [
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

pub fn formatting(name: &str) -> bool {
    FORMATTING.contains(&name)
}

/// Whether GitHub writes the tag at `pos` as text: one of [`FILTERED`] (in any case),
/// followed by a space, tab, line end, `>` or `/>`. (`<script/x>` and `<style\f>` are tags,
/// and hide what follows.)
fn filtered(bytes: &[u8], pos: usize) -> bool {
    let name_from = pos
        + if bytes.get(pos + 1) == Some(&b'/') {
            2
        } else {
            1
        };
    let rest = bytes.get(name_from..).unwrap_or_default();
    FILTERED.iter().any(|name| {
        let after = rest.get(name.len()..).unwrap_or_default();
        rest.len() >= name.len()
            && rest
                .get(..name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && matches!(
                after,
                [b' ' | b'\t' | b'\n' | b'\r' | b'>', ..] | [b'/', b'>', ..]
            )
    })
}
/// Void elements (no end tag).
pub const VOID: [&str; 13] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
/// Named character references of invisible characters.
const INVISIBLE_ENTITIES: [&str; 17] = [
    "shy",
    "zwj",
    "zwnj",
    "lrm",
    "rlm",
    "nobreak",
    "zerowidthspace",
    "negativethinspace",
    "negativemediumspace",
    "negativethickspace",
    "negativeverythinspace",
    "invisibletimes",
    "invisiblecomma",
    "applyfunction",
    "af",
    "it",
    "ic",
];

/// An HTML start or end tag.
pub struct Tag {
    pub end: usize,
    pub name: String,
    pub closing: bool,
    pub self_closing: bool,
    /// A start tag of an element that renders as nothing.
    pub hides: bool,
    /// Its attributes: lowercase names, values as written.
    pub attributes: Vec<(String, String)>,
}

/// The elements GitHub's sanitizer keeps (its allowlist); it strips the tags of any other,
/// keeping what they hold.
const KNOWN_ELEMENTS: [&str; 63] = [
    "a",
    "abbr",
    "b",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "h7",
    "h8",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "ul",
    "var",
];

/// Whether attribute `name` with `value` stays on element `element` when the tag is shown:
/// those whose text a person sees (`title` on hover, `alt` when an image fails), the link
/// and the image (`href` on `a`, `src` on `img`), and layout and language with values that
/// are no words (`width="40"`, `align="center"`, `dir="rtl"`). GitHub's sanitizer drops
/// the rest of what it does not allow (`data-*`, `class`, `style`, `id`); of what it allows,
/// the rest shows no text (`aria-label`, `itemprop`, `cite`, `lang`, which can spell words): any
/// of them could carry words for the model alone.
fn shown_attribute(element: &str, name: &str, value: &str) -> bool {
    let value = value.trim();
    let number = || {
        !value.is_empty()
            && value
                .trim_end_matches('%')
                .bytes()
                .all(|b| b.is_ascii_digit())
    };
    let one_of = |words: &[&str]| words.iter().any(|w| value.eq_ignore_ascii_case(w));
    match name {
        "title" | "alt" => true,
        "href" => element == "a",
        "src" => element == "img",
        "width" | "height" | "colspan" | "rowspan" | "span" | "start" => number(),
        "align" => one_of(&[
            "left", "right", "center", "justify", "top", "middle", "bottom",
        ]),
        "dir" => one_of(&["ltr", "rtl", "auto"]),
        "datetime" => value
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-:+.TZ ".contains(&b)),
        "open" => value.is_empty() || one_of(&["open"]),
        _ => false,
    }
}

impl Tag {
    /// The tag as GitHub shows it: `None` when it keeps every attribute, else the tag
    /// rebuilt with only those it keeps (`data-*`, `class`, `style`… are never shown).
    pub fn shown(&self) -> Option<String> {
        // GitHub's sanitizer strips elements it does not know, and their tags say nothing.
        if !KNOWN_ELEMENTS.contains(&self.name.as_str()) {
            return Some(String::new());
        }
        if self.closing {
            return (!self.attributes.is_empty()).then(|| format!("</{}>", self.name));
        }
        // A browser keeps the first of two attributes with one name.
        let mut seen = std::collections::HashSet::new();
        let shown: Vec<&(String, String)> = (self.attributes.iter())
            .filter(|(name, value)| {
                seen.insert(name.as_str()) && shown_attribute(&self.name, name, value)
            })
            .collect();
        if shown.len() == self.attributes.len() {
            return None;
        }
        let mut out = format!("<{}", self.name);
        for (name, value) in shown {
            let quote = if value.contains('"') { '\'' } else { '"' };
            out.push_str(&format!(" {name}={quote}{value}{quote}"));
        }
        out.push_str(if self.self_closing { " />" } else { ">" });
        Some(out)
    }
}

const VERTICAL_TAB: u8 = 0x0b;

/// Whitespace as cmark reads it, in a tag and in block structure: a space, a tab, a line
/// end, a vertical tab or a form feed.
pub fn space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == VERTICAL_TAB
}

/// The HTML tag at `pos`, if one is there (CommonMark 6.6) and GitHub does not write it
/// as text.
pub fn tag(bytes: &[u8], pos: usize) -> Option<Tag> {
    read_tag(bytes, pos, Some(MAX_TAG)).filter(|_| !filtered(bytes, pos))
}

/// Where a complete tag at `pos` ends, however long, as CommonMark reads it: what an HTML
/// block of the seventh kind starts with.
pub fn complete_tag_end(bytes: &[u8], pos: usize) -> Option<usize> {
    read_tag(bytes, pos, None).map(|tag| tag.end)
}

/// The tag at `pos`, read as far as `limit` bytes: one longer is taken to hide.
fn read_tag(bytes: &[u8], pos: usize, limit: Option<usize>) -> Option<Tag> {
    let mut at = pos + 1;
    let closing = bytes.get(at) == Some(&b'/');
    if closing {
        at += 1;
    }
    let name_len = bytes
        .get(at..)?
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    if !bytes.get(at)?.is_ascii_alphabetic() {
        return None;
    }
    let name = std::str::from_utf8(bytes.get(at..at + name_len)?)
        .ok()?
        .to_ascii_lowercase();
    at += name_len;
    // CommonMark reads a vertical tab as a space; a browser, as part of the name, up to its
    // own whitespace: `<s\v hidden>` is an element named `s\v`, which only `</s\v>` ends.
    // Read once the tag is known to be one: most `<` start none.
    let vertical_tab = (bytes.get(at) == Some(&VERTICAL_TAB)).then_some(at);
    let browser_name = |mut name: String| {
        if let Some(from) = vertical_tab {
            let rest = bytes.get(from..).unwrap_or_default();
            let more = rest
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && !b"/>".contains(b));
            name.extend(more.map(|b| char::from(b.to_ascii_lowercase())));
        }
        name
    };
    let mut attributes: Vec<(String, String)> = Vec::new();
    loop {
        if limit.is_some_and(|limit| at > pos + limit) && !closing {
            let rest = bytes.get(at..).unwrap_or_default();
            let close = rest.iter().position(|b| *b == b'>');
            return Some(Tag {
                end: close.map_or(bytes.len(), |i| at + i + 1),
                name: browser_name(name),
                closing,
                self_closing: false,
                hides: true,
                attributes,
            });
        }
        let spaces = bytes.get(at..)?.iter().take_while(|b| space(**b)).count();
        at += spaces;
        match bytes.get(at)? {
            b'>' => break,
            b'/' if !closing && bytes.get(at + 1) == Some(&b'>') => {
                at += 1;
                break;
            }
            _ if spaces == 0 || closing => return None,
            _ => {
                let (attribute, end) = attribute(bytes, at)?;
                attributes.push(attribute);
                at = end;
            }
        }
    }
    let self_closing = bytes.get(at - 1) == Some(&b'/');
    let name = browser_name(name);
    let hides = !closing && hides(&name, &attributes);
    Some(Tag {
        end: at + 1,
        name,
        closing,
        self_closing,
        hides,
        attributes,
    })
}

/// A tag as a browser reads it where CommonMark sees none (an HTML block is passed on raw):
/// `<b title="a"data-x="…">`, `<b/data-x=…>`, `</b x>`, a value holding `<`. Its name, and
/// where it ends: the first `>` outside a quoted value, however far; one that never closes
/// runs to the end of `bytes`, and says whether a quoted value was still open there. Its
/// attributes are not read, so none is kept. A scan that does not stop early is the tag's
/// own: what it passes is gone.
pub fn lenient_tag(bytes: &[u8], pos: usize) -> Option<(Tag, bool)> {
    let mut at = pos + 1;
    let closing = bytes.get(at) == Some(&b'/');
    if closing {
        at += 1;
    }
    if !bytes.get(at)?.is_ascii_alphabetic() {
        return None;
    }
    let name_len = bytes
        .get(at..)?
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    let name = std::str::from_utf8(bytes.get(at..at + name_len)?)
        .ok()?
        .to_ascii_lowercase();
    if filtered(bytes, pos) {
        return None;
    }
    let mut quote = None;
    let mut after_equals = false;
    let mut end = bytes.len();
    for (offset, &b) in bytes.get(at + name_len..)?.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            // A quote opens a value only right after `=`; elsewhere it is a character.
            (None, b'"' | b'\'') if after_equals => quote = Some(b),
            (None, b'>') => {
                end = at + name_len + offset + 1;
                break;
            }
            (None, _) => {}
        }
        if !b.is_ascii_whitespace() {
            after_equals = b == b'=';
        }
    }
    // Its attributes are not read: one that may say `hidden` or `style` is taken to hide.
    let text = bytes.get(at + name_len..end).unwrap_or_default();
    let may_hide = contains_ci(text, "hidden") || contains_ci(text, "style");
    let hides = !closing && (hides(&name, &[]) || may_hide);
    let tag = Tag {
        end,
        name,
        closing,
        self_closing: false,
        hides,
        // What it had is not known: one stands for it, so that it is shown bare.
        attributes: vec![("data-unread".into(), String::new())],
    };
    Some((tag, quote.is_some()))
}

/// Whether `needle` is in `haystack`, ignoring ASCII case.
pub fn contains_ci(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len().max(1))
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// One attribute at `at`: its lowercase name and value, and where it ends.
fn attribute(bytes: &[u8], at: usize) -> Option<((String, String), usize)> {
    let rest = bytes.get(at..)?;
    let first = *rest.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b':') {
        return None;
    }
    let name_len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(b))
        .count();
    let name = std::str::from_utf8(rest.get(..name_len)?)
        .ok()?
        .to_ascii_lowercase();
    let spaces = |from: usize| {
        rest.get(from..)
            .map_or(0, |r| r.iter().take_while(|b| space(**b)).count())
    };
    let eq = name_len + spaces(name_len);
    if rest.get(eq) != Some(&b'=') {
        return Some(((name, String::new()), at + name_len));
    }
    let start = eq + 1 + spaces(eq + 1);
    let (value, end) = match rest.get(start)? {
        quote @ (b'"' | b'\'') => {
            let len = rest.get(start + 1..)?.iter().position(|b| b == quote)?;
            (rest.get(start + 1..start + 1 + len)?, start + len + 2)
        }
        _ => {
            let len = rest
                .get(start..)?
                .iter()
                .take_while(|b| !space(**b) && !b"\"'=<>`".contains(b))
                .count();
            if len == 0 {
                return None;
            }
            (rest.get(start..start + len)?, start + len)
        }
    };
    let value = String::from_utf8_lossy(value).into_owned();
    Some(((name, value), at + end))
}

/// A character reference at `pos`: its end, and whether it spells an invisible
/// character.
pub fn entity(bytes: &[u8], pos: usize) -> Option<(usize, bool)> {
    let rest = bytes.get(pos + 1..)?;
    let len = rest.iter().take(32).position(|b| *b == b';')?;
    let name = std::str::from_utf8(rest.get(..len)?).ok()?;
    let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(decimal) = name.strip_prefix('#') {
        decimal.parse().ok()
    } else {
        if !name.bytes().all(|b| b.is_ascii_alphanumeric()) || name.is_empty() {
            return None;
        }
        let hidden = INVISIBLE_ENTITIES.contains(&name.to_ascii_lowercase().as_str());
        return Some((pos + len + 2, hidden));
    };
    let hidden = code
        .and_then(char::from_u32)
        .is_some_and(|c| clean_text(&c.to_string()).is_empty());
    Some((pos + len + 2, hidden))
}

/// Whether an element with these attributes is hidden when rendered.
pub fn hides(name: &str, attributes: &[(String, String)]) -> bool {
    if NEVER_SHOWN.contains(&name) || name == "meta" || name == "link" {
        return true;
    }
    attributes
        .iter()
        .any(|(attribute, value)| match attribute.as_str() {
            "hidden" => true,
            "type" => name == "input" && value.trim().eq_ignore_ascii_case("hidden"),
            "style" => hidden_by_style(value),
            _ => false,
        })
}

/// `display: none`, `visibility: hidden|collapse`, `opacity: 0`, or a zero size.
fn hidden_by_style(style: &str) -> bool {
    // A browser decodes character references in the value (`display&#58;none`) and CSS
    // escapes in it (`displ\61y`): such a style is taken to hide.
    if style.contains(['&', '\\']) {
        return true;
    }
    let compact: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    compact.split(';').any(|declaration| {
        let Some((property, value)) = declaration.split_once(':') else {
            return false;
        };
        let value = value.trim_end_matches("!important");
        let zero = value
            .trim_start_matches(['0', '.'])
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '%')
            && value.starts_with(['0', '.']);
        match property {
            "display" => value == "none",
            "visibility" => value == "hidden" || value == "collapse",
            "opacity" | "font-size" | "width" | "height" | "max-width" | "max-height" => zero,
            _ => false,
        }
    })
}
