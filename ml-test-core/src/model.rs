//! The model interface that loaders hand out and mocks stand in for.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// A model behind a loader: one prediction per call.
///
/// Production code obtains models as [`SharedModel`]s from loader functions marked
/// `#[model_loader]`; tests swap those loaders for mocks (`#[mock_model]`) or random weights
/// (`#[random_weights]`) without touching the code under test.
///
/// ```
/// use ml_test::{Model, ModelError};
///
/// struct Threshold(f32);
///
/// impl Model for Threshold {
///     type Input = Vec<f32>;
///     type Output = Vec<i64>;
///
///     fn predict(&self, input: &Vec<f32>) -> Result<Vec<i64>, ModelError> {
///         Ok(input.iter().map(|x| i64::from(*x > self.0)).collect())
///     }
/// }
///
/// assert_eq!(Threshold(0.5).predict(&vec![0.2, 0.9]).unwrap(), vec![0, 1]);
/// ```
pub trait Model: Send + Sync {
    /// What one call takes: a feature batch, a text, a request.
    type Input;
    /// What one call returns: labels, scores, embeddings.
    type Output;

    /// Predicts for `input`.
    ///
    /// # Errors
    /// When the input does not fit the model or the model cannot answer; see [`ModelError`].
    fn predict(&self, input: &Self::Input) -> Result<Self::Output, ModelError>;
}

/// The handle loaders return: a model shared across threads and requests.
pub type SharedModel<I, O> = Arc<dyn Model<Input = I, Output = O>>;

/// A shared model is a model: `assert_batch_invariant(&loaded, &batch)` takes what a loader
/// returned as it is.
impl<M: Model + ?Sized> Model for Arc<M> {
    type Input = M::Input;
    type Output = M::Output;

    fn predict(&self, input: &M::Input) -> Result<M::Output, ModelError> {
        (**self).predict(input)
    }
}

impl<M: Model + ?Sized> Model for Box<M> {
    type Input = M::Input;
    type Output = M::Output;

    fn predict(&self, input: &M::Input) -> Result<M::Output, ModelError> {
        (**self).predict(input)
    }
}

/// What kind of failure a [`ModelError`] is, so a service can map it to a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelErrorKind {
    /// The input is malformed for this model (wrong shape, empty batch): the caller's mistake.
    InvalidInput,
    /// The model cannot answer right now (a remote model is down, out of memory).
    Unavailable,
    /// Anything else.
    Internal,
}

/// A failed prediction: a kind, a message and optionally the error that caused it.
#[derive(Clone)]
pub struct ModelError {
    kind: ModelErrorKind,
    message: String,
    source: Option<Arc<dyn Error + Send + Sync>>,
}

impl ModelError {
    /// A failure of kind `kind`.
    pub fn new(kind: ModelErrorKind, message: impl Into<String>) -> ModelError {
        ModelError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The input does not fit the model.
    pub fn invalid_input(message: impl Into<String>) -> ModelError {
        ModelError::new(ModelErrorKind::InvalidInput, message)
    }

    /// The model cannot answer right now.
    pub fn unavailable(message: impl Into<String>) -> ModelError {
        ModelError::new(ModelErrorKind::Unavailable, message)
    }

    /// Any other failure.
    pub fn internal(message: impl Into<String>) -> ModelError {
        ModelError::new(ModelErrorKind::Internal, message)
    }

    /// Attaches the error that caused this one.
    #[must_use]
    pub fn with_source(mut self, source: impl Error + Send + Sync + 'static) -> ModelError {
        self.source = Some(Arc::new(source));
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ModelErrorKind {
        self.kind
    }

    /// The message, without the source.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Equal kind and message; the source is not compared (errors rarely are `PartialEq`).
impl PartialEq for ModelError {
    fn eq(&self, other: &ModelError) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl fmt::Debug for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ModelError");
        debug
            .field("kind", &self.kind)
            .field("message", &self.message);
        if let Some(source) = &self.source {
            debug.field("source", &format_args!("{source}"));
        }
        debug.finish()
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for ModelError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn Error + 'static))
    }
}

/// `fails = "model server down"` in `#[mock_model]`: a message is an internal failure.
impl From<&str> for ModelError {
    fn from(message: &str) -> ModelError {
        ModelError::internal(message)
    }
}

impl From<String> for ModelError {
    fn from(message: String) -> ModelError {
        ModelError::internal(message)
    }
}
