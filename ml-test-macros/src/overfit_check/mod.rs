//! `#[overfit_check(steps = N, target_loss = X, ...)]` on a fn that builds a `Trainer`: a module
//! named after the fn with one test per convergence check, all reading one training run.

mod attr;
mod expand;

pub(crate) use expand::expand;
