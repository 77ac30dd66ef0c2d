use ml_test::prelude::*;

#[mock_model(retruns = [99])]
fn predicts(mock: Mock) {
    mock.assert_not_called();
}

fn main() {}
