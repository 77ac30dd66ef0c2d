// A call assertion with a value that is neither numbers nor a string: the error says what to
// write instead (`eq(..)`), not only that an internal trait is missing.
use ml_test::prelude::*;

#[derive(Clone, Debug, PartialEq)]
struct Request {
    user: u32,
}

fn assert_request(mock: &Mock) {
    mock.assert_called_once_with(Request { user: 7 });
}

fn main() {
    let _ = assert_request;
}
