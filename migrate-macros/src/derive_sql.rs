//! `s.sql("..")` with a literal whose every statement has a derived inverse
//! ([`migrate_sql::derive::reversible`]) becomes `s.__sql_derived("..")`, which any mode allows: such
//! a migration needs no `down`, and the registry derives it when the migration loads. Text that is not
//! a literal, SQL with a statement that has no inverse, and a call followed by another method
//! (`.declares(..)`) stay `s.sql(..)`, which a migration without `down` refuses to compile.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};

/// `tokens` with each derivable `.sql("..")` call renamed.
pub fn rename_derivable_calls(tokens: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), rename_derivable_calls(g.stream()));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            TokenTree::Ident(id) if id == "sql" && derivable_call(&tokens, i) => {
                out.push(TokenTree::Ident(Ident::new("__sql_derived", id.span())));
            }
            t => out.push(t.clone()),
        }
    }
    out.into_iter().collect()
}

/// Whether `tokens[i]` (`sql`) is a method call `.sql("literal")`, not followed by another method,
/// whose literal reads as statements that all have a derived inverse.
fn derivable_call(tokens: &[TokenTree], i: usize) -> bool {
    let dot_before = i > 0 && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
    let Some(TokenTree::Group(args)) = tokens.get(i + 1) else { return false };
    let chained = matches!(tokens.get(i + 2), Some(TokenTree::Punct(p)) if p.as_char() == '.');
    if !dot_before || chained || args.delimiter() != proc_macro2::Delimiter::Parenthesis {
        return false;
    }
    // The literal, with the trailing comma a multi-line call gets from rustfmt.
    let mut inner: Vec<TokenTree> = args.stream().into_iter().collect();
    if matches!(inner.last(), Some(TokenTree::Punct(p)) if p.as_char() == ',') {
        inner.pop();
    }
    let Ok(lit) = syn::parse2::<syn::LitStr>(inner.into_iter().collect()) else { return false };
    let sql = lit.value();
    let statements = migrate_sql::parse_statements(&sql);
    !statements.is_empty() && statements.iter().all(|s| migrate_sql::derive::reversible(s).is_ok())
}
