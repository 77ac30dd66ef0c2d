//! Numbers seen through one lens: any numeric ndarray, `Vec`, slice or scalar as a shape, an
//! element type and its values. Mock call assertions, `assert_close!` and the conversion of
//! `#[mock_model(returns = [..])]` literals all work on this view.

use std::fmt::{self, Write as _};

use ndarray::IxDyn;

/// The element type of a numeric value, kept so comparisons and messages honour it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Dtype {
    I8,
    I16,
    I32,
    I64,
    Isize,
    U8,
    U16,
    U32,
    U64,
    Usize,
    /// IEEE half precision (a candle or burn tensor's `f16`).
    F16,
    /// bfloat16 (a candle or burn tensor's `bf16`).
    BF16,
    F32,
    F64,
}

impl Dtype {
    /// The Rust name of the type (`f32`, `i64`).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::I8 => "i8",
            Dtype::I16 => "i16",
            Dtype::I32 => "i32",
            Dtype::I64 => "i64",
            Dtype::Isize => "isize",
            Dtype::U8 => "u8",
            Dtype::U16 => "u16",
            Dtype::U32 => "u32",
            Dtype::U64 => "u64",
            Dtype::Usize => "usize",
            Dtype::F16 => "f16",
            Dtype::BF16 => "bf16",
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
        }
    }

    fn is_float(self) -> bool {
        matches!(self, Dtype::F16 | Dtype::BF16 | Dtype::F32 | Dtype::F64)
    }

    /// `value` as this type would hold it: an expected `0.1` (f64) compared with an f32 input is
    /// the f32 nearest 0.1, as if the test had written `0.1f32`.
    pub fn round(self, value: f64) -> f64 {
        match self {
            Dtype::F16 => half::f16::from_f64(value).to_f64(),
            // Through f32 first, as candle and burn make bf16 values from f32 ones.
            Dtype::BF16 => half::bf16::from_f32(value as f32).to_f64(),
            Dtype::F32 => f64::from(value as f32),
            Dtype::F64 => value,
            _ => value.round(),
        }
    }

    fn format(self, value: f64) -> String {
        match self {
            Dtype::F16 | Dtype::BF16 | Dtype::F32 => format!("{:?}", value as f32),
            Dtype::F64 => format!("{value:?}"),
            _ if value.is_finite() => format!("{value:.0}"),
            _ => format!("{value:?}"),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A primitive number ml-test can view, compare and build from a literal.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number ml-test can compare",
    label = "expected a primitive number here",
    note = "use f32, f64 or a primitive integer type (i8..i64, u8..u64, isize, usize); for a class label, map it to its index"
)]
pub trait Element: Copy + 'static {
    /// Its [`Dtype`].
    const DTYPE: Dtype;
    /// As `f64` (exact for every type but 64-bit integers beyond 2^53).
    fn to_f64(self) -> f64;
    /// From a literal's number, if it fits this type exactly (an integer type takes only whole
    /// numbers in its range).
    fn from_scalar(scalar: Scalar) -> Option<Self>;
}

macro_rules! integer_elements {
    ($($ty:ident => $dtype:ident),* $(,)?) => {$(
        impl Element for $ty {
            const DTYPE: Dtype = Dtype::$dtype;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_scalar(scalar: Scalar) -> Option<Self> {
                match scalar {
                    Scalar::Int(int) => $ty::try_from(int).ok(),
                    Scalar::Float(float) if float.fract() == 0.0 => {
                        let int = float as i128;
                        (int as f64 == float).then(|| $ty::try_from(int).ok()).flatten()
                    }
                    Scalar::Float(_) => None,
                }
            }
        }
    )*};
}

integer_elements!(
    i8 => I8, i16 => I16, i32 => I32, i64 => I64, isize => Isize,
    u8 => U8, u16 => U16, u32 => U32, u64 => U64, usize => Usize,
);

macro_rules! float_elements {
    ($($ty:ident => $dtype:ident),*) => {$(
        impl Element for $ty {
            const DTYPE: Dtype = Dtype::$dtype;
            fn to_f64(self) -> f64 {
                self as f64
            }
            /// `None` when a finite number would become infinite (`1e300` into `f32`).
            fn from_scalar(scalar: Scalar) -> Option<Self> {
                let (value, finite) = match scalar {
                    Scalar::Int(int) => (int as $ty, true),
                    Scalar::Float(float) => (float as $ty, float.is_finite()),
                };
                (value.is_finite() || !finite).then_some(value)
            }
        }
    )*};
}

float_elements!(f32 => F32, f64 => F64);

/// One number of a literal, as written: integers stay exact. Used by generated code.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// Written without a fraction or exponent.
    Int(i128),
    /// Written with one.
    Float(f64),
}

/// A numeric value's shape, element type and values (row-major), for comparing and printing.
#[derive(Clone, Debug, PartialEq)]
pub struct Numbers {
    /// The length of each axis; empty for a scalar.
    pub shape: Vec<usize>,
    /// The element type.
    pub dtype: Dtype,
    /// The values in row-major order.
    pub values: Vec<f64>,
}

