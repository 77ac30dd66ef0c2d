//! The argument parsers of the attributes: each declares its options for the engine in
//! `options.rs` and turns what the engine read into its typed arguments.

pub(crate) mod loader;
pub(crate) mod mock;
pub(crate) mod overfit;
pub(crate) mod test;

use crate::options::Kind;

/// `seed = N`: any `u64`.
pub(crate) const SEED: Kind = Kind::Int {
    min: 0,
    max: u64::MAX as u128,
    ty: "u64",
    below_min: "",
};
