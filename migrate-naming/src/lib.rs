//! The naming rule of migrations, in one place for the three that check it: `#[migration]` (the
//! inline form, when it expands), `migrate-build` (every file and folder of `src/migrations/`, when
//! the build script runs) and `migrate-core` (the file form, as a `const fn` evaluated when the
//! migration compiles, and the registry at start-up).
//!
//! A migration is named `m<YYYYMMDDHHMMSS>_<snake_name>`: the 14 digits are its version and sort the
//! history.
//!
//! ```
//! use migrate_naming::{NameProblem, check, parse};
//! assert_eq!(parse("m20240620120000_create_users"), Ok((20240620120000, "create_users")));
//! assert_eq!(check(b"m20241301000000_bad_month"), Some(NameProblem::Month));
//! // A plain integer version (refinery's `V1__`, diesel's initial setup) has zeros for its date.
//! assert_eq!(check(b"m00000000000001_first"), None);
//! // Seconds are not checked: imported histories hold versions such as 20140929103761.
//! assert_eq!(check(b"m20140929103761_dumped"), None);
//! ```

// Published crates document every public item (checked by the compiler: the guide and docs.rs
// rely on it).
#![deny(missing_docs)]

/// What is wrong with a migration's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameProblem {
    /// Not `m`, 14 digits, `_`, and a name.
    Form,
    /// Digits 5-6 of the timestamp are not a month 01-12.
    Month,
    /// Digits 7-8 are not a day of that month.
    Day,
    /// Digits 9-10 are not an hour 00-23.
    Hour,
    /// Digits 11-12 are not a minute 00-59.
    Minute,
    /// The name after the timestamp is not snake_case.
    SnakeCase,
}

impl NameProblem {
    /// What is wrong, as a clause to follow "misnamed migration `x`: ".
    pub const fn describe(self) -> &'static str {
        match self {
            NameProblem::Form => "expected `m<YYYYMMDDHHMMSS>_<snake_name>`, e.g. `m20240620120000_create_users`",
            NameProblem::Month => "the month (digits 5-6 of the timestamp YYYYMMDDHHMMSS after `m`) must be 01 to 12",
            NameProblem::Day => {
                "the day (digits 7-8 of the timestamp YYYYMMDDHHMMSS after `m`) is not a day of that month"
            }
            NameProblem::Hour => "the hour (digits 9-10 of the timestamp YYYYMMDDHHMMSS after `m`) must be 00 to 23",
            NameProblem::Minute => {
                "the minute (digits 11-12 of the timestamp YYYYMMDDHHMMSS after `m`) must be 00 to 59"
            }
            NameProblem::SnakeCase => {
                "the name after the timestamp must be snake_case: lowercase letters, digits and `_`"
            }
        }
    }

    /// The whole sentence, for a compile-time (const) panic in the migration's own code, where no
    /// text can be joined to it.
    pub const fn sentence(self) -> &'static str {
        match self {
            NameProblem::Form => {
                "this migration's module is misnamed: name it m<YYYYMMDDHHMMSS>_<snake_name>, e.g. the file src/migrations/m20240620120000_create_users.rs"
            }
            NameProblem::Month => {
                "this migration's module is misnamed: the month (digits 5-6 of the timestamp YYYYMMDDHHMMSS after `m`) must be 01 to 12"
            }
            NameProblem::Day => {
                "this migration's module is misnamed: the day (digits 7-8 of the timestamp YYYYMMDDHHMMSS after `m`) is not a day of that month"
            }
            NameProblem::Hour => {
                "this migration's module is misnamed: the hour (digits 9-10 of the timestamp YYYYMMDDHHMMSS after `m`) must be 00 to 23"
            }
            NameProblem::Minute => {
                "this migration's module is misnamed: the minute (digits 11-12 of the timestamp YYYYMMDDHHMMSS after `m`) must be 00 to 59"
            }
            NameProblem::SnakeCase => {
                "this migration's module is misnamed: the name after the timestamp must be snake_case (lowercase letters, digits and `_`)"
            }
        }
    }
}

const fn two(name: &[u8], at: usize) -> u32 {
    (name[at] - b'0') as u32 * 10 + (name[at + 1] - b'0') as u32
}

const fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The problem with a migration's name (a module name, a file stem or a folder name), if any. A
/// `const fn`, so a migration's name is checked when it compiles.
///
/// A plain integer version has zeros for its date (`m00000000000042_x`) and sorts before every
/// timestamp. Seconds are not checked: histories imported from other tools hold versions such as
/// `20140929103760` and `20140929103763`, and only the order matters.
pub const fn check(name: &[u8]) -> Option<NameProblem> {
    if name.len() < 17 || name[0] != b'm' || name[15] != b'_' {
        return Some(NameProblem::Form);
    }
    let mut i = 1;
    while i < 15 {
        if !name[i].is_ascii_digit() {
            return Some(NameProblem::Form);
        }
        i += 1;
    }
    let year = two(name, 1) * 100 + two(name, 3);
    let (month, day, hour, minute) = (two(name, 5), two(name, 7), two(name, 9), two(name, 11));
    let plain_integer = year == 0 && month == 0 && day == 0;
    if !plain_integer {
        if month < 1 || month > 12 {
            return Some(NameProblem::Month);
        }
        if day < 1 || day > days_in(year, month) {
            return Some(NameProblem::Day);
        }
        if hour > 23 {
            return Some(NameProblem::Hour);
        }
        if minute > 59 {
            return Some(NameProblem::Minute);
        }
    }
    let mut i = 16;
    while i < name.len() {
        let c = name[i];
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_') {
            return Some(NameProblem::SnakeCase);
        }
        i += 1;
    }
    None
}

/// The version and the name of a well-named migration.
pub fn parse(name: &str) -> Result<(u64, &str), NameProblem> {
    match check(name.as_bytes()) {
        None => Ok((name[1..15].parse().map_err(|_| NameProblem::Form)?, &name[16..])),
        Some(problem) => Err(problem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_of_the_timestamp_is_checked() {
        assert_eq!(check(b"m20240229120000_leap"), None);
        assert_eq!(check(b"m20230229120000_not_leap"), Some(NameProblem::Day));
        assert_eq!(check(b"m19000229120000_century"), Some(NameProblem::Day));
        assert_eq!(check(b"m20000229120000_400"), None);
        assert_eq!(check(b"m20240431000000_april"), Some(NameProblem::Day));
        assert_eq!(check(b"m20240100000000_day_zero"), Some(NameProblem::Day));
        assert_eq!(check(b"m20240101240000_hour"), Some(NameProblem::Hour));
        assert_eq!(check(b"m20240101236000_minute"), Some(NameProblem::Minute));
        assert_eq!(check(b"m20240101235960_second_60"), None);
        assert_eq!(check(b"m20240101000000_Camel"), Some(NameProblem::SnakeCase));
        assert_eq!(check(b"m2024010100000_short"), Some(NameProblem::Form));
        assert_eq!(check(b"m20240101000000_"), Some(NameProblem::Form));
        assert_eq!(check(b"create_users"), Some(NameProblem::Form));
        assert_eq!(parse("m00000000000001_v1"), Ok((1, "v1")));
    }
}
