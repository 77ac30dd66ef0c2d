// The score is what the cases compare: a number, not a label's name.
use ml_test::prelude::*;

fn main() {
    behaviour("toxicity", |text: &String| if text.contains("kill") { "unsafe" } else { "safe" })
        .expect("threats are unsafe", &"kill".to_string(), |label| label == "unsafe")
        .check();
}
