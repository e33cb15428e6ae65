//! Whether a Rust file registers a migration: found by parsing it, so that a `#[migration]` in a
//! comment or a string (the `new` template's `// #[migration]`) does not count.

use syn::{Attribute, Item};

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
pub(crate) fn registers_a_migration(text: &str) -> Result<bool, String> {
    let file = syn::parse_file(text).map_err(|e| e.to_string())?;
    Ok(file.items.iter().any(|item| {
        let attrs = match item {
            Item::Fn(f) => &f.attrs,
            Item::Mod(m) => &m.attrs,
            _ => return false,
        };
        attrs.iter().any(is_migration)
    }))
}

#[cfg(test)]
mod tests {
    use super::registers_a_migration;

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
