//! What the `gpu` and `e2e` tiers need, in one place. It is checked when such a test runs, never
//! when it compiles: the variables here are not tracked by cargo, so changing them recompiles
//! nothing.

/// Overrides accelerator detection: `1` says one is there, `0` that none is.
pub const GPU_VAR: &str = "ML_TEST_GPU";

/// The base URL of the deployment a post-deployment test checks.
pub const ENDPOINT_VAR: &str = "ML_TEST_ENDPOINT";

/// How an accelerator is detected, for messages.
pub const GPU_DETECTION: &str =
    "a /dev/nvidia0 or /dev/kfd device, or `nvidia-smi -L` listing a GPU";

/// Whether an accelerator is visible: `ML_TEST_GPU` if set, else [`GPU_DETECTION`]. An invalid
/// `ML_TEST_GPU` is an error naming the variable and the valid values.
pub fn gpu_visible() -> Result<bool, String> {
    match std::env::var(GPU_VAR) {
        Ok(value) => match value.trim() {
            "1" => Ok(true),
            "0" => Ok(false),
            other => Err(format!(
                "{GPU_VAR}={other:?} is not valid: set it to 1 (an accelerator is there) or 0 (none is), \
                 or unset it to detect one ({GPU_DETECTION})"
            )),
        },
        Err(_) => Ok(detect_gpu()),
    }
}

fn detect_gpu() -> bool {
    if ["/dev/nvidia0", "/dev/kfd"]
        .iter()
        .any(|device| std::path::Path::new(device).exists())
    {
        return true;
    }
    std::process::Command::new("nvidia-smi")
        .arg("-L")
        .output()
        .is_ok_and(|output| {
            output.status.success() && String::from_utf8_lossy(&output.stdout).contains("GPU")
        })
}
