//! Human output and JSON output. Text is styled with anstyle and printed through anstream, which
//! keeps the styles on a terminal and strips them on a pipe or a file, deciding for stdout and stderr
//! each (and honouring NO_COLOR and CLICOLOR_FORCE).

use anstyle::{AnsiColor, Style};

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// Styles are written (JSON output never has them); anstream strips them per stream.
    pub color: bool,
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
    pub fn new(json: bool) -> Out {
        Out { color: !json, json }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color { paint(style, text) } else { text.to_string() }
    }

    pub fn green(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }
    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
}