impl Numbers {
    /// The values as an f64 array of their shape (a parameter for `Trainer::parameters`).
    pub(crate) fn into_array(self) -> ndarray::ArrayD<f64> {
        ndarray::ArrayD::from_shape_vec(IxDyn(&self.shape), self.values)
            .expect("a value's numbers fill its shape")
    }

    /// The shape as numpy prints it: `(2, 3)`, `(4,)`, `()`.
    pub fn shape_text(&self) -> String {
        shape_text(&self.shape)
    }

    /// The row-major index of flat position `flat`.
    pub fn index_of(&self, mut flat: usize) -> Vec<usize> {
        let mut index = vec![0; self.shape.len()];
        for (axis, len) in self.shape.iter().enumerate().rev() {
            if *len > 0 {
                index[axis] = flat % len;
                flat /= len;
            }
        }
        index
    }
}

pub(crate) fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => {
            let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
            format!("({})", dims.join(", "))
        }
    }
}

/// Nested brackets like the array literal that would build the value; long axes are cut to
/// their first and last three entries.
impl fmt::Display for Numbers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_axis(&mut out, self, 0, 0);
        f.write_str(&out)
    }
}

const EDGE_ITEMS: usize = 3;

fn write_axis(out: &mut String, numbers: &Numbers, axis: usize, offset: usize) {
    if axis == numbers.shape.len() {
        let value = numbers.values.get(offset).copied().unwrap_or(f64::NAN);
        out.push_str(&numbers.dtype.format(value));
        return;
    }
    let len = numbers.shape[axis];
    let stride: usize = numbers.shape[axis + 1..].iter().product();
    out.push('[');
    let cut = len > 2 * EDGE_ITEMS + 1;
    for i in 0..len {
        if cut && i == EDGE_ITEMS {
            out.push_str("..., ");
            continue;
        }
        if cut && i > EDGE_ITEMS && i < len - EDGE_ITEMS {
            continue;
        }
        write_axis(out, numbers, axis + 1, offset + i * stride);
        if i + 1 < len {
            out.push_str(", ");
        }
    }
    out.push(']');
}

/// Values that can be seen as [`Numbers`]: ndarrays of any numeric element type and rank (0.17,
/// and 0.16 / 0.15 with the `ndarray-0_16` / `ndarray-0_15` features),
/// `Vec`s, slices and fixed-size arrays (nested for rank > 1: `Vec<Vec<f32>>`), scalars, and
/// with the `candle` / `burn` features those frameworks' tensors.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric value ml-test can compare",
    label = "expected numbers here",
    note = "numeric values are ndarrays, `Vec`s, slices and arrays of numbers (nested for rank > 1), primitive numbers, and candle / burn tensors with the `candle` / `burn` features of ml-test",
    note = "to match another input type in a call assertion, write `eq(value)` (any `PartialEq + Debug` type) or inspect `mock.calls()`",
    note = "an ndarray 0.16 or 0.15 array (linfa 0.8 is on 0.16) needs ml-test's `ndarray-0_16` or `ndarray-0_15` feature"
)]
pub trait Numeric {
    /// The value's shape, element type and values.
    ///
    /// # Panics
    /// When the value has no rectangular shape (a ragged nested `Vec`); [`try_numbers`](Self::try_numbers)
    /// (Self::try_numbers) says so without panicking.
    fn numbers(&self) -> Numbers;

    /// The value's numbers, or why it has none (rows of a nested `Vec` of different lengths).
    ///
    /// # Errors
    /// When the value is not rectangular.
    fn try_numbers(&self) -> Result<Numbers, String> {
        Ok(self.numbers())
    }

    /// The element type every value of this type has, if the type alone says (for an empty
    /// `Vec`).
    #[doc(hidden)]
    fn dtype_hint() -> Option<Dtype>
    where
        Self: Sized,
    {
        None
    }

    /// `items` stacked along a new first axis. Each row must have the same shape.
    #[doc(hidden)]
    fn stack(items: &[Self]) -> Result<Numbers, String>
    where
        Self: Sized,
    {
        let Some(first) = items.first() else {
            return Ok(Numbers {
                shape: vec![0],
                dtype: Self::dtype_hint().unwrap_or(Dtype::F64),
                values: Vec::new(),
            });
        };
        let first = first.try_numbers()?;
        let mut shape = Vec::with_capacity(first.shape.len() + 1);
        shape.push(items.len());
        shape.extend_from_slice(&first.shape);
        let mut values = Vec::with_capacity(items.len() * first.values.len());
        values.extend_from_slice(&first.values);
        for (row, item) in items.iter().enumerate().skip(1) {
            let numbers = item.try_numbers()?;
            if numbers.shape != first.shape {
                return Err(format!(
                    "a nested sequence whose rows differ in shape has no array shape: row {row} \
                     has shape {}, row 0 has shape {}",
                    numbers.shape_text(),
                    first.shape_text()
                ));
            }
            values.extend_from_slice(&numbers.values);
        }
        Ok(Numbers {
            shape,
            dtype: first.dtype,
            values,
        })
    }
}

