//! Arrays of ndarray 0.16 (linfa 0.8's) and 0.15, with ml-test's `ndarray-0_16` and
//! `ndarray-0_15` features, wherever ml-test takes its own 0.17 arrays: metrics, mock literals
//! and call assertions, `assert_close!`, `param`, `Fitter` predictions, behaviour checks and
//! output contracts. The same tests run once per version (`v0_16::..`, `v0_15::..`).

fn panic_message(result: std::thread::Result<()>) -> String {
    let payload = result.expect_err("the check fails");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(ToString::to_string))
        .unwrap_or_default()
}

mod v0_16 {
    use ndarray_0_16 as nd;
    include!("ndarray_versions/each_version.rs");
}

mod v0_15 {
    use ndarray_0_15 as nd;
    include!("ndarray_versions/each_version.rs");
}
