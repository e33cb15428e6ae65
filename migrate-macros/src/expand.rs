//! Code generation. Generated code uses absolute paths only.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{Item, ItemFn, ItemMod};

use crate::args::Args;
use crate::ast::{Input, check_signature, function, module_name_problem};
use crate::derive_sql::rename_derivable_calls;

pub fn expand(
    args: Args,
    input: Input,
    body: Option<TokenTree>,
    file_module: &Option<String>,
) -> syn::Result<TokenStream> {
    match input {
        Input::Up(f) => {
            // Inside an inline migration module, the file is not the migration's: the module form
            // checks the name and declares the version.
            let file_module = if args.in_module { &None } else { file_module };
            let mut out = up(&args, f, body, args.in_module || file_module.is_some())?;
            out.extend(file_module.as_deref().map(unique_version));
            Ok(out)
        }
        Input::Down(f) => {
            if let Some(first) = &args.first {
                return Err(syn::Error::new_spanned(
                    first,
                    "options go on `#[migration]` of `fn up` (or of the module), not on `fn down`",
                ));
            }
            down(f, body)
        }
        Input::Module(m) => module(&args, m),
    }
}

/// Gives the `Schema` parameter its mode: `&mut Schema` becomes `&mut Schema<mode>`, keeping the user's
/// own path (so their `use` of it stays used, and errors point at their code).
/// The function as compiled, and for rustdoc its signature as the user wrote it (`s: &mut Schema`),
/// not the mode the macro gives it (`Schema<__MigrateMode>`, which names a hidden item).
fn documented(f: &ItemFn, compiled: TokenStream) -> TokenStream {
    let (attrs, vis, sig) = (&f.attrs, &f.vis, &f.sig);
    quote! {
        #[cfg(not(doc))]
        #compiled
        #[cfg(doc)]
        #(#attrs)*
        #[allow(unused_variables)]
        #vis #sig {}
    }
}

