use ml_test::prelude::*;

#[mock_model(returns = [99], fails = "down")]
fn predicts(mock: Mock) {
    mock.assert_not_called();
}

fn main() {}
