//! Locks that outlive a panic. A test that panics while it holds one of ml-test's locks (a
//! failed assertion inside a mock's call, a sweep's run) must not fail every test after it, so
//! every lock ml-test takes ignores poisoning: the data it guards stays valid at each step.

use std::sync::{Mutex, MutexGuard};

/// `mutex`, locked, whether or not a panic poisoned it.
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
