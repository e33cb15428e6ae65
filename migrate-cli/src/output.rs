//! Human output and JSON output. Text is styled with anstyle and printed through anstream, which
//! keeps the styles on a terminal and strips them on a pipe or a file, deciding for stdout and stderr
//! each (and honouring NO_COLOR and CLICOLOR_FORCE).

use anstyle::{AnsiColor, Style};

/// The JSON envelope's version (`docs/json.md`): bumped when a field changes meaning or goes away.
pub const JSON_VERSION: u32 = 1;

/// The envelope of `command`'s JSON output: `version`, `command`, `ok`, then `body`'s fields.
///
/// ```
/// let v = migrate_cli::output::envelope("list", true, serde_json::json!({ "migrations": [] }));
/// assert_eq!(v["version"], 1);
/// assert_eq!(v["command"], "list");
/// assert_eq!(v["migrations"], serde_json::json!([]));
/// ```
pub fn envelope(command: &str, ok: bool, body: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({ "version": JSON_VERSION, "command": command, "ok": ok });
    if let (serde_json::Value::Object(envelope), serde_json::Value::Object(fields)) = (&mut v, body) {
        debug_assert!(fields.keys().all(|k| !envelope.contains_key(k)), "a body field hides the envelope's");
        envelope.extend(fields);
    }
    v
}

/// Says an error that stopped `command` before it ran: `error: …` on stderr, and with `--format
/// json` the envelope (`ok` false, the `error`'s `message`) on stdout.
pub fn stopped(command: &str, json: bool, message: &str) {
    anstream::eprintln!("{} {message}", error_label());
    if json {
        print_json(&envelope(command, false, serde_json::json!({ "error": { "message": message } })));
    }
}

/// Prints a JSON document on stdout.
pub(crate) fn print_json(value: &serde_json::Value) {
    anstream::println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// Styles are written (JSON output never has them); anstream strips them per stream.
    pub color: bool,
    /// `--format json`: the command prints one JSON document on stdout instead of text.
    pub json: bool,
}

/// The `error:` that starts every error line, styled the same way everywhere.
pub fn error_label() -> String {
    paint(AnsiColor::Red.on_default().bold(), "error:")
}

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

impl Out {
    /// Text output with styles, or JSON output (`json`) without them.
    pub fn new(json: bool) -> Out {
        Out { color: !json, json }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color { paint(style, text) } else { text.to_string() }
    }

    /// `text` in green: success (`ok`, `applied`).
    pub fn green(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }
    /// `text` in yellow: a warning, or something waiting (`pending`, `skipped`).
    pub fn yellow(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }
    /// `text` in red: an error or a failure.
    pub fn red(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }
    /// `text` in bold: a name to pick out of the line.
    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
    /// `text` dimmed: a detail (a checksum, a time, a reason).
    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
}
