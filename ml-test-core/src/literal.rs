//! An attribute's numbers (`#[mock_model(returns = [[0.1, 0.9]])]`) as a value of the loader's
//! output type: a [`Literal`] keeps them as written, and [`FromLiteral`] builds each type that can
//! hold them, or says why it cannot.

use crate::numeric::{Element, Numbers, Scalar, shape_text};

/// A numeric literal from an attribute (`returns = [[0.1, 0.9]]`): its text, shape and numbers,
/// to be converted to whatever the loader's model outputs. Used by generated code.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    /// As written, for messages.
    pub text: String,
    /// The length of each nesting level; empty for a bare number.
    pub shape: Vec<usize>,
    /// The numbers in row-major order.
    pub scalars: Vec<Scalar>,
}

impl Literal {
    /// A literal of `shape` (used by generated code, which checked it is rectangular).
    pub fn new(text: &str, shape: &[usize], scalars: &[Scalar]) -> Literal {
        Literal {
            text: text.to_owned(),
            shape: shape.to_vec(),
            scalars: scalars.to_vec(),
        }
    }

    /// The literal equivalent of a numeric value (a `returns = <expression>` whose type differs
    /// from the loader's output converts through it).
    pub fn from_numbers(text: &str, numbers: &Numbers) -> Literal {
        let float = numbers.dtype.is_float();
        Literal {
            text: text.to_owned(),
            shape: numbers.shape.clone(),
            scalars: numbers
                .values
                .iter()
                .map(|&v| {
                    if float {
                        Scalar::Float(v)
                    } else {
                        Scalar::Int(v as i128)
                    }
                })
                .collect(),
        }
    }

    /// The numbers in row-major order as `T`s, or the first that `T` cannot hold.
    pub(crate) fn elements<T: Element>(&self) -> Result<Vec<T>, LiteralMismatch> {
        self.scalars
            .iter()
            .map(|&scalar| element_of(scalar))
            .collect()
    }

    fn sub_literals(&self) -> impl Iterator<Item = Literal> + '_ {
        let rows = self.shape.first().copied().unwrap_or(0);
        let stride: usize = self.shape[1..].iter().product();
        (0..rows).map(move |row| Literal {
            text: self.text.clone(),
            shape: self.shape[1..].to_vec(),
            scalars: self.scalars[row * stride..(row + 1) * stride].to_vec(),
        })
    }
}

/// Why a literal could not become the loader's output type.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq)]
pub struct LiteralMismatch(pub String);

#[doc(hidden)]
/// Output types a numeric literal converts to: numeric scalars, `Vec`s of them (nested for
/// rank > 1), owned ndarrays of any numeric element type and rank, and candle / burn tensors
/// with those features.
#[diagnostic::on_unimplemented(
    message = "a numeric literal cannot become `{Self}`",
    label = "not an ndarray, (nested) `Vec`, scalar or tensor of numbers",
    note = "give the mock a value of this type (`returns = <expression>`) or build it per call with `returns_fn = |input| ..`",
    note = "an ndarray 0.16 or 0.15 array (linfa 0.8 is on 0.16) needs ml-test's `ndarray-0_16` or `ndarray-0_15` feature"
)]
pub trait FromLiteral: Sized {
    /// The value for `literal`.
    ///
    /// # Errors
    /// When the shape's rank or a number does not fit the type.
    fn from_literal(literal: &Literal) -> Result<Self, LiteralMismatch>;
    /// The type as a user would write it (`Array2<f32>`, `Vec<i64>`).
    fn describe() -> String;
}

pub(crate) fn element_of<T: Element>(scalar: Scalar) -> Result<T, LiteralMismatch> {
    T::from_scalar(scalar).ok_or_else(|| {
        let number = match scalar {
            Scalar::Int(int) => int.to_string(),
            Scalar::Float(float) => format!("{float:?}"),
        };
        LiteralMismatch(format!("{number} does not fit in {}", T::DTYPE))
    })
}

pub(crate) fn rank_mismatch(literal: &Literal, wanted: &str) -> LiteralMismatch {
    LiteralMismatch(format!(
        "a rank-{} literal of shape {} cannot become {wanted}",
        literal.shape.len(),
        shape_text(&literal.shape)
    ))
}

impl<T: Element> FromLiteral for T {
    fn from_literal(literal: &Literal) -> Result<Self, LiteralMismatch> {
        match literal.scalars.as_slice() {
            [scalar] if literal.shape.is_empty() => element_of(*scalar),
            _ => Err(rank_mismatch(
                literal,
                &format!("the scalar {} (write a bare number)", T::DTYPE),
            )),
        }
    }

    fn describe() -> String {
        T::DTYPE.name().to_owned()
    }
}

impl<T: FromLiteral> FromLiteral for Vec<T> {
    fn from_literal(literal: &Literal) -> Result<Self, LiteralMismatch> {
        if literal.shape.is_empty() {
            return Err(rank_mismatch(literal, &Self::describe()));
        }
        literal
            .sub_literals()
            .map(|row| T::from_literal(&row))
            .collect()
    }

    fn describe() -> String {
        format!("Vec<{}>", T::describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2, ArrayD, array};

    fn lit(shape: &[usize], ints: &[i128]) -> Literal {
        let scalars: Vec<Scalar> = ints.iter().map(|i| Scalar::Int(*i)).collect();
        Literal::new("lit", shape, &scalars)
    }

    #[test]
    fn literals_become_arrays_vecs_and_scalars() {
        assert_eq!(
            Array1::<i64>::from_literal(&lit(&[1], &[99])),
            Ok(array![99i64])
        );
        assert_eq!(
            Array2::<f32>::from_literal(&lit(&[1, 2], &[1, 2])),
            Ok(array![[1.0f32, 2.0]])
        );
        assert_eq!(
            ArrayD::<u8>::from_literal(&lit(&[2], &[1, 2])).map(|a| a.shape().to_vec()),
            Ok(vec![2])
        );
        assert_eq!(
            Vec::<i32>::from_literal(&lit(&[2], &[1, 2])),
            Ok(vec![1, 2])
        );
        assert_eq!(
            Vec::<Vec<u16>>::from_literal(&lit(&[2, 1], &[1, 2])),
            Ok(vec![vec![1], vec![2]])
        );
        assert_eq!(f64::from_literal(&lit(&[], &[3])), Ok(3.0));
    }

    #[test]
    fn mismatches_say_what_and_why() {
        let error = Array2::<i64>::from_literal(&lit(&[1], &[99])).unwrap_err();
        assert_eq!(
            error.0,
            "a rank-1 literal of shape (1,) cannot become Array2<i64>"
        );
        let error = u8::from_literal(&lit(&[], &[300])).unwrap_err();
        assert_eq!(error.0, "300 does not fit in u8");
        let half = Literal::new("[0.5]", &[1], &[Scalar::Float(0.5)]);
        assert_eq!(
            Vec::<i64>::from_literal(&half).unwrap_err().0,
            "0.5 does not fit in i64"
        );
        // A finite number that would become infinite is refused, not turned into `inf`.
        let huge = Literal::new("[1e300]", &[1], &[Scalar::Float(1e300)]);
        assert_eq!(
            Vec::<f32>::from_literal(&huge).unwrap_err().0,
            "1e300 does not fit in f32"
        );
        assert_eq!(Vec::<f64>::from_literal(&huge), Ok(vec![1e300]));
    }
}
