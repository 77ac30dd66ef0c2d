//! A sentiment classifier's tests, one or more per tier, and a `main` that lists them by tier.
//!
//! ```text
//! cargo run --example tiers                    # the registry of this binary, grouped by tier
//! cargo test --example tiers                   # unit + integration run; the rest are ignored
//! cargo test --example tiers -- --include-ignored __slow       # the slow tier, same build
//! ML_TEST_ENDPOINT=http://127.0.0.1:8080 cargo test --example tiers -- --include-ignored __e2e
//!                                              # the post-deployment test, against a server
//! ```

// `cargo run` builds this without the test harness: the test fns are compiled out, their
// registry entries stay (that is what `main` lists), and the helpers only they use are unused.
#![cfg_attr(not(test), allow(dead_code, unused_imports))]

use ml_test::prelude::*;

/// The code under test: a bag-of-words logistic-regression sentiment model.
mod sentiment {
    use ml_test::rand::Rng;

    pub const VOCAB: [&str; 6] = ["good", "great", "love", "bad", "awful", "hate"];

    /// Lowercases, strips punctuation, splits on whitespace.
    pub fn tokenize(text: &str) -> Vec<String> {
        text.split_whitespace()
            .map(|word| {
                word.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .filter(|word| !word.is_empty())
            .collect()
    }

    /// Word counts over the fixed vocabulary.
    pub fn featurize(text: &str) -> [f64; 6] {
        let mut counts = [0.0; 6];
        for token in tokenize(text) {
            if let Some(i) = VOCAB.iter().position(|v| *v == token) {
                counts[i] += 1.0;
            }
        }
        counts
    }

    pub struct Classifier {
        pub weights: [f64; 6],
        pub bias: f64,
    }

    impl Classifier {
        pub fn predict(&self, features: &[f64; 6]) -> f64 {
            let z: f64 = self
                .weights
                .iter()
                .zip(features)
                .map(|(w, x)| w * x)
                .sum::<f64>()
                + self.bias;
            1.0 / (1.0 + (-z).exp())
        }

        /// Plain SGD on the log loss.
        pub fn fit(data: &[([f64; 6], f64)], epochs: usize, lr: f64) -> Classifier {
            let mut model = Classifier {
                weights: [0.0; 6],
                bias: 0.0,
            };
            for _ in 0..epochs {
                for (x, y) in data {
                    let err = model.predict(x) - y;
                    for (w, xi) in model.weights.iter_mut().zip(x) {
                        *w -= lr * err * xi;
                    }
                    model.bias -= lr * err;
                }
            }
            model
        }
    }

    /// Reviews of 1-3 words drawn from the vocabulary, labelled by which half they lean to.
    pub fn synthetic_reviews(rng: &mut impl Rng, n: usize) -> Vec<(String, f64)> {
        (0..n)
            .map(|_| {
                let positive = rng.random_bool(0.5);
                let words: Vec<&str> = (0..rng.random_range(1..=3))
                    .map(|_| {
                        let offset = if positive { 0 } else { 3 };
                        VOCAB[offset + rng.random_range(0..3)]
                    })
                    .collect();
                (words.join(" "), if positive { 1.0 } else { 0.0 })
            })
            .collect()
    }
}

use sentiment::*;

#[ml_test]
fn tokenizer_lowercases_and_strips_punctuation() {
    assert_eq!(
        tokenize("Great movie, LOVE it!"),
        ["great", "movie", "love", "it"]
    );
}

#[ml_test]
fn featurize_counts_vocabulary_words_only() {
    assert_eq!(
        featurize("good good awful popcorn"),
        [2.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    );
}

#[ml_test(integration)]
fn text_to_prediction_pipeline_with_fixed_weights() {
    let model = Classifier {
        weights: [1.0, 1.0, 1.0, -1.0, -1.0, -1.0],
        bias: 0.0,
    };
    assert!(model.predict(&featurize("I love it, great")) > 0.8);
    assert!(model.predict(&featurize("awful, I hate it")) < 0.2);
    assert_eq!(model.predict(&featurize("no opinion")), 0.5);
}

/// Trains on 300 synthetic reviews drawn from the test's seed; returns the model and 100
/// held-out reviews.
fn train_on_a_draw() -> (Classifier, Vec<([f64; 6], f64)>) {
    let mut rng = ml_test::rng();
    let mut data: Vec<([f64; 6], f64)> = synthetic_reviews(&mut rng, 400)
        .iter()
        .map(|(text, label)| (featurize(text), *label))
        .collect();
    let held_out = data.split_off(300);
    (Classifier::fit(&data, 20, 0.1), held_out)
}

#[ml_test(slow, seed = 11, timeout = "2m")]
fn training_on_synthetic_reviews_reaches_high_accuracy() {
    let (model, held_out) = train_on_a_draw();
    let correct = held_out
        .iter()
        .filter(|(x, y)| (model.predict(x) > 0.5) == (*y == 1.0))
        .count();
    assert!(correct >= 97, "held-out accuracy {correct}/100");
}

/// The accuracy above was measured on one draw of the data; a threshold tuned on one draw can
/// hold on few others. This runs the same training on 5 draws (`seeds = 5`), each its own seed.
#[ml_test(slow, seeds = 5, timeout = "2m")]
fn held_out_accuracy_holds_across_data_draws() {
    let (model, held_out) = train_on_a_draw();
    let truth: Vec<u8> = held_out.iter().map(|(_, y)| *y as u8).collect();
    let predicted: Vec<u8> = held_out
        .iter()
        .map(|(x, _)| u8::from(model.predict(x) > 0.5))
        .collect();
    gates("sentiment on 100 held-out reviews")
        .at_least("accuracy", metrics::accuracy(&truth, &predicted), 0.95)
        .check();
}

/// Scoring one review must stay fast. A timing test runs alone in its binary (`exclusive`), so
/// other tests cannot slow it down.
#[ml_test(slow, exclusive)]
fn scoring_a_review_stays_within_its_latency_budget() {
    let model = Classifier {
        weights: [1.0, 1.0, 1.0, -1.0, -1.0, -1.0],
        bias: 0.0,
    };
    let report = ml_test::latency(200, || model.predict(&featurize("a great film, I love it")));
    report.assert_below(99.0, "1ms");
}

/// A post-deployment smoke test of the model server at `ML_TEST_ENDPOINT` (its base URL, e.g. the
/// server of `cargo run --example model_server`): live, ready, and a known flower gets its label.
/// It never passes without the deployment: without an endpoint it fails naming the variable, and
/// against one where nothing answers it fails naming the URL.
#[ml_test(e2e, timeout = "30s")]
fn deployed_model_server_answers() {
    let server = ml_test::e2e::client();
    assert!(
        server.live() && server.ready(),
        "{} is not ready",
        server.base_url()
    );
    let setosa = ml_test::ndarray::array![[5.1f32, 3.5, 1.4, 0.2]];
    assert_eq!(
        server.infer("iris", &setosa).into_raw_vec_and_offset().0,
        [0.0]
    );
}

/// The tests of this binary grouped by tier, cheapest first, with what this build does with each.
fn listing() -> String {
    let mut out = String::new();
    for (tier, tests) in ml_test::registry_by_tier() {
        let plural = if tests.len() == 1 { "" } else { "s" };
        out += &format!("{tier} ({} test{plural})\n", tests.len());
        for test in tests {
            let mut options = Vec::new();
            if let Some(seed) = test.seed() {
                options.push(format!("seed = {seed}"));
            }
            if let Some((timeout, _)) = test.timeout() {
                options.push(format!("timeout = {timeout:?}"));
            }
            if let Some(seeds) = test.seeds() {
                options.push(format!("seeds = {seeds}"));
            }
            if test.exclusive() {
                options.push("exclusive".to_owned());
            }
            let options = if options.is_empty() {
                String::new()
            } else {
                format!(" ({})", options.join(", "))
            };
            let status = match test.ignored() {
                None => "runs".to_owned(),
                Some(reason) => format!("ignored: {reason}"),
            };
            out += &format!(
                "  {}{options}  [{}:{}]\n    {status}\n",
                test.name(),
                test.file(),
                test.line()
            );
        }
    }
    out
}

fn main() {
    print!("{}", listing());
}

#[ml_test]
fn listing_groups_this_binarys_tests_by_tier() {
    let listing = listing();
    let headings: Vec<&str> = listing
        .lines()
        .filter(|line| !line.starts_with(' '))
        .collect();
    assert_eq!(
        headings,
        [
            "unit (3 tests)",
            "integration (1 test)",
            "slow (3 tests)",
            "e2e (1 test)"
        ]
    );
    let slow = listing.find("slow (3 tests)").unwrap();
    for entry in [
        "training_on_synthetic_reviews_reaches_high_accuracy__slow (seed = 11, timeout = \"2m\")",
        "held_out_accuracy_holds_across_data_draws__slow (timeout = \"2m\", seeds = 5)",
        "scoring_a_review_stays_within_its_latency_budget__slow (exclusive)",
    ] {
        let at = listing
            .find(entry)
            .unwrap_or_else(|| panic!("{entry}:\n{listing}"));
        assert!(at > slow, "{listing}");
    }
}
