//! `#[ml_test(tier, seed = N, timeout = "30s")]`: parse the arguments, check the fn, expand.

mod attr;
mod expand;

pub(crate) use attr::{TestArgs, parse as parse_args, parse_timeout};
pub(crate) use expand::{expand, generate, track_tiers_var};
