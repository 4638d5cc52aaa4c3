//! Escaping for each context a record's text reaches: HTML text and attributes (tera's
//! autoescape, on for every template), JavaScript data, and URLs. A commit subject, a
//! branch, a runner's name or a repository comes from whoever pushed the commit or ran
//! the job, so none of it is ever written anywhere unescaped or used to build a URL
//! without being checked.

use serde::Serialize;

/// `owner/name` as GitHub spells repositories: nothing else is used in a link.
pub fn is_repository(text: &str) -> bool {
    let valid = |part: &str| {
        !part.is_empty()
            && part.len() <= 100
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    matches!(text.split_once('/'), Some((owner, name)) if valid(owner) && valid(name))
}

/// A full or abbreviated commit id: 7 to 40 lowercase hex digits.
pub fn is_commit(text: &str) -> bool {
    (7..=40).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// The GitHub page of a commit range (`from...to`), or of one commit without `from`;
/// None unless the repository and both commits are well formed.
pub fn github_compare(repository: &str, from: Option<&str>, to: &str) -> Option<String> {
    if !is_repository(repository) || !is_commit(to) {
        return None;
    }
    match from {
        Some(from) if is_commit(from) => Some(format!(
            "https://github.com/{repository}/compare/{from}...{to}"
        )),
        Some(_) => None,
        None => Some(format!("https://github.com/{repository}/commit/{to}")),
    }
}

/// JSON that is safe inside a `<script>` element and in a `.js` file: `<`, `>` and `&`
/// (so that `</script>` or `<!--` in a value cannot end or change the script) and the
/// line separators U+2028 and U+2029 (line terminators in older JavaScript) are
/// written as `\u` escapes, which JSON and JavaScript both read back as the same text.
pub fn js_json(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, ScriptSafe);
    value
        .serialize(&mut serializer)
        .expect("site data serializes");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// serde_json's compact output, with the characters that could end or change a script
/// escaped inside strings (numbers, which are most of the data, are never scanned).
struct ScriptSafe;

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut from = 0;
        for (at, c) in fragment.char_indices() {
            let escape = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[from..at])?;
            writer.write_all(escape.as_bytes())?;
            from = at + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[from..])
    }
}

/// The body of a data file: a classic script that stores `value` under `key`.
pub fn data_script(key: &str, value: &impl Serialize) -> String {
    format!(
        "(window.VERSUS_DATA = window.VERSUS_DATA || {{}})[{}] = {};\n",
        js_json(&key),
        js_json(value)
    )
}

/// Text for an SVG or HTML text node, escaped by hand where no template does it.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_a_value_can_end_the_script() {
        let hostile = serde_json::json!({
            "subject": "</script><script>alert(1)</script>",
            "ref": "<img src=x onerror=alert(1)>",
            "quote": "a \"quoted\" 'word' & more\u{2028}",
        });
        let script = data_script("m/runs/2026-11", &hostile);
        assert!(!script.contains("</script"), "{script}");
        assert!(!script.contains("<img"), "{script}");
        assert!(!script.contains('\u{2028}'));
        // It still reads back as the same text.
        let json = script
            .trim_end()
            .trim_end_matches(';')
            .split_once("] = ")
            .unwrap()
            .1;
        let back: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(back, hostile);
    }

    #[test]
    fn links_are_built_only_from_well_formed_parts() {
        assert_eq!(
            github_compare("owner/versus", Some("965e45726a17"), "a19dc28ce267").as_deref(),
            Some("https://github.com/owner/versus/compare/965e45726a17...a19dc28ce267")
        );
        assert_eq!(
            github_compare("owner/versus", None, "a19dc28ce267").as_deref(),
            Some("https://github.com/owner/versus/commit/a19dc28ce267")
        );
        for repository in [
            "owner",
            "owner/na me",
            "javascript:alert(1)//x",
            "../..",
            "a/b/c",
            "o/\"x",
        ] {
            assert_eq!(
                github_compare(repository, None, "a19dc28ce267"),
                None,
                "{repository}"
            );
        }
        assert_eq!(github_compare("owner/versus", None, "HEAD~1"), None);
        assert_eq!(
            github_compare("owner/versus", Some("x onerror=1"), "a19dc28ce267"),
            None
        );
        assert_eq!(xml_text("<b>\"&'"), "&lt;b&gt;&quot;&amp;&#39;");
    }
}
