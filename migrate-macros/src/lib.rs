//! `#[migration]`: registers a migration at compile time and makes an irreversible migration without
//! `down` fail to compile. Use it through `migrate_core::migration` (or the prelude).
//!
//! Parse → validate → expand: [`args`] parses the attribute, [`ast`] reads and checks the item,
//! [`expand`] only emits code. On error the item is re-emitted unchanged beside `compile_error!`.

// Published crates document every public item (checked by the compiler: the guide and docs.rs
// rely on it).
#![deny(missing_docs)]

mod args;
mod ast;
mod derive_sql;
mod expand;
mod repeatable;
mod seed;

use proc_macro::TokenStream;

/// Registers a migration. See the `migrate_core` crate docs.
///
/// Forms:
/// - `#[migration] pub fn up(s: &mut Schema)` and optionally `#[migration] pub fn down(s: &mut Schema)`
///   in a module named `m<YYYYMMDDHHMMSS>_<snake_name>` (one file per migration);
/// - `#[migration] mod m<YYYYMMDDHHMMSS>_<snake_name> { pub fn up(..) {..} pub fn down(..) {..} }`.
///
/// Options (on `up` or on the module): `no_transaction`, `irreversible = "reason"`.
#[proc_macro_attribute]
pub fn migration(attr: TokenStream, item: TokenStream) -> TokenStream {
    let original: proc_macro2::TokenStream = item.clone().into();
    let (head, body) = ast::split_body(original.clone());
    let result = syn::parse::<args::Args>(attr)
        .and_then(|args| Ok((args, syn::parse2::<ast::Input>(head)?)))
        .and_then(|(args, input)| expand::expand(args, input, body, &file_module_name()));
    finish(result, original)
}

/// The expansion, or on error the error beside the item re-emitted unchanged, so that the only error
/// is ours.
fn finish(result: syn::Result<proc_macro2::TokenStream>, original: proc_macro2::TokenStream) -> TokenStream {
    match result {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(original);
            out.into()
        }
    }
}

/// The module name a migration file gives its module (the file stem), when it has the migration form.
fn file_module_name() -> Option<String> {
    let path = proc_macro::Span::call_site().local_file()?;
    let stem = path.file_stem()?.to_str()?.to_string();
    ast::module_name_problem(&stem).is_none().then_some(stem)
}

/// Registers a repeatable migration written with the builder: `#[repeatable] pub fn up(s: &mut
/// Schema)` in `src/repeatable/<name>.rs`, which the build script lists; the repeatable takes the
/// file's name. See `migrate_core::repeatable`.
#[proc_macro_attribute]
pub fn repeatable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let original: proc_macro2::TokenStream = item.clone().into();
    let result = if attr.is_empty() {
        syn::parse::<syn::ItemFn>(item).and_then(repeatable::expand)
    } else {
        Err(syn::Error::new(proc_macro2::Span::call_site(), "#[repeatable] takes no options"))
    };
    finish(result, original)
}

/// Registers a seed: `#[seed] pub async fn users(tx: &Transaction<'_>) -> Result<(), E>`, optionally
/// limited to environments with `#[seed(env = "dev")]` or `#[seed(env = ["dev", "test"])]`. See
/// `migrate_core::seed`.
#[proc_macro_attribute]
pub fn seed(attr: TokenStream, item: TokenStream) -> TokenStream {
    let original: proc_macro2::TokenStream = item.clone().into();
    let result = syn::parse::<seed::SeedArgs>(attr)
        .and_then(|args| Ok((args, syn::parse::<syn::ItemFn>(item)?)))
        .and_then(|(args, f)| seed::expand(args, f));
    finish(result, original)
}
