//! `#[seed]`: registers an `async fn(&Transaction<'_>) -> Result<(), E>` as a seed.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{ItemFn, LitStr, Token};

/// `env = "dev"` or `env = ["dev", "test"]`.
pub struct SeedArgs {
    pub envs: Vec<LitStr>,
}

impl Parse for SeedArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut envs = Vec::new();
        if input.is_empty() {
            return Ok(SeedArgs { envs });
        }
        let key: syn::Ident = input.parse()?;
        if key != "env" {
            return Err(syn::Error::new_spanned(
                key,
                "unknown seed option: the only one is `env`, e.g. `#[seed(env = \"dev\")]` or `#[seed(env = [\"dev\", \"test\"])]`",
            ));
        }
        input.parse::<Token![=]>()?;
        if input.peek(syn::token::Bracket) {
            let content;
            syn::bracketed!(content in input);
            envs.extend(content.parse_terminated(<LitStr as Parse>::parse, Token![,])?);
        } else {
            envs.push(input.parse()?);
        }
        if let Some(bad) = envs.iter().find(|e| e.value().trim().is_empty()) {
            return Err(syn::Error::new_spanned(bad, "an environment name cannot be empty"));
        }
        if envs.is_empty() {
            return Err(syn::Error::new_spanned(
                key,
                "name at least one environment, or leave out `env` to seed every one",
            ));
        }
        if !input.is_empty() {
            return Err(input.error("expected nothing after the environments"));
        }
        Ok(SeedArgs { envs })
    }
}

pub fn expand(args: SeedArgs, f: ItemFn) -> syn::Result<TokenStream> {
    let sig = &f.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            sig.fn_token,
            "a seed is an `async fn`: `#[seed] pub async fn users(tx: &Transaction<'_>) -> Result<(), tokio_postgres::Error>`",
        ));
    }
    if sig.inputs.len() != 1 || !sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.inputs,
            "a seed takes exactly one argument, the seeding transaction: `tx: &Transaction<'_>`",
        ));
    }
    if matches!(sig.output, syn::ReturnType::Default) {
        return Err(syn::Error::new_spanned(
            sig,
            "a seed returns a `Result<(), E>` (E: tokio_postgres::Error, anyhow::Error, ...) so a failure rolls back the seeding",
        ));
    }
    let name = &sig.ident;
    let name_str = name.to_string();
    let wrapper = format_ident!("__migrate_seed_{}", name);
    let envs = &args.envs;
    Ok(quote! {
        #f

        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #wrapper<'a>(
            tx: &'a ::migrate_core::tokio_postgres::Transaction<'a>,
        ) -> ::migrate_core::seed::SeedFuture<'a> {
            ::std::boxed::Box::pin(async move {
                #name(tx).await.map_err(::core::convert::Into::<::migrate_core::seed::SeedError>::into)
            })
        }

        ::migrate_core::__private::inventory::submit! {
            ::migrate_core::seed::SeedDef {
                name: #name_str,
                envs: &[#(#envs),*],
                file: ::core::file!(),
                line: ::core::line!(),
                run: #wrapper,
            }
        }
    })
}
