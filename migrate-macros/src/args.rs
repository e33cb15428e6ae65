//! The attribute's arguments: `no_transaction`, `irreversible = "reason"`.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// Parsed `#[migration(...)]` arguments.
#[derive(Default)]
pub struct Args {
    /// Present when the attribute had any argument (for the error on `down`).
    pub first: Option<Ident>,
    pub no_transaction: bool,
    pub irreversible: Option<LitStr>,
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
                "no_transaction" | "irreversible" => {
                    return Err(syn::Error::new_spanned(key, "this option is given twice"));
                }
                _ => {
                    return Err(syn::Error::new_spanned(
                        key,
                        "unknown option: #[migration] takes `no_transaction` and `irreversible = \"reason\"`",
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
