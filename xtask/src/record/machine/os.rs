//! What the operating system says about itself: its name, its kernel, its memory.
//!
//! The name is `PRETTY_NAME` from os-release (e.g. "Debian GNU/Linux 12 (bookworm)"),
//! the kernel is the uname release from /proc/sys/kernel/osrelease, and the memory is
//! `MemTotal` from /proc/meminfo: the RAM the kernel manages, a little less than what
//! is installed, and what a workload can hope to use.

use super::root::Root;

/// `PRETTY_NAME` of /etc/os-release, or of /usr/lib/os-release, which the os-release
/// specification names as the fallback.
pub fn pretty_name(root: &Root) -> Option<String> {
    ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|path| os_release_value(&root.read(path)?, "PRETTY_NAME"))
}

/// The kernel release, as `uname -r` prints it.
pub fn kernel(root: &Root) -> Option<String> {
    root.read_trimmed("/proc/sys/kernel/osrelease")
}

/// `MemTotal` in bytes.
pub fn memory_bytes(root: &Root) -> Option<u64> {
    mem_total(&root.read("/proc/meminfo")?)
}

/// One variable of an os-release file, which is shell-like: `KEY=value`, `KEY="value"`
/// or `KEY='value'`, with `\"`, `\\`, `` \` `` and `\$` escaped inside double quotes.
pub fn os_release_value(text: &str, key: &str) -> Option<String> {
    let raw = text.lines().find_map(|line| {
        let (name, value) = line.trim().split_once('=')?;
        (name.trim() == key).then(|| value.trim())
    })?;
    let value = if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        let mut unescaped = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => unescaped.extend(chars.next()),
                c => unescaped.push(c),
            }
        }
        unescaped
    } else if let Some(inner) = raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        inner.to_owned()
    } else {
        raw.to_owned()
    };
    (!value.is_empty()).then_some(value)
}

/// `MemTotal:       16373272 kB` in bytes. The kernel always writes kB (KiB).
pub fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))?;
    let mut fields = line.split_whitespace();
    let amount: u64 = fields.next()?.parse().ok()?;
    let unit = match fields.next() {
        Some("kB") => 1024,
        None => 1,
        Some(_) => return None,
    };
    amount.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n";
        assert_eq!(
            os_release_value(debian, "PRETTY_NAME").as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(
            os_release_value(debian, "NAME").as_deref(),
            Some("Debian GNU/Linux")
        );
        assert_eq!(os_release_value(debian, "VERSION"), None);
        assert_eq!(
            os_release_value("PRETTY_NAME=Alpine\n", "PRETTY_NAME").as_deref(),
            Some("Alpine")
        );
        assert_eq!(
            os_release_value("PRETTY_NAME='Ubuntu 24.04.2 LTS'", "PRETTY_NAME").as_deref(),
            Some("Ubuntu 24.04.2 LTS")
        );
        assert_eq!(
            os_release_value(r#"PRETTY_NAME="say \"hi\" \$5""#, "PRETTY_NAME").as_deref(),
            Some(r#"say "hi" $5"#)
        );
        assert_eq!(os_release_value("PRETTY_NAME=\"\"", "PRETTY_NAME"), None);
    }

    #[test]
    fn meminfo() {
        let text = "MemTotal:       16373272 kB\nMemFree:         1234 kB\n";
        assert_eq!(mem_total(text), Some(16373272 * 1024));
        assert_eq!(mem_total("MemFree: 1 kB\n"), None);
        assert_eq!(mem_total("MemTotal: lots kB\n"), None);
        assert_eq!(mem_total("MemTotal: 5 MB\n"), None);
    }
}
