//! The mocks a test declares as plain data: `#[mock_model(returns = [..])]` with a numeric
//! literal (and at most a `latency`), carried by the test's registry entry. The runner does not
//! read them; ml-test-core's loader seam turns them into mocks when the test first calls a
//! loader. A test whose mocks are all such data therefore starts with no code of
//! ml-test-core's, which keeps a large suite's build close to plain `#[test]`'s
//! (BENCHMARKS.md, "Compile budget"). Mocks that need more (a loader, a handle, an expected
//! call count, a global mock, a value or a closure) are installed by ml-test-core's scope when
//! the test starts.

/// One number of a literal, as written: integers stay exact. Used by generated code.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// Written without a fraction or exponent.
    Int(i128),
    /// Written with one.
    Float(f64),
}

/// One `#[mock_model(returns = <literal>)]` of a test, as data. Built by generated code.
#[doc(hidden)]
#[derive(Debug)]
pub struct MockDecl {
    /// The attribute's place among the test's `#[mock_model]`s, from 1.
    pub position: usize,
    /// The attribute's arguments as written, for messages.
    pub attribute: &'static str,
    /// The literal as written.
    pub text: &'static str,
    /// The length of each nesting level; empty for a bare number.
    pub shape: &'static [usize],
    /// The numbers in row-major order.
    pub scalars: &'static [Scalar],
    /// `latency = ".."`: as written, and in nanoseconds.
    pub latency: Option<(&'static str, u64)>,
}

#[doc(hidden)]
impl MockDecl {
    /// The `position`-th mock, written `attribute`, returning the literal `text`.
    pub const fn returns(
        position: usize,
        attribute: &'static str,
        text: &'static str,
        shape: &'static [usize],
        scalars: &'static [Scalar],
    ) -> MockDecl {
        MockDecl {
            position,
            attribute,
            text,
            shape,
            scalars,
            latency: None,
        }
    }

    /// Every prediction takes at least `nanos` (written `written`).
    pub const fn latency(mut self, written: &'static str, nanos: u64) -> MockDecl {
        self.latency = Some((written, nanos));
        self
    }
}
