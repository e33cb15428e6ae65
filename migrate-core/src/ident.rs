//! Identifiers and literals: validation, quoting, and names derived the way PostgreSQL derives them.
//!
//! Every identifier that reaches SQL goes through [`quote_ident`] and every string literal through
//! [`quote_literal`]: there is no other path, so a hostile name (quotes, spaces, Unicode, reserved
//! words) round-trips exactly.

use sha2::{Digest, Sha256};

/// PostgreSQL's `NAMEDATALEN - 1`: longer identifiers are silently truncated by the server, which could
/// merge two distinct names into one. We refuse them instead.
pub const MAX_IDENT_BYTES: usize = 63;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentProblem {
    /// The name is empty.
    Empty,
    /// The name is longer than 63 bytes (its length is given).
    TooLong(usize),
    /// The name contains a NUL byte, which PostgreSQL cannot store.
    Nul,
}

impl std::fmt::Display for IdentProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdentProblem::Empty => f.write_str("the name is empty"),
            IdentProblem::TooLong(n) => write!(
                f,
                "the name is {n} bytes long; PostgreSQL keeps at most {MAX_IDENT_BYTES} and would truncate it"
            ),
            IdentProblem::Nul => f.write_str("the name contains a NUL byte"),
        }
    }
}

/// Checks that `name` can be a PostgreSQL identifier without being altered by the server.
pub fn check_ident(name: &str) -> Result<(), IdentProblem> {
    if name.is_empty() {
        Err(IdentProblem::Empty)
    } else if name.contains('\0') {
        Err(IdentProblem::Nul)
    } else if name.len() > MAX_IDENT_BYTES {
        Err(IdentProblem::TooLong(name.len()))
    } else {
        Ok(())
    }
}

/// Quotes an identifier: `users` becomes `"users"`, `a"b` becomes `"a""b"`.
///
/// ```
/// assert_eq!(migrate_core::ident::quote_ident(r#"we"ird"#), r#""we""ird""#);
/// ```
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Quotes a string literal for a server with `standard_conforming_strings = on` (the default since
/// PostgreSQL 9.1): only the single quote needs doubling; backslashes are literal.
///
/// ```
/// assert_eq!(migrate_core::ident::quote_literal("it's"), "'it''s'");
/// ```
pub fn quote_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Derives a name the way PostgreSQL does (`users_email_key`, `users_role_is_active_idx`), joining the
/// parts and the suffix with `_`.
///
/// When the result would exceed 63 bytes, PostgreSQL truncates it, so two long names can collide. We
/// shorten it deterministically instead: the joined parts are cut to fit and followed by an 8-digit hash
/// of the full name, then the suffix. The same input always gives the same name.
///
/// ```
/// use migrate_core::ident::derive_name;
/// assert_eq!(derive_name(&["users", "email"], "key"), "users_email_key");
/// let long = "a".repeat(60);
/// let name = derive_name(&[&long, "email"], "idx");
/// assert!(name.len() <= 63 && name.ends_with("_idx"));
/// assert_ne!(name, derive_name(&[&long, "emails"], "idx"));
/// ```
pub fn derive_name(parts: &[&str], suffix: &str) -> String {
    let mut full = parts.join("_");
    full.push('_');
    full.push_str(suffix);
    if full.len() <= MAX_IDENT_BYTES {
        return full;
    }
    let hash = Sha256::digest(full.as_bytes());
    let tag: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    // Room for the cut prefix: total minus "_" + tag + "_" + suffix.
    let room = MAX_IDENT_BYTES.saturating_sub(tag.len() + suffix.len() + 2);
    let joined = parts.join("_");
    let mut cut = room.min(joined.len());
    while !joined.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut name = format!("{}_{tag}_{suffix}", &joined[..cut]);
    // A suffix so long that even the tag does not fit: keep the hash, drop the rest.
    if name.len() > MAX_IDENT_BYTES {
        name = format!("{tag}_{}", &suffix[..suffix.len().min(MAX_IDENT_BYTES - tag.len() - 1)]);
        while name.len() > MAX_IDENT_BYTES {
            name.pop();
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(quote_ident("a\"\"b"), "\"a\"\"\"\"b\"");
        assert_eq!(quote_literal("''"), "''''''");
        assert_eq!(quote_literal("back\\slash"), "'back\\slash'");
    }

    #[test]
    fn long_derived_names_stay_distinct_and_short() {
        let base = "é".repeat(40); // 80 bytes, multi-byte: the cut must respect char boundaries
        let a = derive_name(&[&base, "x"], "fkey");
        let b = derive_name(&[&base, "y"], "fkey");
        assert!(a.len() <= MAX_IDENT_BYTES, "{a}");
        assert_ne!(a, b);
        assert_eq!(a, derive_name(&[&base, "x"], "fkey"));
    }

    #[test]
    fn idents_are_checked() {
        assert_eq!(check_ident(""), Err(IdentProblem::Empty));
        assert_eq!(check_ident("a\0b"), Err(IdentProblem::Nul));
        assert_eq!(check_ident(&"x".repeat(64)), Err(IdentProblem::TooLong(64)));
        assert_eq!(check_ident(&"x".repeat(63)), Ok(()));
    }
}
