//! The item `#[migration]` is on, read and checked.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{FnArg, Item, ItemFn, ItemMod, ReturnType, Type};

/// What the attribute is on.
pub enum Input {
    Up(ItemFn),
    Down(ItemFn),
    Module(ItemMod),
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let item: Item = input.parse()?;
        match item {
            Item::Fn(f) if f.sig.ident == "up" => Ok(Input::Up(f)),
            Item::Fn(f) if f.sig.ident == "down" => Ok(Input::Down(f)),
            Item::Fn(f) => Err(syn::Error::new_spanned(
                &f.sig.ident,
                "#[migration] goes on `pub fn up(s: &mut Schema)` or `pub fn down(s: &mut Schema)`, or on an inline `mod m<YYYYMMDDHHMMSS>_<name> { .. }`",
            )),
            Item::Mod(m) => Ok(Input::Module(m)),
            other => Err(syn::Error::new_spanned(
                other,
                "#[migration] goes on `pub fn up(s: &mut Schema)` or `pub fn down(s: &mut Schema)`, or on an inline `mod m<YYYYMMDDHHMMSS>_<name> { .. }`",
            )),
        }
    }
}

/// A function's body, kept as the compiler gave it: `#[migration]` only reads and rewrites the
/// signature, so it parses the item with an empty body and puts the original body back. Parsing and
/// printing every statement of every migration made up most of the macro's time. Returns the item
/// with an empty body and the body; an item that is not a function comes back whole.
pub fn split_body(item: TokenStream) -> (TokenStream, Option<TokenTree>) {
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let is_fn = tokens.iter().any(|t| matches!(t, TokenTree::Ident(i) if i == "fn"));
    match tokens.last() {
        Some(TokenTree::Group(g)) if is_fn && g.delimiter() == Delimiter::Brace => {
            let mut empty = Group::new(Delimiter::Brace, TokenStream::new());
            empty.set_span(g.span());
            let body = tokens.pop();
            tokens.push(TokenTree::Group(empty));
            (tokens.into_iter().collect(), body)
        }
        _ => (tokens.into_iter().collect(), None),
    }
}

/// The function `#[migration]` emits: `f`'s attributes and (rewritten) signature with its original
/// body (see [`split_body`]), or `f` itself when it was parsed whole.
pub fn function(f: &ItemFn, body: Option<TokenTree>) -> TokenStream {
    match body {
        Some(body) => {
            let (attrs, vis, sig) = (&f.attrs, &f.vis, &f.sig);
            quote::quote!(#(#attrs)* #vis #sig #body)
        }
        None => quote::quote!(#f),
    }
}

/// Checks the signature `fn up(s: &mut Schema)` and returns the parameter's type for rewriting.
pub fn check_signature(f: &ItemFn) -> syn::Result<()> {
    let sig = &f.sig;
    let name = &sig.ident;
    let expected = format!("expected `pub fn {name}(s: &mut Schema)`");
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new_spanned(a, format!("a migration function is not async: {expected}")));
    }
    // `unsafe fn` and `extern "C" fn` have other function-pointer types than the registry's, and
    // a `const fn` cannot call the builder: each a plain `fn`.
    let qualifier: Option<&dyn quote::ToTokens> = match (&sig.safety, &sig.abi, &sig.constness) {
        (syn::Safety::Unsafe(u), _, _) => Some(u),
        (_, Some(a), _) => Some(a),
        (_, _, Some(c)) => Some(c),
        _ => None,
    };
    if let Some(q) = qualifier {
        return Err(syn::Error::new_spanned(
            q,
            format!("a migration function is a plain `fn` (not `unsafe`, `extern` or `const`): {expected}"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new_spanned(
            &sig.generics,
            format!("a migration function has no generics: {expected}"),
        ));
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        return Err(syn::Error::new_spanned(ty, format!("a migration function returns nothing: {expected}")));
    }
    if sig.inputs.len() != 1 {
        return Err(syn::Error::new_spanned(&sig.inputs, format!("{expected}: one parameter")));
    }
    schema_param(f).map(|_| ())
}

/// The `Schema` path inside the parameter type `&mut Schema`.
pub fn schema_param(f: &ItemFn) -> syn::Result<&syn::TypePath> {
    let name = &f.sig.ident;
    let bad = |span: &dyn quote::ToTokens| {
        syn::Error::new_spanned(
            span,
            format!("expected `pub fn {name}(s: &mut Schema)`: the parameter is `&mut Schema`"),
        )
    };
    let Some(FnArg::Typed(pat)) = f.sig.inputs.first() else {
        return Err(bad(&f.sig.inputs));
    };
    let Type::Reference(r) = &*pat.ty else {
        return Err(bad(&pat.ty));
    };
    if r.mutability.is_none() {
        return Err(bad(&pat.ty));
    }
    let Type::Path(p) = &*r.elem else {
        return Err(bad(&pat.ty));
    };
    match p.path.segments.last() {
        Some(seg) if seg.ident == "Schema" && seg.arguments.is_none() => Ok(p),
        Some(seg) if seg.ident == "Schema" => Err(syn::Error::new_spanned(
            &seg.arguments,
            "write plain `Schema`: #[migration] chooses its mode (reversible only, or anything with an explicit down)",
        )),
        _ => Err(bad(&pat.ty)),
    }
}

/// The problem with a migration module name, if any (the same rule as `migrate_core::registry`).
pub fn module_name_problem(name: &str) -> Option<&'static str> {
    migrate_naming::check(name.as_bytes()).map(migrate_naming::NameProblem::describe)
}
