// Tests of the tiers whose prerequisites a machine may lack: a deployment, an accelerator.
use ml_test::prelude::*;

#[ml_test(e2e)]
fn reaches_the_endpoint() {
    assert!(ml_test::e2e::endpoint().starts_with("http://"));
    assert!(ml_test::e2e::client().live(), "the deployment is live");
    // The e2e API by its documented names, from a crate outside the repo.
    let client: ml_test::e2e::Client = ml_test::e2e::client();
    assert_eq!(client.base_url(), ml_test::e2e::Client::new(&ml_test::e2e::endpoint()).base_url());
    let _metadata: fn(&ml_test::e2e::Client, &str) -> Result<ml_test::e2e::ModelMetadata, ml_test::e2e::Error> =
        ml_test::e2e::Client::metadata;
    let _fields = |m: ml_test::e2e::ModelMetadata, e: ml_test::e2e::Error| {
        let spec: &ml_test::e2e::TensorSpec = &m.inputs[0];
        (m.name, m.outputs, spec.name.clone(), spec.datatype.clone(), spec.shape.clone(), e.status, e.message)
    };
    let _infer = |c: &ml_test::e2e::Client, x: &ml_test::ndarray::Array2<f32>| -> ml_test::ndarray::ArrayD<f64> {
        let _ = (c.live(), c.ready(), c.model_ready("m"), c.infer_request("m"));
        c.infer("m", x)
    };
}

/// Checks nothing a deployment could break: it must not pass.
#[ml_test(e2e)]
fn reaches_nothing() {}

#[ml_test(gpu)]
fn needs_a_gpu() {}
