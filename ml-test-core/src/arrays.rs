//! ndarray arrays as ml-test reads them (numbers, literals, class labels, batches, the rows of a
//! split), written once for every ndarray version it supports:
//! 0.17 (its own) always, 0.16 and 0.15 with the `ndarray-0_16` / `ndarray-0_15` features, so
//! a linfa 0.8 user's arrays (0.16) work as they are.
//!
//! Two versions of a crate are two crates to rustc: `ndarray::Array1<usize>` of 0.16 and of
//! 0.17 are unrelated types with the same name. Each version therefore gets its own impls, from
//! the one macro below.

macro_rules! ndarray_version {
    ($nd:ident, $version:literal) => {
        impl<S, D> $crate::numeric::Numeric for $nd::ArrayBase<S, D>
        where
            S: $nd::Data,
            S::Elem: $crate::numeric::Element,
            D: $nd::Dimension,
        {
            fn numbers(&self) -> $crate::numeric::Numbers {
                use $crate::numeric::Element as _;
                $crate::numeric::Numbers {
                    shape: self.shape().to_vec(),
                    dtype: <S::Elem as $crate::numeric::Element>::DTYPE,
                    values: self.iter().map(|x| x.to_f64()).collect(),
                }
            }

            fn dtype_hint() -> Option<$crate::numeric::Dtype> {
                Some(<S::Elem as $crate::numeric::Element>::DTYPE)
            }
        }

        impl<T, D> $crate::literal::FromLiteral for $nd::ArrayBase<$nd::OwnedRepr<T>, D>
        where
            T: $crate::numeric::Element,
            D: $nd::Dimension,
        {
            fn from_literal(
                literal: &$crate::literal::Literal,
            ) -> Result<Self, $crate::literal::LiteralMismatch> {
                use $crate::literal::{LiteralMismatch, rank_mismatch};
                if let Some(rank) = D::NDIM
                    && rank != literal.shape.len()
                {
                    return Err(rank_mismatch(literal, &Self::describe()));
                }
                let values = literal.elements::<T>()?;
                let array = $nd::Array::from_shape_vec($nd::IxDyn(&literal.shape), values)
                    .map_err(|error| LiteralMismatch(error.to_string()))?;
                array
                    .into_dimensionality::<D>()
                    .map_err(|error| LiteralMismatch(error.to_string()))
            }

            fn describe() -> String {
                let dtype = <T as $crate::numeric::Element>::DTYPE;
                let name = match D::NDIM {
                    Some(rank) => format!("Array{rank}<{dtype}>"),
                    None => format!("ArrayD<{dtype}>"),
                };
                match $version {
                    "0.17" => name,
                    version => format!("{name} (ndarray {version})"),
                }
            }
        }

        impl<S> $crate::metrics::Labels for &$nd::ArrayBase<S, $nd::Ix1>
        where
            S: $nd::Data,
            S::Elem: $crate::metrics::Label,
        {
            fn labels(&self) -> Vec<i128> {
                self.iter()
                    .map(|x| $crate::metrics::Label::index(*x))
                    .collect()
            }
        }

        impl<T: $crate::metrics::Label> $crate::metrics::Labels for $nd::ArrayView1<'_, T> {
            fn labels(&self) -> Vec<i128> {
                self.iter()
                    .map(|x| $crate::metrics::Label::index(*x))
                    .collect()
            }
        }

        impl<S> $crate::metrics::Values for &$nd::ArrayBase<S, $nd::Ix1>
        where
            S: $nd::Data,
            S::Elem: $crate::numeric::Element,
        {
            fn values(&self) -> Vec<f64> {
                self.iter()
                    .map(|x| $crate::numeric::Element::to_f64(*x))
                    .collect()
            }
        }

        impl<T: $crate::numeric::Element> $crate::metrics::Values for $nd::ArrayView1<'_, T> {
            fn values(&self) -> Vec<f64> {
                self.iter()
                    .map(|x| $crate::numeric::Element::to_f64(*x))
                    .collect()
            }
        }

        impl<'a, A, D: $nd::Dimension> $crate::data::Records for $nd::iter::Lanes<'a, A, D> {
            type Record = $nd::ArrayView1<'a, A>;
            fn for_each_record(self, mut f: impl FnMut(&Self::Record)) {
                self.into_iter().for_each(|row| f(&row));
            }
        }

        impl<'a, A, D: $nd::Dimension> $crate::data::Records for $nd::iter::AxisIter<'a, A, D> {
            type Record = $nd::ArrayView<'a, A, D>;
            fn for_each_record(self, mut f: impl FnMut(&Self::Record)) {
                self.for_each(|row| f(&row));
            }
        }

        impl<A, D> $crate::behaviour::Batch for $nd::Array<A, D>
        where
            A: Clone + PartialEq,
            D: $nd::Dimension,
        {
            fn row_count(&self) -> usize {
                if self.ndim() == 0 {
                    0
                } else {
                    self.len_of($nd::Axis(0))
                }
            }

            fn single_row(&self, i: usize) -> Self {
                self.slice_axis($nd::Axis(0), $nd::Slice::from(i..i + 1))
                    .to_owned()
            }

            fn rows_equal(&self, i: usize, j: usize) -> bool {
                let row = |i: usize| self.slice_axis($nd::Axis(0), $nd::Slice::from(i..i + 1));
                row(i) == row(j)
            }
        }
    };
}

