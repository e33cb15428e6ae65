//! The canonical serialization of ops, from which checksums are computed.
//!
//! The form depends only on the op data, never on how the Rust code was formatted or on how SQL is
//! rendered, so reformatting a migration or improving the renderer does not change a checksum. Every
//! string is length-prefixed, so no content can imitate a separator. The form is versioned by
//! [`CANONICAL_FORMAT`], stored beside each checksum: a later change of the form bumps the number and
//! can be migrated instead of flagging every applied migration.

/// The version of the canonical form written by this build.
pub const CANONICAL_FORMAT: u32 = 1;

/// The checksum format of an SQL-file migration: its normalised SQL text, not its ops
/// ([`sql_file_checksum`](crate::registry::sql_file_checksum)). Rows stored with format 1 for such a
/// migration are compared with its format-1 checksum and re-stamped by the next `up`.
pub const SQL_TEXT_FORMAT: u32 = 2;

/// A value with a canonical, stable text form.
pub trait Canonical {
    /// Appends the canonical form of `self` to `out`.
    fn write_canonical(&self, out: &mut String);
}

impl Canonical for String {
    fn write_canonical(&self, out: &mut String) {
        self.as_str().write_canonical(out);
    }
}

/// Appends the decimal digits of `n` (without the allocation of `to_string`: checksums are computed
/// for every migration at every start).
pub(crate) fn push_decimal(out: &mut String, n: u128, negative: bool) {
    let mut buf = [0u8; 40];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

impl Canonical for str {
    fn write_canonical(&self, out: &mut String) {
        push_decimal(out, self.len() as u128, false);
        out.push(':');
        out.push_str(self);
    }
}

/// A yes/no option added to an op after the first release: its canonical form is empty when not set,
/// so the op's checksum is what it was before the option existed.
///
/// ```
/// use migrate_core::canonical::{Flag, to_canonical};
/// assert_eq!(to_canonical(&Flag(false)), "");
/// assert_eq!(to_canonical(&Flag(true)), "T");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub bool);

impl Canonical for Flag {
    fn write_canonical(&self, out: &mut String) {
        if self.0 {
            out.push('T');
        }
    }
}

impl Canonical for bool {
    fn write_canonical(&self, out: &mut String) {
        out.push(if *self { 'T' } else { 'F' });
    }
}

macro_rules! canonical_int {
    ($($t:ty),*) => {$(
        impl Canonical for $t {
            fn write_canonical(&self, out: &mut String) {
                out.push('#');
                #[allow(unused_comparisons)]
                push_decimal(out, (*self as i128).unsigned_abs(), *self < 0);
            }
        }
    )*};
}
canonical_int!(u16, u32, i32, i64);

impl<T: Canonical> Canonical for Option<T> {
    fn write_canonical(&self, out: &mut String) {
        match self {
            None => out.push('~'),
            Some(v) => {
                out.push('?');
                v.write_canonical(out);
            }
        }
    }
}

impl<T: Canonical + ?Sized> Canonical for Box<T> {
    fn write_canonical(&self, out: &mut String) {
        (**self).write_canonical(out);
    }
}

impl<T: Canonical> Canonical for Vec<T> {
    fn write_canonical(&self, out: &mut String) {
        self.as_slice().write_canonical(out);
    }
}

impl<T: Canonical> Canonical for [T] {
    fn write_canonical(&self, out: &mut String) {
        out.push('[');
        for item in self {
            item.write_canonical(out);
            out.push(',');
        }
        out.push(']');
    }
}

/// Implements [`Canonical`] for a struct by listing every field. The destructuring pattern has no `..`,
/// so adding a field without listing it here is a compile error.
macro_rules! canonical_struct {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl $crate::canonical::Canonical for $ty {
            fn write_canonical(&self, out: &mut String) {
                let $ty { $($field),* } = self;
                out.push_str(stringify!($ty));
                out.push('{');
                $(
                    out.push_str(stringify!($field));
                    out.push('=');
                    $crate::canonical::Canonical::write_canonical($field, out);
                    out.push(';');
                )*
                out.push('}');
            }
        }
    };
}

/// Implements [`Canonical`] for an enum whose variants are struct-like or unit.
/// The `match` is exhaustive, so a new variant must be listed here.
macro_rules! canonical_enum {
    ($ty:ident { $($variant:ident $({ $($field:ident),* $(,)? })?),* $(,)? }) => {
        impl $crate::canonical::Canonical for $ty {
            fn write_canonical(&self, out: &mut String) {
                match self {
                    $(
                        $ty::$variant { $($($field),*)? } => {
                            out.push_str(stringify!($variant));
                            out.push('{');
                            $($(
                                // A field whose form is empty (a [`Flag`] not set) is left out: fields
                                // added after the first release keep the checksums of what does not
                                // use them. No other value's form is empty.
                                let at = out.len();
                                out.push_str(stringify!($field));
                                out.push('=');
                                let value = out.len();
                                $crate::canonical::Canonical::write_canonical($field, out);
                                if out.len() == value {
                                    out.truncate(at);
                                } else {
                                    out.push(';');
                                }
                            )*)?
                            out.push('}');
                        }
                    )*
                }
            }
        }
    };
}

pub(crate) use {canonical_enum, canonical_struct};

/// The canonical form of a value as a new string.
pub fn to_canonical<T: Canonical + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.write_canonical(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_to_string_writes_them() {
        // The canonical form is stored behind every checksum: it must never change.
        for v in [0i64, 1, 9, 10, 99, 100, 12345, -1, -10, -987654321, i64::MAX, i64::MIN] {
            let mut out = String::new();
            v.write_canonical(&mut out);
            assert_eq!(out, format!("#{v}"));
        }
        for v in [0u32, 7, 4_000_000_000, u32::MAX] {
            let mut out = String::new();
            v.write_canonical(&mut out);
            assert_eq!(out, format!("#{v}"));
        }
        let long = "x".repeat(1234);
        let mut out = String::new();
        long.as_str().write_canonical(&mut out);
        assert_eq!(out, format!("1234:{long}"));
    }

    #[test]
    fn strings_cannot_imitate_structure() {
        let a = vec!["a,".to_string(), "b".to_string()];
        let b = vec!["a".to_string(), ",b".to_string()];
        assert_ne!(to_canonical(&a), to_canonical(&b));
        assert_eq!(to_canonical(&a), "[2:a,,1:b,]");
    }

    #[test]
    fn options_are_distinct_from_empty_strings() {
        assert_ne!(to_canonical(&None::<String>), to_canonical(&Some(String::new())));
    }
}
