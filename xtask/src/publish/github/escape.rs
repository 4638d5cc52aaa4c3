//! Markdown for GitHub: every piece of text that comes from a record or an artifact
//! (series names, commit subjects, reasons, machine names) is written as plain text that
//! GitHub's renderer cannot read as anything else — no HTML, no emphasis, no table
//! cell break, no code span, no link, no `@mention`, no `#123` reference — and no
//! longer than one line. URLs are checked, never escaped into shape.

/// How many characters of one piece of untrusted text a comment shows.
pub const TEXT_LIMIT: usize = 120;

/// `text` as inline Markdown that renders as exactly these characters, on one line and
/// at most [`TEXT_LIMIT`] characters (then ending in `…`).
///
/// Every character Markdown or HTML could act on becomes a numeric character reference,
/// which GitHub renders as the character itself and never as syntax: `@` as `&#64;` is
/// not a mention, `|` as `&#124;` does not end a table cell, `` ` `` does not open a code
/// span. Line breaks and other control characters become spaces.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (shown, c) in text.chars().enumerate() {
        if shown == TEXT_LIMIT {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // `:` ends autolinks (`https:`) and `$` opens math; a line of ours never
            // starts with untrusted text, so `-`, `+` and `=` stay as they are.
            '|' | '`' | '@' | '*' | '_' | '[' | ']' | '(' | ')' | '\\' | '#' | '~' | '!' | ':'
            | '$' => out.push_str(&format!("&#{};", c as u32)),
            c if c.is_control() => out.push(' '),
            // Invisible characters that could hide text or reorder it.
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push(' ')
            }
            c => out.push(c),
        }
    }
    out
}

/// An `https://` (or `http://`) URL made only of characters that need no escaping in a
/// Markdown link target, or None: the run's and the site's links are checked this way.
pub fn url(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let fine = |c: char| c.is_ascii_alphanumeric() || "-._~/?=&%:+,;".contains(c);
    (!host.is_empty() && text.len() <= 2000 && rest.chars().all(fine)).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_renders_as_itself_and_nothing_more() {
        let hostile = "<script>alert(1)</script> | `rm` @octocat #12 **bold** [x](y)\nline";
        let escaped = text(hostile);
        for forbidden in ["<", ">", "|", "`", "@", " #1", "**", "[", "](", "\n"] {
            assert!(
                !escaped.contains(forbidden),
                "{forbidden:?} survived in {escaped}"
            );
        }
        assert!(escaped.starts_with("&lt;script&gt;alert&#40;1&#41;"));
        assert!(escaped.contains("&#64;octocat"));
        assert!(escaped.ends_with(" line"));
        assert_eq!(text("sum/iter rust 1.95.0"), "sum/iter rust 1.95.0");
    }

    #[test]
    fn long_text_ends_after_the_limit() {
        let long = "x".repeat(10_000);
        let shown = text(&long);
        assert_eq!(shown.chars().count(), TEXT_LIMIT + 1);
        assert!(shown.ends_with('…'));
        // A reference is never cut in half.
        let ats = "@".repeat(500);
        assert_eq!(text(&ats), "&#64;".repeat(TEXT_LIMIT) + "…");
    }

    #[test]
    fn only_plain_links_are_used() {
        assert!(url("https://github.com/o/r/actions/runs/1").is_some());
        assert!(url("https://o.github.io/r/").is_some());
        for bad in [
            "javascript:alert(1)",
            "https://x/(y)",
            "https://x/ y",
            "https:///path",
            "https://x/<b>",
            "ftp://x",
            "https://x/\"",
        ] {
            assert!(url(bad).is_none(), "{bad}");
        }
    }
}