fn with_mode(mut f: ItemFn, mode: TokenStream) -> syn::Result<ItemFn> {
    check_signature(&f)?;
    let args: syn::AngleBracketedGenericArguments = syn::parse2(quote!(<#mode>))?;
    if let Some(syn::FnArg::Typed(pat)) = f.sig.inputs.first_mut()
        && let syn::Type::Reference(r) = &mut *pat.ty
        && let syn::Type::Path(p) = &mut *r.elem
        && let Some(seg) = p.path.segments.last_mut()
    {
        seg.arguments = syn::PathArguments::AngleBracketed(args);
    }
    Ok(f)
}

fn up(args: &Args, mut f: ItemFn, body: Option<TokenTree>, name_checked: bool) -> syn::Result<TokenStream> {
    // `s.sql("..")` whose statements all have an inverse needs no `down` (crate::derive_sql).
    let body = match body {
        // Most migrations call no `.sql(..)`: one look at the body's source text (a slice of the file,
        // not a printing of its tokens, which costs as much as the rest of the expansion), then no
        // walk over every token.
        Some(TokenTree::Group(g)) if g.span().source_text().is_some_and(|t| !t.contains("sql")) => {
            Some(TokenTree::Group(g))
        }
        Some(TokenTree::Group(g)) => {
            let mut renamed = proc_macro2::Group::new(g.delimiter(), rename_derivable_calls(g.stream()));
            renamed.set_span(g.span());
            Some(TokenTree::Group(renamed))
        }
        Some(other) => Some(other),
        None => {
            let block = &f.block;
            *f.block = syn::parse2(rename_derivable_calls(quote!(#block)))?;
            None
        }
    };
    let f = documented(&f, function(&with_mode(f.clone(), quote!(__MigrateMode))?, body));
    let fallback = if args.irreversible.is_some() {
        quote!(::migrate_core::__private::up_fallback::irreversible)
    } else {
        quote!(::migrate_core::__private::up_fallback::derived)
    };
    let transaction = !args.no_transaction;
    let original = match &args.original {
        Some(o) => quote!(::core::option::Option::Some(#o)),
        None => quote!(::core::option::Option::None),
    };
    let file = match &args.sql_file {
        Some(f) => quote!(#f),
        None => quote!(::core::file!()),
    };
    let squashes = args.squashes.iter().map(|v| {
        let n: u64 = v.base10_parse().unwrap_or_default();
        quote!(#n)
    });
    let rules: Vec<String> = args.allow.iter().map(|(r, _)| r.to_string().replace('_', "-")).collect();
    let reasons: Vec<&syn::LitStr> = args.allow.iter().map(|(_, why)| why).collect();
    // One check per rule, spanned on the rule's name, so an unknown rule is reported there. The checks
    // run as the registration static is evaluated, in order: the first failing one is reported.
    let rule_checks = args.allow.iter().zip(&rules).map(|((ident, _), id)| {
        quote::quote_spanned! {ident.span()=>
            ::migrate_core::__private::check_rule(#id);
        }
    });
    let is_irreversible = args.irreversible.is_some();
    let (irreversible, irreversible_check) = match &args.irreversible {
        Some(reason) => (
            quote!(::core::option::Option::Some(#reason)),
            quote! {
                ::core::assert!(
                    __MIGRATE_DOWN.is_none(),
                    "this migration is marked `irreversible` and also has a `down`: remove one of them"
                );
            },
        ),
        None => (quote!(::core::option::Option::None), quote!()),
    };
    // The module's name is checked at compile time: by this macro when the file's name has the
    // migration form (the module takes the file's name), else by a const evaluation of
    // `module_path!()`, which costs the compiler about 0.3 ms per migration. The registry checks it
    // again at run time (a `#[path]` attribute can give a module another name than its file).
    let module_check = (!name_checked).then(|| {
        quote!(
            const _: () = ::migrate_core::__private::check_module_path(::core::module_path!());
        )
    });
    Ok(quote! {
        #f

        // Fallbacks for a module without `#[migration] fn down`: the real items that the `down`
        // expansion defines shadow these glob imports. (`#[doc(hidden)]`: rustdoc documents the
        // private items of a binary crate.)
        #[doc(hidden)]
        #[allow(unused_imports)]
        use #fallback::*;
        #[doc(hidden)]
        type __MigrateUp = ::migrate_core::__private::UpRegistered;

        #module_check
        ::migrate_core::__private::inventory::submit! {
            ::migrate_core::__private::MigrationDef {
                module_path: ::core::module_path!(),
                file: #file,
                line: ::core::line!(),
                // The compile-time checks run as the static is evaluated: no item of their own.
                up: {
                    ::migrate_core::__private::check_down::<__MigrateMode, _>(&down);
                    #irreversible_check
                    ::migrate_core::__private::check_mode::<__MigrateMode>(__MIGRATE_DOWN.is_some(), #is_irreversible);
                    #(#rule_checks)*
                    &(up as fn(&mut ::migrate_core::Schema<__MigrateMode>))
                },
                down: __MIGRATE_DOWN,
                transaction: #transaction,
                irreversible: #irreversible,
                allow: &[#((#rules, #reasons)),*],
                original: #original,
                squashes: &[#(#squashes),*],
            }
        }
    })
}

fn down(f: ItemFn, body: Option<TokenTree>) -> syn::Result<TokenStream> {
    let f = documented(&f, function(&with_mode(f.clone(), quote!(::migrate_core::__private::DownMode))?, body));
    Ok(quote! {
        #f

        // Fallback for a module whose `fn up` lacks `#[migration]`: the `up` expansion's real item
        // shadows it.
        #[doc(hidden)]
        #[allow(unused_imports)]
        use ::migrate_core::__private::down_fallback::*;
        #[doc(hidden)]
        type __MigrateMode = ::migrate_core::schema::mode::WithDown;
        #[doc(hidden)]
        const __MIGRATE_DOWN: ::core::option::Option<::migrate_core::__private::BuildFn> =
            ::core::option::Option::Some(&(down as fn(&mut ::migrate_core::Schema<__MigrateMode>)));

        const _: () = ::migrate_core::__private::check_up::<__MigrateUp>();
    })
}

/// The inline form: checks the module name, then puts the attribute on its `up` and `down`.
fn module(args: &Args, mut m: ItemMod) -> syn::Result<TokenStream> {
    let name = m.ident.to_string();
    if let Some(problem) = module_name_problem(&name) {
        return Err(syn::Error::new_spanned(&m.ident, format!("misnamed migration module `{name}`: {problem}")));
    }
    let Some((_, items)) = &mut m.content else {
        return Err(syn::Error::new_spanned(
            &m,
            "#[migration] on a file module is unstable in Rust: put `#[migration]` on `pub fn up` inside the file instead",
        ));
    };
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut found_up = false;
    for item in items.iter_mut() {
        let Item::Fn(f) = item else { continue };
        let is_up = f.sig.ident == "up";
        if !is_up && f.sig.ident != "down" {
            continue;
        }
        if let Some(attr) = f.attrs.iter().find(|a| a.path().segments.last().is_some_and(|s| s.ident == "migration")) {
            push(syn::Error::new_spanned(attr, "the module already has #[migration]: remove this one"));
            continue;
        }
        let attr: syn::Attribute = if is_up {
            found_up = true;
            let opts = options(args);
            syn::parse_quote!(#[::migrate_core::migration(#opts)])
        } else {
            syn::parse_quote!(#[::migrate_core::migration])
        };
        f.attrs.push(attr);
    }
    if found_up {
        items.push(Item::Verbatim(unique_version(&name)));
    }
    if !found_up {
        push(syn::Error::new_spanned(
            &m.ident,
            format!("migration module `{name}` has no `pub fn up(s: &mut Schema)`"),
        ));
    }
    if let Some(e) = errors {
        return Err(e);
    }
    Ok(quote!(#m))
}

fn options(args: &Args) -> TokenStream {
    let mut opts = Vec::new();
    if args.no_transaction {
        let id = format_ident!("no_transaction");
        opts.push(quote!(#id));
    }
    if let Some(reason) = &args.irreversible {
        opts.push(quote!(irreversible = #reason));
    }
    if !args.allow.is_empty() {
        let pairs = args.allow.iter().map(|(r, why)| quote!(#r = #why));
        opts.push(quote!(allow(#(#pairs),*)));
    }
    if let Some(o) = &args.original {
        opts.push(quote!(original = #o));
    }
    if !args.squashes.is_empty() {
        let list = &args.squashes;
        opts.push(quote!(squashes(#(#list),*)));
    }
    if let Some(f) = &args.sql_file {
        opts.push(quote!(sql_file = #f));
    }
    opts.push(quote!(__in_module));
    quote!(#(#opts),*)
}

/// Two migrations with the same version in one crate fail to compile: each declares a crate-level
/// macro named after its version, and the compiler rejects the second definition with a message that
/// names the version (and points at both migrations).
fn unique_version(module: &str) -> TokenStream {
    let version = &module[1..15];
    let name = format_ident!("migration_version_{}_must_be_unique", version);
    quote! {
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #name {
            () => {};
        }
    }
}
