//! What a mock can do with a loader's input and output types depends on the types: it records an
//! input by value only if it is `Clone`, prints it only if it is `Debug`, builds an output from a
//! literal only if it is numeric. The loader's companion impl, where the types are concrete,
//! picks each capability by autoref specialisation: a method on `Probe` applies when the type has
//! the capability, the fallback on `&Probe` when it does not.

use std::any::Any;
use std::fmt::Debug;
use std::marker::PhantomData;

use crate::literal::{FromLiteral, Literal, LiteralMismatch};
use crate::numeric::{Numbers, Numeric};

/// Records an input by value.
pub type RecordInput<I> = fn(&I) -> Box<dyn Any + Send + Sync>;
/// Builds an output from a literal.
pub type OutputFromLiteral<O> = fn(&Literal) -> Result<O, LiteralMismatch>;
/// Copies a `returns` value of the output type.
pub type CloneOutput<O> = fn(&(dyn Any + Send + Sync)) -> Option<O>;

/// A loader's input and output capabilities, as plain fn pointers.
pub struct Adapters<I, O> {
    /// A copy of the input, for `Call::input` and `eq(..)` matchers (`I: Clone`).
    pub record_input: Option<RecordInput<I>>,
    /// The input's numbers, for numeric matchers and messages (`I: Numeric`); `None` for a value
    /// without a rectangular shape (a ragged `Vec<Vec<u32>>` of token ids).
    pub input_numbers: Option<fn(&I) -> Option<Numbers>>,
    /// The input's `Debug` text, for messages (`I: Debug`).
    pub debug_input: Option<fn(&I) -> String>,
    /// The output built from a `returns` literal (`O: FromLiteral`).
    pub output_from_literal: Option<OutputFromLiteral<O>>,
    /// A copy of a `returns = <expression>` value of exactly type `O` (`O: Clone`).
    pub clone_output: Option<CloneOutput<O>>,
    /// `O` as a user writes it.
    pub output_name: fn() -> String,
    /// `I` as a user writes it.
    pub input_name: fn() -> String,
    /// `O`'s `type_name`, for telling apart types that print alike.
    pub output_type: &'static str,
}

/// The type pair whose capabilities are probed.
pub struct Probe<I, O>(PhantomData<fn() -> (I, O)>);

impl<I, O> Probe<I, O> {
    /// The probe, for the capability methods.
    pub const NEW: Probe<I, O> = Probe(PhantomData);
}

/// A `returns = <expression>` value whose capabilities are probed where its type is concrete.
pub struct ValueProbe<'a, T>(pub &'a T);

/// The capability traits; generated code imports them all, then calls `(&probe).method()`.
pub mod probe {
    use super::*;

    macro_rules! capability {
        ($has:ident, $lacks:ident, $method:ident -> $ret:ty, [$($bound:tt)*], $found:expr, $fallback:expr) => {
            #[doc(hidden)]
            pub trait $has<I, O> {
                fn $method(&self) -> $ret;
            }
            impl<I, O> $has<I, O> for Probe<I, O>
            where
                $($bound)*
            {
                fn $method(&self) -> $ret {
                    $found
                }
            }
            #[doc(hidden)]
            pub trait $lacks<I, O> {
                fn $method(&self) -> $ret;
            }
            impl<I, O> $lacks<I, O> for &Probe<I, O> {
                fn $method(&self) -> $ret {
                    $fallback
                }
            }
        };
    }

    capability!(RecordsInput, CannotRecordInput, record_input -> Option<RecordInput<I>>,
        [I: Clone + Send + Sync + 'static],
        Some(|input: &I| Box::new(input.clone()) as Box<dyn Any + Send + Sync>), None);
    capability!(NumericInput, OpaqueInput, input_numbers -> Option<fn(&I) -> Option<Numbers>>,
        [I: Numeric],
        Some(|input: &I| input.try_numbers().ok()), None);
    capability!(DebugInput, NoDebugInput, debug_input -> Option<fn(&I) -> String>,
        [I: Debug],
        Some(|input: &I| format!("{input:?}")), None);
    capability!(LiteralOutput, NoLiteralOutput, output_from_literal -> Option<OutputFromLiteral<O>>,
        [O: FromLiteral],
        Some(O::from_literal), None);
    capability!(ClonesOutput, NoCloneOutput, clone_output -> Option<CloneOutput<O>>,
        [O: Clone + 'static],
        Some(|value: &(dyn Any + Send + Sync)| value.downcast_ref::<O>().cloned()), None);
    capability!(NamedOutput, UnnamedOutput, output_name -> fn() -> String,
        [O: FromLiteral],
        O::describe, || std::any::type_name::<O>().to_owned());
    #[doc(hidden)]
    pub trait NumericValue {
        fn value_numbers(&self) -> Option<Numbers>;
    }
    impl<T: Numeric> NumericValue for ValueProbe<'_, T> {
        fn value_numbers(&self) -> Option<Numbers> {
            self.0.try_numbers().ok()
        }
    }
    #[doc(hidden)]
    pub trait OpaqueValue {
        fn value_numbers(&self) -> Option<Numbers>;
    }
    impl<T> OpaqueValue for &ValueProbe<'_, T> {
        fn value_numbers(&self) -> Option<Numbers> {
            None
        }
    }

    capability!(NamedInput, UnnamedInput, input_name -> fn() -> String,
        [I: FromLiteral],
        I::describe, || std::any::type_name::<I>().to_owned());
}

/// A `returns` expression's value, with its numbers when it is numeric. Used by generated code.
#[doc(hidden)]
#[macro_export]
macro_rules! __probe_value {
    ($value:expr) => {{
        let value = $value;
        #[allow(unused_imports)]
        use $crate::__private::probe::{NumericValue as _, OpaqueValue as _};
        let numbers = (&$crate::__private::ValueProbe(&value)).value_numbers();
        $crate::__private::Probed { value, numbers }
    }};
}

/// Builds a loader's [`Adapters`] where its types are concrete. Used by generated code.
#[doc(hidden)]
#[macro_export]
macro_rules! __loader_adapters {
    ($loader:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::probe::*;
        let probe = &$crate::__private::Probe::<
            $crate::__private::InputOf<$loader>,
            $crate::__private::OutputOf<$loader>,
        >::NEW;
        $crate::__private::Adapters {
            record_input: probe.record_input(),
            input_numbers: probe.input_numbers(),
            debug_input: probe.debug_input(),
            output_from_literal: probe.output_from_literal(),
            clone_output: probe.clone_output(),
            output_name: probe.output_name(),
            input_name: probe.input_name(),
            output_type: ::core::any::type_name::<$crate::__private::OutputOf<$loader>>(),
        }
    }};
}
