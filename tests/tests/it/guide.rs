//! The user guide (`docs/guide/`): every fenced snippet is checked by its language. Rust snippets are
//! doctests (`cargo test -p migrate-tests --doc`, the pages listed in `tests/src/lib.rs`); here:
//!
//! | language | check |
//! |---|---|
//! | `rust` | its page is one of the doctest pages of `tests/src/lib.rs` |
//! | `toml` | loads as `migrate.toml` with the CLI's own loader, runner and lint settings included |
//! | `sh` | every command parses: `migrate-cli ..` (and `cargo run -p .. -- ..`) with the CLI's parser, scripts exist, other programs are on a short list |
//! | `console` | `$ migrate-cli ..` lines run, in order, with the example project's migrations binary on a fresh database; the lines after each are its standard output (durations and times may differ) |
//! | `sql` | runs on a fresh database (one per page, blocks in order), statement by statement |
//! | `yaml` | its `run:` lines are checked as `sh` |
//! | `text` | compiler output: every line is in a trybuild snapshot (`tests/ui/fail/*.stderr`) |
//!
//! Any other language fails.

use std::path::{Path, PathBuf};

use migrate_tests::{TestDb, cli_in, db_url, scratch_dir};

const BLOG: &str = env!("CARGO_BIN_EXE_blog");

/// One fenced block of a guide page.
#[derive(Debug)]
struct Block {
    file: String,
    /// The line of the opening fence.
    line: usize,
    lang: String,
    text: String,
}

impl Block {
    fn at(&self) -> String {
        format!("docs/guide/{}:{}", self.file, self.line)
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

/// The guide's pages, by name.
fn pages() -> Vec<(String, String)> {
    let dir = repo().join("docs/guide");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    pages.sort();
    assert!(pages.len() >= 9, "the guide's pages are missing: {pages:?}");
    pages
}

/// The fenced blocks of a page (fences of three backticks; a fence left open is an error).
fn fences(file: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block { file: file.into(), line: i + 1, lang: info.trim().into(), text: String::new() })
            }
            (Some(_), Some("")) => blocks.push(open.take().unwrap()),
            (Some(b), _) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "docs/guide/{file}: a fence is left open: {open:?}");
    blocks
}

fn all_blocks() -> Vec<Block> {
    pages().iter().flat_map(|(name, text)| fences(name, text)).collect()
}

