//! `#[ml_test(tier, seed = N, timeout = "30s")]`: parse the arguments, check the fn, expand.

mod attr;
mod expand;

pub(crate) use attr::{TestArgs, parse as parse_args, parse_duration, parse_seed, parse_timeout};
pub(crate) use expand::{expand, fallback, finish_expansion, generate};
