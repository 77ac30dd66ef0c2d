//! `#[model_loader(random = path, cache)]`: the seam in a production fn that loads a model.

mod attr;
mod expand;

pub(crate) use expand::expand;