#[test]
fn every_snippet_has_a_language_the_guide_test_checks() {
    let lib = std::fs::read_to_string(repo().join("tests/src/lib.rs")).unwrap();
    let known = ["rust", "rust,no_run", "toml", "sh", "console", "sql", "yaml", "text"];
    let mut problems = Vec::new();
    for b in all_blocks() {
        if !known.contains(&b.lang.as_str()) {
            problems.push(format!("{}: language `{}` is not one the guide test checks ({known:?})", b.at(), b.lang));
        }
        let included = format!("include_str!(\"../../docs/guide/{}\")", b.file);
        if b.lang.starts_with("rust") && !lib.contains(&included) {
            problems
                .push(format!("{}: a Rust snippet on a page that tests/src/lib.rs does not run as doctests", b.at()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn toml_snippets_are_valid_migrate_toml() {
    let mut checked = 0;
    for b in all_blocks().into_iter().filter(|b| b.lang == "toml") {
        let dir = scratch_dir("guide-toml");
        let path = dir.join("migrate.toml");
        std::fs::write(&path, &b.text).unwrap();
        let loaded = migrate_cli::config::load_file(&path).unwrap_or_else(|e| panic!("{}: {e:#}", b.at()));
        loaded.runner_config().unwrap_or_else(|e| panic!("{}: {e:#}", b.at()));
        loaded.lint_config(None).unwrap_or_else(|e| panic!("{}: {e:#}", b.at()));
        for (name, target) in &loaded.config.targets {
            assert!(
                target.url.is_some() || target.url_env.is_some(),
                "{}: target {name} has neither url nor url_env",
                b.at()
            );
        }
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} toml snippets");
}

/// Splits a command line into words as a shell does, for the quoting the guide uses.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(quote.is_none(), "an unclosed quote in `{line}`");
    if in_word {
        words.push(word);
    }
    words
}

/// The commands of a shell snippet: continuation lines joined, comments and blank lines left out,
/// `&&`, `||` and `;` separating commands.
fn commands(text: &str) -> Vec<String> {
    let joined = text.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        // A comment starts at `#` after whitespace (not inside a word such as a URL's fragment).
        let code = match line.find(" #").or_else(|| line.trim_start().starts_with('#').then_some(0)) {
            Some(i) => &line[..i],
            None => line,
        };
        for part in code.split("&&").flat_map(|p| p.split("||")).flat_map(|p| p.split(';')) {
            if !part.trim().is_empty() {
                out.push(part.trim().to_string());
            }
        }
    }
    out
}

/// Programs a shell snippet may run besides the tool itself.
const OTHER_PROGRAMS: &[&str] = &["cd", "export", "mkdir", "psql", "createdb", "git"];

/// Checks one command: the tool's command lines parse with the CLI's parser, `bash` runs a script of
/// the repository, `cargo` runs the tool or builds.
fn check_command(at: &str, command: &str) -> Result<(), String> {
    let mut w = words(command);
    // Leading VAR=value assignments.
    while w.first().is_some_and(|x| x.contains('=') && !x.starts_with('-')) {
        w.remove(0);
    }
    let Some(program) = w.first().cloned() else { return Ok(()) };
    let parse = |args: &[String]| {
        let argv = std::iter::once("migrate-cli".to_string()).chain(args.iter().cloned());
        migrate_cli::cli::Cli::parse_args(argv)
            .map(|_| ())
            .map_err(|e| format!("{at}: `{command}` does not parse: {}", e.render()))
    };
    match program.as_str() {
        "migrate-cli" | "$MIGRATE" => parse(&w[1..]),
        "cargo" => match w.iter().position(|x| x == "--") {
            // `cargo run [-q] -p PACKAGE -- ARGS`: the tool or a migrations crate's binary.
            Some(i) if w.get(1).is_some_and(|x| x == "run") => parse(&w[i + 1..]),
            _ if w.get(1).is_some_and(|x| ["install", "build", "test", "add", "run"].contains(&x.as_str())) => Ok(()),
            _ => Err(format!("{at}: `{command}`: a cargo command the guide test does not know")),
        },
        "bash" => {
            let script = w.get(1).ok_or(format!("{at}: `{command}`: bash without a script"))?;
            if repo().join(script).is_file() { Ok(()) } else { Err(format!("{at}: `{command}`: no such script")) }
        }
        p if OTHER_PROGRAMS.contains(&p) => Ok(()),
        p => Err(format!("{at}: `{command}`: `{p}` is not a program the guide test knows")),
    }
}

/// The command lines of a block, by language.
fn block_commands(b: &Block) -> Vec<String> {
    match b.lang.as_str() {
        "sh" => commands(&b.text),
        "console" => b.text.lines().filter_map(|l| l.strip_prefix("$ ")).flat_map(commands).collect(),
        "yaml" => b
            .text
            .lines()
            .filter_map(|l| l.trim_start().trim_start_matches("- ").strip_prefix("run:"))
            .flat_map(|l| commands(l.trim().trim_start_matches('|')))
            .collect(),
        _ => vec![],
    }
}

#[test]
fn shell_snippets_are_commands_that_parse() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for b in all_blocks() {
        for command in block_commands(&b) {
            checked += 1;
            if let Err(e) = check_command(&b.at(), &command) {
                problems.push(e);
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 40, "only {checked} commands checked");
}

#[test]
fn the_shell_check_refuses_what_the_cli_refuses() {
    assert!(check_command("x", "migrate-cli up --to 20240101000000").is_ok());
    assert!(
        check_command("x", "DATABASE_URL=postgres://h/db cargo run -q -p migrate-cli -- status --exit-code").is_ok()
    );
    assert!(check_command("x", "migrate-cli up --stesp 2").is_err());
    assert!(check_command("x", "migrate-cli resolve").is_err());
    assert!(check_command("x", "cargo run -p migrate-cli -- sql sideways").is_err());
    assert!(check_command("x", "bash docs/ci/nothing.sh").is_err());
    assert!(check_command("x", "rm -rf /").is_err());
}

/// Durations and timestamps as the CLI prints them, made comparable.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut w: Vec<String> = line.split(' ').map(str::to_string).collect();
        for i in 0..w.len() {
            let unit = w.get(i + 1).map(|u| u.trim_end_matches([')', ',']));
            let number = !w[i].is_empty()
                && w[i].trim_start_matches('(').chars().all(|c| c.is_ascii_digit() || c == '.')
                && w[i].trim_start_matches('(').starts_with(|c: char| c.is_ascii_digit());
            if number && matches!(unit, Some("ms" | "s" | "min")) {
                let open = if w[i].starts_with('(') { "(" } else { "" };
                w[i] = format!("{open}N");
            }
            let is_date = w[i].len() == 10 && w[i].as_bytes()[4] == b'-' && w[i].as_bytes()[7] == b'-';
            let is_time = w[i].len() == 8 && w[i].as_bytes()[2] == b':' && w[i].as_bytes()[5] == b':';
            if is_date || is_time {
                w[i] = "T".into();
            }
        }
        out.push_str(w.join(" ").trim_end());
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn console_snippets_print_what_they_show() {
    let mut ran = 0;
    for b in all_blocks().into_iter().filter(|b| b.lang == "console") {
        let db = TestDb::new("guide_console").await;
        let dir = scratch_dir("guide-console");
        // Each command with the lines that follow it, up to the next command.
        let mut runs: Vec<(String, String)> = Vec::new();
        for line in b.text.lines() {
            match line.strip_prefix("$ ") {
                Some(command) => runs.push((command.to_string(), String::new())),
                None => {
                    let (_, expected) =
                        runs.last_mut().unwrap_or_else(|| panic!("{}: output before a command", b.at()));
                    expected.push_str(line);
                    expected.push('\n');
                }
            }
        }
        for (command, expected) in runs {
            let w = words(&command);
            assert_eq!(w.first().map(String::as_str), Some("migrate-cli"), "{}: `{command}`", b.at());
            let args: Vec<&str> = w[1..].iter().map(String::as_str).collect();
            let run = cli_in(&dir, BLOG, &db_url(&db.name), &args);
            assert_eq!(run.code, 0, "{}: `{command}` exited with {}:\n{}{}", b.at(), run.code, run.stdout, run.stderr);
            assert_eq!(
                normalize(&run.stdout),
                normalize(&expected),
                "{}: `{command}` printed\n{}\nwhere the guide shows\n{expected}",
                b.at(),
                run.stdout
            );
            ran += 1;
        }
    }
    assert!(ran >= 4, "only {ran} console commands ran");
}

#[test]
fn normalize_leaves_the_rest_as_it_is() {
    assert_eq!(
        normalize("applied m1_x (12 ms)\napplied 7 migrations in 1.2 s"),
        "applied m1_x (N ms)\napplied 7 migrations in N s\n"
    );
    assert_eq!(normalize("1 create_users applied  2026-12-04 20:33:56 UTC"), "1 create_users applied  T T UTC\n");
    assert_ne!(normalize("applied m1_x (12 ms)"), normalize("applied m2_x (12 ms)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sql_snippets_run_on_postgres() {
    let mut ran = 0;
    for (name, text) in pages() {
        let blocks: Vec<Block> = fences(&name, &text).into_iter().filter(|b| b.lang == "sql").collect();
        if blocks.is_empty() {
            continue;
        }
        let db = TestDb::new("guide_sql").await;
        for b in blocks {
            let errors = migrate_sql::syntax_errors(&b.text);
            assert!(errors.is_empty(), "{}: the SQL parser refuses it: {errors:?}", b.at());
            for (statement, _autocommit) in migrate_sql::split_with_autocommit(&b.text) {
                // Each statement on its own (autocommit): CONCURRENTLY is refused in a transaction.
                db.client.batch_execute(&statement).await.unwrap_or_else(|e| {
                    let message = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string());
                    panic!("{}: `{statement}` fails on PostgreSQL: {message}", b.at())
                });
                ran += 1;
            }
        }
    }
    assert!(ran >= 8, "only {ran} SQL statements ran");
}

#[test]
fn text_snippets_are_compiler_output_the_ui_tests_check() {
    let dir = repo().join("tests/ui/fail");
    let snapshots: String = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "stderr"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    for b in all_blocks().into_iter().filter(|b| b.lang == "text") {
        for line in b.text.lines().filter(|l| !l.trim().is_empty()) {
            assert!(snapshots.contains(line), "{}: `{line}` is in no tests/ui/fail/*.stderr", b.at());
        }
    }
}

#[test]
fn links_between_pages_reach_a_file() {
    let dir = repo().join("docs/guide");
    let mut problems = Vec::new();
    for (name, text) in pages() {
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap_or(rest.len())];
            if target.starts_with("http") {
                continue;
            }
            let path = target.split('#').next().unwrap_or_default();
            if !path.is_empty() && !dir.join(path).exists() {
                problems.push(format!("docs/guide/{name}: a link to `{target}`, which is no file"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
