//! `create_function`, `create_procedure` and `create_trigger`: what each is made of.

use crate::op::{ArgMode, FunctionArg, FunctionDef, TriggerDef, TriggerEvent, TriggerTiming, Volatility};
use crate::render::render_column_type;
use crate::types::SqlType;

/// A function or procedure being written: its arguments, result, language, attributes and body.
///
/// ```
/// use migrate_core::prelude::*;
/// let mut s = Schema::new();
/// s.create_function("add", |f| {
///     f.arg("a", Integer).arg("b", Integer).returns(Integer).language("sql").immutable().body("SELECT a + b");
/// });
/// assert_eq!(
///     migrate_core::render::render_script(&s.finish().unwrap()),
///     "CREATE FUNCTION \"add\"(\"a\" integer, \"b\" integer) RETURNS integer LANGUAGE \"sql\" IMMUTABLE\nAS $function$SELECT a + b$function$;\n"
/// );
/// ```
pub struct FunctionBuilder {
    pub(crate) def: FunctionDef,
}

/// A type of a function's argument or result: a type marker (`Integer`, `Array(Text)`), or SQL text
/// as written (`"regclass"`, `"anyelement"`, `"users"`, `"text[]"`).
pub trait ArgType {
    /// The type as SQL writes it.
    fn type_sql(&self) -> String;
}

impl<T: SqlType> ArgType for T {
    fn type_sql(&self) -> String {
        render_column_type(&self.column_type())
    }
}

impl ArgType for &str {
    fn type_sql(&self) -> String {
        self.to_string()
    }
}

fn type_text(ty: &impl ArgType) -> String {
    ty.type_sql()
}

impl FunctionBuilder {
    fn push_arg(&mut self, mode: ArgMode, name: &str, ty: &impl ArgType) -> &mut Self {
        let name = (!name.is_empty()).then(|| name.to_string());
        self.def.args.push(FunctionArg { mode, name, data_type: type_text(ty), default: None });
        self
    }

    /// An argument (`IN`). An empty name leaves it unnamed (`$1` in the body). The type is a marker
    /// or SQL text (`"regclass"`).
    pub fn arg(&mut self, name: &str, ty: impl ArgType) -> &mut Self {
        self.push_arg(ArgMode::In, name, &ty)
    }

    /// `DEFAULT expr` for the argument added last, for calls that leave it out.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_function("greet", |f| {
    ///     f.arg("who", Text).default_value("'world'").returns(Text).language("sql").body("SELECT 'hello ' || who");
    /// });
    /// assert!(migrate_core::render::render_script(&s.finish().unwrap()).contains("(\"who\" text DEFAULT 'world')"));
    /// ```
    pub fn default_value(&mut self, expr: &str) -> &mut Self {
        if let Some(a) = self.def.args.last_mut() {
            a.default = Some(expr.to_string());
        }
        self
    }

    /// An `OUT` argument: part of the result, not of the call.
    pub fn out_arg(&mut self, name: &str, ty: impl ArgType) -> &mut Self {
        self.push_arg(ArgMode::Out, name, &ty)
    }

    /// An `INOUT` argument.
    pub fn inout_arg(&mut self, name: &str, ty: impl ArgType) -> &mut Self {
        self.push_arg(ArgMode::InOut, name, &ty)
    }

    /// A `VARIADIC` argument (an array type: `Array(Text)`).
    pub fn variadic_arg(&mut self, name: &str, ty: impl ArgType) -> &mut Self {
        self.push_arg(ArgMode::Variadic, name, &ty)
    }

    /// `RETURNS type`.
    pub fn returns(&mut self, ty: impl ArgType) -> &mut Self {
        self.def.returns = Some(type_text(&ty));
        self
    }

    /// `RETURNS SETOF type`: one value per row.
    pub fn returns_set_of(&mut self, ty: impl ArgType) -> &mut Self {
        self.def.returns = Some(format!("SETOF {}", type_text(&ty)));
        self
    }

    /// `RETURNS trigger`: a function triggers run.
    pub fn returns_trigger(&mut self) -> &mut Self {
        self.def.returns = Some("trigger".into());
        self
    }

    /// `RETURNS void`.
    pub fn returns_void(&mut self) -> &mut Self {
        self.def.returns = Some("void".into());
        self
    }

    /// `RETURNS ..` as SQL (`TABLE (id bigint, name text)`, `SETOF users`).
    pub fn returns_sql(&mut self, result: &str) -> &mut Self {
        self.def.returns = Some(result.to_string());
        self
    }

    /// `LANGUAGE name` (`sql`, `plpgsql`, ...).
    pub fn language(&mut self, name: &str) -> &mut Self {
        self.def.language = name.to_string();
        self
    }

    /// `IMMUTABLE`: the same arguments always give the same result (it may be used in indexes).
    pub fn immutable(&mut self) -> &mut Self {
        self.def.volatility = Some(Volatility::Immutable);
        self
    }

    /// `STABLE`: the same result within one statement.
    pub fn stable(&mut self) -> &mut Self {
        self.def.volatility = Some(Volatility::Stable);
        self
    }

    /// `STRICT`: a null argument gives null without running the body.
    pub fn strict(&mut self) -> &mut Self {
        self.def.strict = true;
        self
    }

    /// `SECURITY DEFINER`: it runs with the rights of its owner. Pin `search_path` with
    /// `.option("SET search_path = pg_catalog, public")`.
    pub fn security_definer(&mut self) -> &mut Self {
        self.def.security_definer = true;
        self
    }

