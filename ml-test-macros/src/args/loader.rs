//! `#[model_loader(random = path, cache)]`.

use proc_macro2::{Span, TokenStream};
use syn::Path;

use crate::diag::Errors;
use crate::options::{self, Grammar, Opt};

const RANDOM: Opt<Path> = Opt::path(
    "random",
    "a fn that builds the model with random weights",
    "random = SentimentModel::random",
);
const CACHE: Opt<bool> = Opt::flag("cache", "cache");

pub(crate) const GRAMMAR: Grammar = Grammar {
    attribute: "model_loader",
    noun: "#[model_loader] option",
    decls: &[RANDOM.decl, CACHE.decl],
    words: &[],
    word_kind: "",
    accepted: || {
        "accepted: `random = <path to a fn(&mut StdRng) -> the loader's return type>`, `cache`"
            .into()
    },
    misplaced: None,
};

/// What `#[model_loader(...)]` asked for.
#[derive(Default)]
pub(crate) struct LoaderArgs {
    /// `random = path`: builds the architecture with random weights.
    pub(crate) random: Option<Path>,
    /// `cache`, and where it was written: load once per process.
    pub(crate) cache: Option<Span>,
}

pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> LoaderArgs {
    let mut options = options::parse(&GRAMMAR, args, errors);
    LoaderArgs {
        random: options.take(&RANDOM),
        cache: options.flag(&CACHE).then(|| options.span(&CACHE)).flatten(),
    }
}
