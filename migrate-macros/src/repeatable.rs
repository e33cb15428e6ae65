//! `#[repeatable]`: a repeatable migration written with the builder, in `src/repeatable/<name>.rs`
//! (the build script lists it). The function builds the views, functions, procedures, triggers or
//! materialized views; it is registered under its module's name, and the runner renders its ops, as
//! it reads an SQL repeatable's text.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

/// The function, and its registration.
pub fn expand(f: ItemFn) -> syn::Result<TokenStream> {
    if f.sig.inputs.len() != 1 || f.sig.asyncness.is_some() || !matches!(f.sig.output, syn::ReturnType::Default) {
        return Err(syn::Error::new_spanned(
            &f.sig,
            "a repeatable is `#[repeatable] pub fn up(s: &mut Schema)`: one argument, no return value, not async",
        ));
    }
    let name = &f.sig.ident;
    Ok(quote! {
        #f

        #[doc(hidden)]
        fn __migrate_repeatable_build()
            -> ::core::result::Result<::std::vec::Vec<::migrate_core::op::Op>, ::migrate_core::error::BuildErrors>
        {
            let mut s = ::migrate_core::Schema::new();
            #name(&mut s);
            s.finish()
        }

        ::migrate_core::__private::inventory::submit! {
            ::migrate_core::registry::RepeatableDef {
                name: "",
                file: ::core::file!(),
                up: "",
                down: ::core::option::Option::None,
                module: ::core::module_path!(),
                build: ::core::option::Option::Some(__migrate_repeatable_build),
            }
        }
    })
}