ndarray_version!(ndarray, "0.17");
#[cfg(feature = "ndarray-0_16")]
ndarray_version!(ndarray_0_16, "0.16");
#[cfg(feature = "ndarray-0_15")]
ndarray_version!(ndarray_0_15, "0.15");

#[cfg(test)]
mod tests {
    use crate::behaviour::Batch;
    use crate::literal::{FromLiteral, Literal};
    use crate::metrics::{Labels, Values};
    use crate::numeric::{Numeric, Scalar};

    fn literal(shape: &[usize], ints: &[i128]) -> Literal {
        let scalars: Vec<Scalar> = ints.iter().map(|&i| Scalar::Int(i)).collect();
        Literal::new("lit", shape, &scalars)
    }

    /// The same checks for each version's arrays.
    macro_rules! reads_arrays_of {
        ($test:ident, $nd:ident, $suffix:literal) => {
            #[test]
            fn $test() {
                use $nd::{Array1, Array2, array};
                let x: Array2<f32> = array![[1.0, 2.5], [3.0, 4.0]];
                assert_eq!(x.numbers().shape, vec![2, 2]);
                assert_eq!(x.numbers().values, vec![1.0, 2.5, 3.0, 4.0]);
                assert_eq!(x.view().numbers(), x.numbers());
                let labels: Array1<usize> = array![1, 0, 1];
                assert_eq!((&labels).labels(), [1, 0, 1]);
                assert_eq!(labels.view().labels(), [1, 0, 1]);
                assert_eq!((&x.column(1).to_owned()).values(), [2.5, 4.0]);
                assert_eq!(
                    Array1::<i64>::from_literal(&literal(&[2], &[99, 1])),
                    Ok(array![99, 1])
                );
                assert_eq!(
                    Array2::<i64>::from_literal(&literal(&[2], &[99, 1]))
                        .unwrap_err()
                        .0,
                    format!(
                        "a rank-1 literal of shape (2,) cannot become Array2<i64>{}",
                        $suffix
                    )
                );
                assert_eq!((x.row_count(), x.single_row(1)), (2, array![[3.0, 4.0]]));
                assert!(!x.rows_equal(0, 1));
            }
        };
    }

    reads_arrays_of!(reads_ndarray_0_17, ndarray, "");
    #[cfg(feature = "ndarray-0_16")]
    reads_arrays_of!(reads_ndarray_0_16, ndarray_0_16, " (ndarray 0.16)");
    #[cfg(feature = "ndarray-0_15")]
    reads_arrays_of!(reads_ndarray_0_15, ndarray_0_15, " (ndarray 0.15)");
}