    /// Another clause, as SQL: `PARALLEL SAFE`, `COST 100`, `ROWS 10`, `LEAKPROOF`,
    /// `SET search_path = public`.
    pub fn option(&mut self, clause: &str) -> &mut Self {
        self.def.options.push(clause.to_string());
        self
    }

    /// The body (`AS $function$..$function$`): the SQL or PL/pgSQL code, as written.
    pub fn body(&mut self, code: &str) -> &mut Self {
        self.def.body = code.to_string();
        self.def.atomic = false;
        self
    }

    /// A SQL-standard body (`BEGIN ATOMIC statements END`): PostgreSQL parses it when the function is
    /// created and tracks the tables it reads. Each statement ends with `;`.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// let mut s = Schema::new();
    /// s.create_function("one_more", |f| {
    ///     f.arg("n", Integer).returns(Integer).language("sql").atomic_body("SELECT n + 1;");
    /// });
    /// assert!(migrate_core::render::render_script(&s.finish().unwrap()).contains("BEGIN ATOMIC\nSELECT n + 1;\nEND"));
    /// ```
    pub fn atomic_body(&mut self, statements: &str) -> &mut Self {
        self.def.body = statements.to_string();
        self.def.atomic = true;
        self
    }
}

/// A trigger being written: when it fires and the function it runs.
///
/// ```
/// use migrate_core::prelude::*;
/// let mut s = Schema::new();
/// s.create_table("posts", |t| { t.bigint("id").primary_key(); t.timestamptz("updated_at"); });
/// s.create_function("touch", |f| {
///     f.returns_trigger().language("plpgsql").body("BEGIN NEW.updated_at := now(); RETURN NEW; END");
/// });
/// s.create_trigger("posts", "posts_touch", |t| {
///     t.before().update().for_each_row().execute("touch");
/// });
/// let sql = migrate_core::render::render_script(&s.finish().unwrap());
/// assert!(sql.ends_with("CREATE TRIGGER \"posts_touch\" BEFORE UPDATE ON \"posts\" FOR EACH ROW EXECUTE FUNCTION \"touch\"();\n"));
/// ```
pub struct TriggerBuilder {
    pub(crate) def: TriggerDef,
}

impl TriggerBuilder {
    pub(crate) fn new(table: &str, name: &str) -> Self {
        TriggerBuilder { def: TriggerDef::new(table, name) }
    }

    /// `BEFORE` the change (a row trigger may change or skip the row).
    pub fn before(&mut self) -> &mut Self {
        self.def.timing = TriggerTiming::Before;
        self
    }

    /// `AFTER` the change (the default).
    pub fn after(&mut self) -> &mut Self {
        self.def.timing = TriggerTiming::After;
        self
    }

    /// `INSTEAD OF` the change (views only).
    pub fn instead_of(&mut self) -> &mut Self {
        self.def.timing = TriggerTiming::InsteadOf;
        self
    }

    /// Fires on `INSERT`.
    pub fn insert(&mut self) -> &mut Self {
        self.def.events.push(TriggerEvent::Insert);
        self
    }

    /// Fires on `UPDATE`.
    pub fn update(&mut self) -> &mut Self {
        self.def.events.push(TriggerEvent::Update { columns: vec![] });
        self
    }

    /// Fires on `UPDATE OF columns`: only when one of them is set.
    pub fn update_of<S: Into<String>>(&mut self, columns: impl IntoIterator<Item = S>) -> &mut Self {
        self.def.events.push(TriggerEvent::Update { columns: columns.into_iter().map(Into::into).collect() });
        self
    }

    /// Fires on `DELETE`.
    pub fn delete(&mut self) -> &mut Self {
        self.def.events.push(TriggerEvent::Delete);
        self
    }

    /// Fires on `TRUNCATE` (statement triggers only).
    pub fn truncate(&mut self) -> &mut Self {
        self.def.events.push(TriggerEvent::Truncate);
        self
    }

    /// `REFERENCING OLD TABLE AS name`: the function reads the rows as they were before the change
    /// from a table of that name (`AFTER` triggers of `UPDATE` or `DELETE`).
    pub fn old_table(&mut self, name: &str) -> &mut Self {
        self.def.old_table = Some(name.to_string());
        self
    }

    /// `REFERENCING NEW TABLE AS name`: the rows as they are after the change (`AFTER` triggers of
    /// `INSERT` or `UPDATE`).
    pub fn new_table(&mut self, name: &str) -> &mut Self {
        self.def.new_table = Some(name.to_string());
        self
    }

    /// `FOR EACH ROW` (the default is once per statement).
    pub fn for_each_row(&mut self) -> &mut Self {
        self.def.for_each_row = true;
        self
    }

    /// `WHEN (condition)`: fires only when it holds (`OLD.*` and `NEW.*` may be used).
    pub fn when(&mut self, condition: &str) -> &mut Self {
        self.def.when = Some(condition.to_string());
        self
    }

    /// `EXECUTE FUNCTION function()`: a function that `returns_trigger()`.
    pub fn execute(&mut self, function: &str) -> &mut Self {
        self.def.function = function.to_string();
        self
    }

    /// An argument given to the function (`TG_ARGV`), as an SQL literal (`'audit'`, `42`).
    pub fn arg(&mut self, literal: &str) -> &mut Self {
        self.def.args.push(literal.to_string());
        self
    }
}
