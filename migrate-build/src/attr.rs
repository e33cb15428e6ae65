//! Whether a Rust file registers a migration: found by parsing it, so that a `#[migration]` in a
//! comment or a string (the `new` template's `// #[migration]`) does not count; and, from the same
//! parse, the problems of its SQL literals ([`crate::literals`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use syn::{Attribute, Item};

/// Answers of [`registers_a_migration`] for files by path, size and modification time, saved
/// between runs of the build script. Only files without SQL literal problems are kept: a file with
/// problems fails the build, and is read again on the next.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    known: HashMap<PathBuf, (u64, u128, bool)>,
}

/// A file's size and modification time (nanoseconds since the epoch).
fn stamp(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos()))
}

impl Cache {
    /// The answers saved in `file` (none when it is missing or unreadable).
    pub(crate) fn load(file: &Path) -> Cache {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let known = text
            .lines()
            .filter_map(|line| {
                let mut parts = line.splitn(4, '\t');
                let (size, mtime, yes, path) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
                Some((PathBuf::from(path), (size.parse().ok()?, mtime.parse().ok()?, yes == "1")))
            })
            .collect();
        Cache { known }
    }

    /// Saves the answers (best effort: without them the next run parses every file again).
    pub(crate) fn save(&self, file: &Path) {
        let mut text = String::new();
        for (path, (size, mtime, yes)) in &self.known {
            text.push_str(&format!("{size}\t{mtime}\t{}\t{}\n", u8::from(*yes), path.display()));
        }
        let _ = std::fs::write(file, text);
    }

    /// [`registers_a_migration`] of the file at `path`, from the cache when the file is unchanged. A
    /// file that does not parse counts as registering (the compiler reports its syntax error).
    #[cfg(test)]
    pub(crate) fn registers_a_migration(&mut self, path: &Path) -> Result<bool, String> {
        self.read(path).map(|(yes, _)| yes)
    }

    /// Whether the file at `path` registers a migration, and the problems of its SQL literals; from
    /// the cache when the file is unchanged.
    pub(crate) fn read(&mut self, path: &Path) -> Result<(bool, Vec<crate::literals::Problem>), String> {
        let stamp = stamp(path);
        if let (Some((size, mtime)), Some(&(s, m, yes))) = (stamp, self.known.get(path))
            && (size, mtime) == (s, m)
        {
            return Ok((yes, Vec::new()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot be read: {e}"))?;
        let (yes, problems) = match syn::parse_file(&text) {
            Ok(file) => (registers(&file), crate::literals::problems(&file)),
            Err(_) => (true, Vec::new()),
        };
        if let Some((size, mtime)) = stamp
            && problems.is_empty()
        {
            self.known.insert(path.to_path_buf(), (size, mtime, yes));
        }
        Ok((yes, problems))
    }
}

/// Whether `attr` is `#[migration]`, `#[migration(..)]` or the same through `migrate_core::`
/// (with or without the leading `::`).
fn is_migration(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr.path().segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.as_slice() {
        [last] => last == "migration",
        [krate, last] => krate == "migrate_core" && last == "migration",
        _ => false,
    }
}

/// Whether an item of the file (`fn up`, or an inline `mod`) carries the attribute. `Err` with the
/// parser's message when the file does not parse (the compiler then reports it at the file).
#[cfg(test)]
pub(crate) fn registers_a_migration(text: &str) -> Result<bool, String> {
    let file = syn::parse_file(text).map_err(|e| e.to_string())?;
    Ok(registers(&file))
}

fn registers(file: &syn::File) -> bool {
    file.items.iter().any(|item| {
        let attrs = match item {
            Item::Fn(f) => &f.attrs,
            Item::Mod(m) => &m.attrs,
            _ => return false,
        };
        attrs.iter().any(is_migration)
    })
}

#[cfg(test)]
mod tests {
    use super::registers_a_migration;

    #[test]
    fn the_cache_answers_for_unchanged_files_and_parses_changed_ones() {
        let dir = std::env::temp_dir().join(format!("migrate-build-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("m20240101000000_a.rs");
        std::fs::write(&file, "#[migration] pub fn up() {}").unwrap();
        let mut cache = super::Cache::default();
        assert_eq!(cache.registers_a_migration(&file), Ok(true));
        let saved = dir.join("cache");
        cache.save(&saved);
        let mut again = super::Cache::load(&saved);
        assert_eq!(again.known.len(), 1);
        assert_eq!(again.registers_a_migration(&file), Ok(true));
        // Changed (another size): parsed again.
        std::fs::write(&file, "// #[migration]\npub fn up() {}").unwrap();
        assert_eq!(again.registers_a_migration(&file), Ok(false));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_attribute_counts_only_on_an_item() {
        assert_eq!(registers_a_migration("#[migration]\npub fn up(s: &mut Schema) {}"), Ok(true));
        assert_eq!(registers_a_migration("#[migrate_core::migration(no_transaction)]\npub fn up() {}"), Ok(true));
        assert_eq!(registers_a_migration("#[::migrate_core::migration]\npub fn up() {}"), Ok(true));
        assert_eq!(registers_a_migration("#[migration]\nmod m20240101000000_x {}"), Ok(true));
        assert_eq!(registers_a_migration("// #[migration]\npub fn up(s: &mut Schema) {}"), Ok(false));
        assert_eq!(registers_a_migration("/* #[migration] */ pub fn up() {}"), Ok(false));
        assert_eq!(registers_a_migration("const T: &str = \"#[migration]\"; pub fn up() {}"), Ok(false));
        assert_eq!(registers_a_migration("#[other::migration] pub fn up() {}"), Ok(false));
        assert!(registers_a_migration("#[migration] pub fn up( {").is_err());
    }
}
