//! `#[model_loader(random = path, cache)]`.

use proc_macro2::{Span, TokenStream};
use syn::Path;

use crate::diag::Errors;
use crate::options::{self, Decl, Grammar, Kind};

pub(crate) const GRAMMAR: Grammar = Grammar {
    attribute: "model_loader",
    noun: "#[model_loader] option",
    decls: &[
        Decl::new(
            "random",
            Kind::Path {
                what: "a fn that builds the model with random weights",
            },
            "random = SentimentModel::random",
        ),
        Decl::new("cache", Kind::Flag, "cache"),
    ],
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
        random: options.take_path("random"),
        cache: options
            .flag("cache")
            .then(|| options.span("cache"))
            .flatten(),
    }
}
