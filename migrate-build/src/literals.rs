//! SQL written as string literals in a Rust migration, read when the crate builds: a view query, a
//! default, CHECK, USING, WHERE, index expression or backfill that is more than the one expression
//! (query, SET list) its call expects, or an `s.sql(..)` script the grammar cannot read, fails the
//! build at its line, before the program exists. Text that is not a literal (`format!`, a `const`, a
//! variable) is checked when the registry loads, as every call's is.

use migrate_sql::Expected;
use syn::visit::Visit;
use syn::{Expr, ExprCall, ExprLit, ExprMethodCall, Lit};

/// What the literal arguments of a builder call must be, by the call's name and argument count:
/// `(argument index, expected)`. `sql` is the raw-SQL method on a method call and the default
/// expression on a free call (`sql("now()")`).
fn method(name: &str, args: usize) -> Option<(usize, Expected)> {
    Some(match (name, args) {
        ("sql", 1) => (0, Expected::Script),
        ("create_view", 2) => (1, Expected::Query),
        ("check" | "backfill" | "using" | "using_down" | "where_", 1) => (0, Expected::Expression),
        ("check" | "add_check", 2) => (1, Expected::Expression),
        ("backfill", 2) => (1, Expected::SetList),
        _ => return None,
    })
}

fn function(name: &str, args: usize) -> Option<(usize, Expected)> {
    match (name, args) {
        ("sql" | "expr", 1) => Some((0, Expected::Expression)),
        _ => None,
    }
}

/// One problem found: its line in the file and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub line: usize,
    pub message: String,
}

struct Finder {
    found: Vec<Problem>,
}

impl Finder {
    fn literal(&mut self, call: &str, arg: &Expr, expected: Expected) {
        let Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) = arg else { return };
        let text = s.value();
        // An empty or comment-only text has its own message when the registry loads.
        if text.trim().is_empty() {
            return;
        }
        if expected == Expected::Script && crate::sql::sql_header(&text).is_ok_and(|h| h.unparsed.is_some()) {
            return;
        }
        if let Err(reason) = expected.check(&text) {
            let shown: String = text.chars().take(60).collect();
            let fix = if expected == Expected::Script {
                "; correct it, or, if PostgreSQL accepts it as written, start the text with `-- migrate: unparsed = \"why\"`"
                    .to_string()
            } else {
                format!("; write {}", expected.describe())
            };
            self.found.push(Problem {
                line: s.span().start().line,
                message: format!("the SQL given to `{call}(..)` `{shown}`: {reason}{fix}"),
            });
        }
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        let name = call.method.to_string();
        if name == "sql_with_down" && call.args.len() == 2 {
            for arg in &call.args {
                self.literal(&name, arg, Expected::Script);
            }
        } else if let Some((i, expected)) = method(&name, call.args.len()) {
            self.literal(&name, &call.args[i], expected);
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        if let Expr::Path(p) = &*call.func
            && let Some(last) = p.path.segments.last()
        {
            let name = last.ident.to_string();
            if let Some((i, expected)) = function(&name, call.args.len()) {
                self.literal(&name, &call.args[i], expected);
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}

/// The problems of the SQL literals in a parsed migration file, in file order.
pub(crate) fn problems(file: &syn::File) -> Vec<Problem> {
    let mut finder = Finder { found: Vec::new() };
    finder.visit_file(file);
    finder.found.sort_by_key(|p| p.line);
    finder.found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(code: &str) -> Vec<(usize, String)> {
        problems(&syn::parse_file(code).unwrap()).into_iter().map(|p| (p.line, p.message)).collect()
    }

    #[test]
    fn a_hidden_statement_in_each_call_kind_is_found_at_its_line() {
        let code = r#"
#[migration]
pub fn up(s: &mut Schema) {
    s.create_view("v", "SELECT 1; DROP TABLE legacy");
    s.create_table("t", |t| {
        t.text("a").default(sql("'x'; DELETE FROM legacy"));
        t.integer("b").check("b > 0); DELETE FROM legacy; SELECT (1");
    });
    s.alter_table("t", |t| {
        t.change_type("b", Integer, BigInt).using("b::bigint; DROP TABLE legacy");
        t.add_check("c", "true) OR (1");
    });
    s.create_index("t", [expr("lower(a)); DROP TABLE legacy; SELECT (1")]).where_("a IS NOT NULL; DROP TABLE x");
    s.backfill("t", "a = 'x' WHERE false; DROP TABLE legacy");
    s.sql("CREATE TABLE x (a int) ALTER TABLE x ADD b int;");
}
"#;
        let f = found(code);
        let lines: Vec<usize> = f.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [4, 6, 7, 10, 11, 13, 13, 14, 15], "{f:#?}");
        assert!(f[0].1.contains("`create_view(..)`") && f[0].1.ends_with("write one query"), "{}", f[0].1);
        assert!(f[1].1.contains("`sql(..)`") && f[1].1.ends_with("write one expression"), "{}", f[1].1);
        assert!(f[7].1.contains("write one SET list"), "{}", f[7].1);
        assert!(f[8].1.contains("it does not read as SQL (line 1, column"), "{}", f[8].1);
    }

    #[test]
    fn good_sql_text_and_non_literals_pass() {
        let code = r#"
#[migration]
pub fn up(s: &mut Schema) {
    s.create_view("v", "SELECT id FROM t WHERE a > 0");
    s.create_table("t", |t| {
        t.text("a").default(sql("lower('X')")).check("a <> ''");
        t.integer("b").check(format!("b > {}", 0));
    });
    s.sql("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 1;");
    s.sql("-- migrate: unparsed = \"a newer grammar\"\nALTER SOMETHING NEW");
    s.sql_with_down("CREATE TABLE x (a int)", "DROP TABLE x");
    let xs: Vec<i32> = vec![1].into_iter().filter(|x| *x > 0).collect();
}
"#;
        assert_eq!(found(code), []);
    }
}
