//! The arguments of `#[model_loader(...)]`.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Meta, Path};

use crate::diag::{Errors, key_of, unknown_key};

const KEYS: [&str; 2] = ["random", "cache"];
const ACCEPTED: &str =
    "accepted: `random = <path to a fn(&mut StdRng) -> the loader's return type>`, `cache`";

/// What `#[model_loader(...)]` asked for.
#[derive(Default)]
pub(crate) struct LoaderArgs {
    /// `random = path`: builds the architecture with random weights.
    pub(crate) random: Option<Path>,
    /// `cache`, and where it was written: load once per process.
    pub(crate) cache: Option<Span>,
}

pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> LoaderArgs {
    let mut parsed = LoaderArgs::default();
    let metas = crate::diag::parse_metas(args, errors);
    for meta in metas {
        let (key, span) = key_of(&meta);
        match (key.as_str(), meta) {
            ("cache", Meta::Path(_)) if parsed.cache.is_some() => {
                errors.at(span, "`cache` is given twice")
            }
            ("cache", Meta::Path(_)) => parsed.cache = Some(span),
            ("cache", meta) => errors.spanned(
                meta,
                "`cache` takes no value: write `#[model_loader(cache)]`",
            ),
            ("random", Meta::NameValue(_)) if parsed.random.is_some() => {
                errors.at(span, "`random` is given twice")
            }
            ("random", Meta::NameValue(pair)) => match pair.value {
                Expr::Path(path) if path.qself.is_none() => parsed.random = Some(path.path),
                other => errors.spanned(
                    other,
                    "`random` takes the path of a fn that builds the model with random weights, \
                     e.g. `random = SentimentModel::random`",
                ),
            },
            ("random", _) => errors.at(span, format_args!("`random` needs a value; {ACCEPTED}")),
            _ => unknown_key("#[model_loader]", &key, span, KEYS, ACCEPTED, errors),
        }
    }
    parsed
}
