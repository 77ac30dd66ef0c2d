//! The tier names users write in attributes and in `ML_TEST_TIERS`: the runtime prints and
//! selects by them, in the order of `Tier`'s variants. ml-test-macros parses attributes with the
//! same list, and a test of that crate holds the two to one list. (The names of the convergence
//! checks are their enums' own, in ml-test-core.)

/// Tier names, cheapest first: the order of `Tier`'s variants.
pub const TIERS: [&str; 5] = ["unit", "integration", "slow", "gpu", "e2e"];
