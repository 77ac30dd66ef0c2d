//! Numbers seen through one lens: any numeric ndarray, `Vec`, slice or scalar as a shape, an
//! element type and its values. Mock call assertions, `assert_close!` and output contracts work
//! on this view; `literal.rs` turns an attribute's numbers into a value of the loader's type.

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

    pub(crate) fn is_float(self) -> bool {
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

/// One number of a literal, as written (the runner's, where mocks declared as data keep it).
#[doc(hidden)]
pub use ml_test_runner::mocks::Scalar;

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

/// Formats `values` of `numbers` for a message, with shape and type: `[[1.0, 2.0]] (f32, shape (1, 2))`.
pub(crate) fn describe_numbers(numbers: &Numbers) -> String {
    let mut text = numbers.to_string();
    let _ = write!(text, " ({}, shape {})", numbers.dtype, numbers.shape_text());
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

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
