//! Tokens from source text the macros write themselves. The text of a generated item (a test's
//! registry entry, its guard) is cheaper for rustc to lex in one call than for the macro to build
//! token by token in a debug build, which is how users' builds compile proc macros
//! (BENCHMARKS.md, "Compile budget").

use proc_macro2::TokenStream;

/// Tokens from source text this crate writes (valid by construction), spanned at the call site
/// like `quote!`'s. Inside the compiler rustc lexes the text in one call, which is cheaper than
/// building the tokens one by one; proc-macro2's own parse would lex it twice.
pub(crate) fn source(text: &str) -> TokenStream {
    if proc_macro::is_available() {
        let tokens: proc_macro::TokenStream = text
            .parse()
            .unwrap_or_else(|error| panic!("ml-test wrote invalid tokens `{text}`: {error}"));
        tokens.into()
    } else {
        text.parse()
            .unwrap_or_else(|error| panic!("ml-test wrote invalid tokens `{text}`: {error}"))
    }
}