macro_rules! scalar_numeric {
    ($($ty:ty),*) => {$(
        impl Numeric for $ty {
            fn numbers(&self) -> Numbers {
                Numbers {
                    shape: Vec::new(),
                    dtype: <$ty as Element>::DTYPE,
                    values: vec![self.to_f64()],
                }
            }

            fn dtype_hint() -> Option<Dtype> {
                Some(<$ty as Element>::DTYPE)
            }

            /// A flat sequence of numbers: one pass, no per-element allocation.
            fn stack(items: &[$ty]) -> Result<Numbers, String> {
                Ok(Numbers {
                    shape: vec![items.len()],
                    dtype: <$ty as Element>::DTYPE,
                    values: items.iter().map(|x| x.to_f64()).collect(),
                })
            }
        }
    )*};
}

scalar_numeric!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64);

fn panic_not_rectangular(why: String) -> ! {
    panic!("{why}; compare such values with `eq(..)`, or pad the rows to one length")
}

impl<T: Numeric> Numeric for [T] {
    fn numbers(&self) -> Numbers {
        self.try_numbers()
            .unwrap_or_else(|why| panic_not_rectangular(why))
    }

    fn try_numbers(&self) -> Result<Numbers, String> {
        T::stack(self)
    }
}

impl<T: Numeric> Numeric for Vec<T> {
    fn numbers(&self) -> Numbers {
        self.as_slice().numbers()
    }

    fn try_numbers(&self) -> Result<Numbers, String> {
        T::stack(self)
    }

    fn dtype_hint() -> Option<Dtype> {
        T::dtype_hint()
    }
}

impl<T: Numeric, const N: usize> Numeric for [T; N] {
    fn numbers(&self) -> Numbers {
        self.as_slice().numbers()
    }

    fn try_numbers(&self) -> Result<Numbers, String> {
        T::stack(self)
    }

    fn dtype_hint() -> Option<Dtype> {
        T::dtype_hint()
    }
}

// ndarray arrays, of each supported version: `crate::arrays`.

impl<T: Numeric + ?Sized> Numeric for &T {
    fn numbers(&self) -> Numbers {
        (**self).numbers()
    }

    fn try_numbers(&self) -> Result<Numbers, String> {
        (**self).try_numbers()
    }
}

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

/// Formats `values` of `numbers` for a message, with shape and type: `[[1.0, 2.0]] (f32, shape (1, 2))`.
pub(crate) fn describe_numbers(numbers: &Numbers) -> String {
    let mut text = numbers.to_string();
    let _ = write!(text, " ({}, shape {})", numbers.dtype, numbers.shape_text());
    text
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

    #[test]
    fn numbers_print_as_literals_and_cut_long_axes() {
        let numbers = array![[1.0f32, 2.5]].numbers();
        assert_eq!(
            describe_numbers(&numbers),
            "[[1.0, 2.5]] (f32, shape (1, 2))"
        );
        let long: Vec<i64> = (0..10).collect();
        assert_eq!(long.numbers().to_string(), "[0, 1, 2, ..., 7, 8, 9]");
        assert_eq!(7u8.numbers().shape_text(), "()");
    }

    #[test]
    fn nested_sequences_are_arrays_and_ragged_ones_say_so() {
        let nested = vec![vec![1.0f32, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
        let numbers = nested.numbers();
        assert_eq!(numbers.shape, vec![3, 2]);
        assert_eq!(numbers.dtype, Dtype::F32);
        assert_eq!(numbers.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!([[1u8], [2]].numbers().shape, vec![2, 1]);
        assert_eq!(vec![array![1i64, 2]].numbers().shape, vec![1, 2]);
        let empty: Vec<Vec<u16>> = Vec::new();
        assert_eq!(
            (empty.numbers().shape, empty.numbers().dtype),
            (vec![0], Dtype::U16)
        );
        let ragged = vec![vec![1u32, 2, 3], vec![4]];
        assert_eq!(
            ragged.try_numbers().unwrap_err(),
            "a nested sequence whose rows differ in shape has no array shape: row 1 has shape \
             (1,), row 0 has shape (3,)"
        );
    }

    #[test]
    fn half_precision_rounds_as_the_formats_store() {
        // f16: 11 significant bits; 0.1 is stored as 0.0999755859375.
        assert_eq!(Dtype::F16.round(0.1), 0.0999755859375);
        assert_eq!(Dtype::F16.round(2049.0), 2048.0); // ties to even
        assert_eq!(Dtype::F16.round(70000.0), f64::INFINITY);
        assert_eq!(Dtype::F16.round(1e-7), 1.1920928955078125e-7); // a subnormal
        // bf16: 8 significant bits, f32's range; 0.1 is stored as 0.10009765625.
        assert_eq!(Dtype::BF16.round(0.1), 0.10009765625);
        assert_eq!(Dtype::BF16.round(1e30), 202.0 * 2f64.powi(92));
        assert_eq!(Dtype::F16.name(), "f16");
    }

    #[test]
    fn flat_positions_map_to_row_major_indices() {
        let numbers = Array2::<f64>::zeros((2, 3)).numbers();
        assert_eq!(numbers.index_of(4), vec![1, 1]);
    }
}
