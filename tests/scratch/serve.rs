//! A production binary: built without `ml-test/testing`, its loader is its plain body.

fn main() {
    let labels = scratch_crate_predict();
    println!("{labels:?}");
}

fn scratch_crate_predict() -> Vec<i64> {
    let features = ml_test::ndarray::array![[1.0f32, 2.0], [-3.0, 1.0]];
    tier_selection_crate::predict(features)
        .expect("the real model")
        .to_vec()
}
