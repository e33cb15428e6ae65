//! The attribute's arguments: `no_transaction`, `irreversible = "reason"`, `allow(..)`, `original = ".."`
//! and, in the modules `migrate-build` writes for SQL files, `sql_file = ".."`.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// Parsed `#[migration(...)]` arguments.
#[derive(Default)]
pub struct Args {
    /// Present when the attribute had any argument (for the error on `down`).
    pub first: Option<Ident>,
    pub no_transaction: bool,
    pub irreversible: Option<LitStr>,
    /// Acknowledged lint rules: `allow(ban_drop_column = "reason", ..)`.
    pub allow: Vec<(Ident, LitStr)>,
    /// The identifier the migration had in the tool it was imported from.
    pub original: Option<LitStr>,
    /// The `up.sql` an SQL-file migration runs (written by `migrate-build`): the migration's file in
    /// every message, instead of the generated module's.
    pub sql_file: Option<LitStr>,
    /// `squashes(20240101000000, ..)`: the versions a baseline written by `squash` replaces.
    pub squashes: Vec<syn::LitInt>,
    /// Set by the inline module form on the `up` it marks: the module form checked the name and
    /// declares the version, so the `up` does neither from the file it sits in (which may be
    /// another migration's).
    pub in_module: bool,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if args.first.is_none() {
                args.first = Some(key.clone());
            }
            match key.to_string().as_str() {
                "no_transaction" if !args.no_transaction => args.no_transaction = true,
                "irreversible" if args.irreversible.is_none() => {
                    input.parse::<Token![=]>()?;
                    let reason: LitStr = input.parse()?;
                    if reason.value().trim().is_empty() {
                        return Err(syn::Error::new_spanned(
                            reason,
                            "give the reason this migration cannot be undone: `irreversible = \"drops the legacy column; its data cannot come back\"`",
                        ));
                    }
                    args.irreversible = Some(reason);
                }
                "allow" if args.allow.is_empty() => {
                    let content;
                    syn::parenthesized!(content in input);
                    while !content.is_empty() {
                        let rule: Ident = content.parse()?;
                        content.parse::<Token![=]>()?;
                        let reason: LitStr = content.parse()?;
                        if reason.value().trim().is_empty() {
                            return Err(syn::Error::new_spanned(
                                reason,
                                "say why this rule's finding is acceptable here: `allow(ban_drop_column = \"nothing reads it since v2.3\")`",
                            ));
                        }
                        args.allow.push((rule, reason));
                        if !content.is_empty() {
                            content.parse::<Token![,]>()?;
                        }
                    }
                    if args.allow.is_empty() {
                        return Err(syn::Error::new_spanned(
                            key,
                            "name the rules to acknowledge: `allow(rule_name = \"reason\")`",
                        ));
                    }
                }
                "original" if args.original.is_none() => {
                    input.parse::<Token![=]>()?;
                    args.original = Some(input.parse()?);
                }
                "squashes" if args.squashes.is_empty() => {
                    let content;
                    syn::parenthesized!(content in input);
                    let list = content.parse_terminated(syn::LitInt::parse, Token![,])?;
                    for v in &list {
                        v.base10_parse::<u64>()?;
                    }
                    args.squashes = list.into_iter().collect();
                    if args.squashes.is_empty() {
                        return Err(syn::Error::new_spanned(
                            key,
                            "list the versions the baseline replaces: `squashes(20240101000000, 20240102000000)`",
                        ));
                    }
                }
                "__in_module" => args.in_module = true,
                "sql_file" if args.sql_file.is_none() => {
                    input.parse::<Token![=]>()?;
                    args.sql_file = Some(input.parse()?);
                }
                "no_transaction" | "irreversible" | "allow" | "original" | "sql_file" | "squashes" => {
                    return Err(syn::Error::new_spanned(key, "this option is given twice"));
                }
                _ => {
                    return Err(syn::Error::new_spanned(
                        key,
                        "unknown option: #[migration] takes `no_transaction`, `irreversible = \"reason\"` and `allow(rule_name = \"reason\")`",
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}
