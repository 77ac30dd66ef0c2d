// A perturbation case without `.features(..)` on an input that cannot be compared: ml-test could
// not tell a perturbation that changed nothing, so it asks for `.features` or `PartialEq`.
use ml_test::prelude::*;

#[derive(Clone)]
struct Applicant {
    income: f64,
}

fn main() {
    let alice = Applicant { income: 52_000.0 };
    behaviour("approval", |a: &Applicant| a.income / 1e5)
        .increases("a higher income", &alice, |a| a.income *= 2.0)
        .check();
}
