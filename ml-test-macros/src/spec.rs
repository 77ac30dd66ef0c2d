//! The one test pipeline. Whichever ml-test attribute expands first (the topmost) gathers every
//! other ml-test attribute on the fn into one [`Spec`], validates it in one pass (all errors
//! reported together), and renders one test, or one check group. The attributes below it are
//! consumed, so none expands again.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{FnArg, ReturnType, Type};

use crate::args::mock::{self, MockArgs, RandomArgs};
use crate::args::overfit::{self, OverfitArgs};
use crate::args::test::{self, TestArgs};
use crate::diag::Errors;
use crate::item::{self, FnItem};
use crate::render;
use crate::tiers::{self, TIERS_VAR, TierSelection};

/// The ml-test attributes that make a test.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attribute {
    MlTest,
    MockModel,
    RandomWeights,
    OverfitCheck,
}

impl Attribute {
    const ALL: [Attribute; 4] = [
        Attribute::MlTest,
        Attribute::MockModel,
        Attribute::RandomWeights,
        Attribute::OverfitCheck,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Attribute::MlTest => "ml_test",
            Attribute::MockModel => "mock_model",
            Attribute::RandomWeights => "random_weights",
            Attribute::OverfitCheck => "overfit_check",
        }
    }

    fn of(attr: &syn::Attribute) -> Option<Attribute> {
        Attribute::ALL
            .into_iter()
            .find(|which| item::is_attribute(attr, which.name()))
    }
}

/// Attributes of other crates that generate one test per case and call the fn with its
/// arguments. `#[ml_test]` above them hands its attributes down to each case, so every case is
/// an ml-test test of its own, named with its tier's suffix (see `render::render_cases`).
const CASE_GENERATORS: [(&str, Generator); 3] = [
    ("rstest", Generator::Rstest),
    ("test_case", Generator::TestCase),
    ("test_matrix", Generator::TestCase),
];

/// How a case generator writes each case's test fn.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Generator {
    /// rstest: the fn's other attributes first, then its own `#[test]` (none when one of them
    /// is a test attribute).
    Rstest,
    /// test-case: `#[test]` first, then the fn's other attributes, except on an `async fn`,
    /// whose runtime attribute is among the others.
    TestCase,
}

/// The hidden attribute that marks a case test-case generated from a sync fn: ml-test handed
/// the fn over as an `async fn` (so test-case puts no `#[test]` above ml-test's attributes), and
/// the case is run to completion as the sync fn it was.
pub(crate) const SYNC_CASE: &str = "__ml_test_sync_case";

/// A case generator on the fn: which, and where its attributes are among the fn's others.
#[derive(Clone, Copy)]
pub(crate) struct Cases {
    pub(crate) generator: Generator,
    /// The generator's own attribute, the one that expands.
    pub(crate) first: usize,
    /// The last attribute that belongs to the generator: its own, or a case (`#[case(..)]`,
    /// `#[test_case(..)]`).
    pub(crate) last: usize,
}

/// Whether `attr` is a case of a generator: rstest's `#[case(..)]` / `#[case::name(..)]`, or
/// test-case's `#[test_case(..)]`, `#[test_case::case(..)]`, `#[test_matrix(..)]`. rstest gives
/// the attributes written above a `#[case]` to that case alone, so what ml-test hands down to
/// every case goes below the last one.
fn is_case(attr: &syn::Attribute) -> bool {
    let segments = &attr.path().segments;
    segments.first().is_some_and(|first| first.ident == "case")
        || segments.last().is_some_and(|last| {
            last.ident == "case" || last.ident == "test_case" || last.ident == "test_matrix"
        })
}

/// Everything the ml-test attributes on one fn asked for.
pub(crate) struct Spec {
    /// The fn, without its ml-test attributes.
    pub(crate) function: FnItem,
    pub(crate) test: TestArgs,
    /// Where `#[ml_test]` is, if it is written.
    test_span: Option<Span>,
    /// In attribute order.
    pub(crate) mocks: Vec<MockArgs>,
    pub(crate) random: Option<RandomArgs>,
    pub(crate) overfit: Option<OverfitArgs>,
    /// A case generator (`#[rstest]`, `#[test_case]`) below: it registers the tests and supplies
    /// the fn's parameters.
    pub(crate) cases: Option<Cases>,
    /// Every ml-test attribute on the fn, as written, in order: handed down to each case when
    /// a case generator is below.
    pub(crate) written: Vec<(Attribute, TokenStream)>,
    /// This is a case test-case generated from a sync fn (see [`SYNC_CASE`]).
    pub(crate) sync_case: bool,
}

impl Spec {
    /// A test with `test`'s options and no overrides: a check of a group.
    pub(crate) fn plain(function: FnItem, test: TestArgs) -> Spec {
        Spec {
            function,
            test,
            test_span: None,
            mocks: Vec::new(),
            random: None,
            overfit: None,
            cases: None,
            written: Vec::new(),
            sync_case: false,
        }
    }

    /// Whether the test installs mocks or random weights.
    pub(crate) fn has_overrides(&self) -> bool {
        !self.mocks.is_empty() || self.random.is_some()
    }
}

/// Entry point of every test attribute: reads `ML_TEST_TIERS`, then expands. `above` is a
/// test-registering attribute written above this one in the source (see `order.rs`).
pub(crate) fn expand(
    which: Attribute,
    args: TokenStream,
    item: TokenStream,
    above: Option<String>,
) -> TokenStream {
    let mut errors = Errors::default();
    if let Some(path) = above {
        let name = which.name();
        let fix = if path.trim_start_matches("::").ends_with("test_case")
            || path.ends_with("test_matrix")
        {
            format!("write #[{name}] above #[{path}]: it then runs every case in ml-test's context")
        } else {
            format!("remove the #[{path}] (#[{name}] adds it) or write it below #[{name}]")
        };
        errors.at(
            Span::call_site(),
            format_args!(
                "#[{path}] is written above #[{name}]: it registers the fn with libtest before \
                 ml-test expands, and ml-test registers it again, so the test would run twice; {fix}"
            ),
        );
    }
    let selection = TierSelection::from_env().or_else(|message| {
        if tiers::first_report_in_crate() {
            Err(message)
        } else {
            // Reported at another test of this crate: one mistake, one error.
            Ok(TierSelection::parse(None).expect("the default selection is valid"))
        }
    });
    expand_checked(which, args, item, selection, errors)
}

#[cfg(test)]
pub(crate) fn expand_with(
    which: Attribute,
    args: TokenStream,
    item: TokenStream,
    selection: Result<TierSelection, String>,
) -> TokenStream {
    expand_checked(which, args, item, selection, Errors::default())
}

fn expand_checked(
    which: Attribute,
    args: TokenStream,
    item: TokenStream,
    selection: Result<TierSelection, String>,
    mut errors: Errors,
) -> TokenStream {
    let what = match which {
        Attribute::OverfitCheck => "fns that build a model to train",
        _ => "test functions",
    };
    // The arguments first, so their errors come first, as they are written first.
    let mut spec = Spec {
        function: match item::parse(item.clone(), which.name(), what, &mut errors) {
            Some(function) => function,
            None => {
                parse_args(which, args, Span::call_site(), &mut Vec::new(), &mut errors);
                return fallback(&errors, item);
            }
        },
        test: TestArgs::default(),
        test_span: None,
        mocks: Vec::new(),
        random: None,
        overfit: None,
        cases: None,
        written: vec![(which, args.clone())],
        sync_case: false,
    };
    let mut found = Vec::new();
    parse_args(which, args, Span::call_site(), &mut found, &mut errors);
    gather(&mut spec, &mut found, &mut errors);
    for parsed in found {
        add(&mut spec, parsed, &mut errors);
    }
    validate(&spec, &mut errors);
    if !errors.is_empty() {
        return fallback(&errors, item);
    }
    // A bad `ML_TEST_TIERS` is the environment's mistake, not this test's: the test still
    // expands (with the default tiers), so the error is the build's only one.
    match selection {
        Ok(selection) => render::render(spec, &selection),
        Err(message) => {
            errors.at(Span::call_site(), message);
            let errors = errors.to_compile_errors();
            let default = TierSelection::parse(None).expect("the default selection is valid");
            let rendered = render::render(spec, &default);
            quote! { #errors #rendered }
        }
    }
}

/// One attribute's parsed arguments and where it is.
enum Parsed {
    Test(TestArgs, Span),
    Mock(MockArgs),
    Random(RandomArgs, Span),
    Overfit(OverfitArgs, Span),
}

fn parse_args(
    which: Attribute,
    args: TokenStream,
    span: Span,
    found: &mut Vec<Parsed>,
    errors: &mut Errors,
) {
    found.push(match which {
        Attribute::MlTest => Parsed::Test(test::parse(args, errors), span),
        Attribute::MockModel => Parsed::Mock(mock::parse_mock(args, span, errors)),
        Attribute::RandomWeights => Parsed::Random(mock::parse_random(args, span, errors), span),
        Attribute::OverfitCheck => Parsed::Overfit(overfit::parse(args, errors), span),
    });
}

/// Takes every ml-test attribute off the fn, in order, parsing each.
fn gather(spec: &mut Spec, found: &mut Vec<Parsed>, errors: &mut Errors) {
    let attrs = std::mem::take(&mut spec.function.attrs);
    for attr in attrs {
        if let Some(which) = Attribute::of(&attr) {
            let args = item::attribute_args(&attr);
            spec.written.push((which, args.clone()));
            parse_args(which, args, attr.span(), found, errors);
        } else if item::is_attribute(&attr, SYNC_CASE) {
            spec.sync_case = true;
        } else {
            let at = spec.function.attrs.len();
            if let Some((_, generator)) = CASE_GENERATORS
                .iter()
                .find(|(name, _)| item::is_attribute(&attr, name))
            {
                let (generator, first) = spec
                    .cases
                    .map_or((*generator, at), |cases| (cases.generator, cases.first));
                spec.cases = Some(Cases {
                    generator,
                    first,
                    last: at,
                });
            } else if let Some(cases) = &mut spec.cases
                && is_case(&attr)
            {
                cases.last = at;
            }
            spec.function.attrs.push(attr);
        }
    }
}

fn add(spec: &mut Spec, parsed: Parsed, errors: &mut Errors) {
    match parsed {
        Parsed::Test(args, span) => {
            if spec.test_span.is_some() {
                errors.at(
                    span,
                    "#[ml_test] is given twice; a test has one tier and one set of options",
                );
            } else {
                spec.test = args;
                spec.test_span = Some(span);
            }
        }
        Parsed::Mock(mock) => spec.mocks.push(mock),
        Parsed::Random(random, span) => {
            if spec.random.is_some() {
                errors.at(
                    span,
                    "#[random_weights] is given twice; one attribute covers every loader with a \
                     random constructor",
                );
            } else {
                spec.random = Some(random);
            }
        }
        Parsed::Overfit(args, span) => {
            if spec.overfit.is_some() {
                errors.at(
                    span,
                    "#[overfit_check] is given twice; one group holds every check of a model",
                );
            } else {
                spec.overfit = Some(args);
            }
        }
    }
}

/// Every rule that involves more than one attribute, or the fn.
fn validate(spec: &Spec, errors: &mut Errors) {
    let mut catch_all = spec.mocks.iter().filter(|mock| mock.loader.is_none());
    if let (Some(_), Some(second)) = (catch_all.next(), catch_all.next()) {
        errors.at(
            second.span,
            "two #[mock_model] attributes without `loader = ..` both mock every loader; name the \
             loader each one mocks (`loader = path`), or keep one",
        );
    }
    match &spec.overfit {
        Some(overfit) => validate_group(spec, overfit, errors),
        None => check_signature(spec, errors),
    }
}

/// `#[ml_test]` beside `#[overfit_check]` sets the group's tier, seed and timeout; the checks
/// train the real model, so mocks do not apply.
fn validate_group(spec: &Spec, overfit: &OverfitArgs, errors: &mut Errors) {
    if let (Some((_, span)), Some(_)) = (spec.test.tier, overfit.tier) {
        errors.at(
            span,
            "the tier is given twice: in `#[ml_test(...)]` and as `tier = ...`; keep one",
        );
    }
    if let Some(span) = spec.test.sweep_or_exclusive_span {
        errors.at(
            span,
            "`seeds` and `exclusive` apply to #[ml_test] tests, not to an #[overfit_check] group, \
             whose checks share one training run; set the group's seed with `seed = N`",
        );
    }
    if let (Some(_), Some(_)) = (spec.test.seed, overfit.seed) {
        errors.at(
            spec.test_span.unwrap_or_else(Span::call_site),
            "the seed is given twice: in `#[ml_test(...)]` and in `#[overfit_check(...)]`; keep one",
        );
    }
    for mock in &spec.mocks {
        errors.at(
            mock.span,
            "#[mock_model] does not apply to an #[overfit_check] group: its checks train the real \
             model. Mock the model in the tests of the code that uses it",
        );
    }
    if spec.random.is_some() {
        errors.at(
            spec.function.name_span(),
            "#[random_weights] does not apply to an #[overfit_check] group: the builder makes its \
             own model; seed its initialisation from `ml_test::rng()`",
        );
    }
    let sig = &spec.function.sig;
    for input in &sig.inputs {
        errors.spanned(
            input,
            "#[overfit_check] calls this fn to build a fresh trainer for each run, so it takes no \
             parameters: build the model, optimiser and tiny batch inside it",
        );
    }
    if let Some(lt) = &sig.generics.lt_token {
        errors.at(lt.span, "#[overfit_check] fns cannot be generic");
    }
    if let Some(asyncness) = &sig.asyncness {
        errors.at(
            asyncness.span,
            "#[overfit_check] fns build a trainer synchronously; remove `async`",
        );
    }
    if let ReturnType::Default = sig.output {
        errors.at(
            sig.ident.span(),
            "#[overfit_check] needs the fn to return the Trainer it builds, e.g. `fn model() -> MyTrainer`",
        );
    }
}

/// libtest can call the fn: no parameters but one `Mock` handle per `#[mock_model]` (or the
/// cases' arguments, under a case generator), no generics, a runtime for async.
fn check_signature(spec: &Spec, errors: &mut Errors) {
    let sig = &spec.function.sig;
    let handles = spec.mocks.len();
    let inputs = sig.inputs.len();
    let is_mock = |input: &FnArg| match input {
        FnArg::Typed(typed) => matches!(&*typed.ty, Type::Path(path)
            if path.qself.is_none()
                && path.path.segments.last().is_some_and(|last| last.ident == "Mock" && last.arguments.is_empty())),
        FnArg::Receiver(_) => false,
    };
    if spec.cases.is_some() {
        for input in sig.inputs.iter().filter(|input| is_mock(input)) {
            errors.spanned(
                input,
                "under a case generator (#[rstest], #[test_case]) the parameters are the cases', \
                 so a `Mock` handle cannot be one; the mock still answers every call: drop the \
                 parameter, or write the mocked test without cases",
            );
        }
    } else if handles == 0 {
        for input in &sig.inputs {
            errors.spanned(
                input,
                "#[ml_test] cannot supply this parameter: a test function takes no parameters \
                 (build what the test needs inside it, or in a helper it calls); only \
                 #[mock_model] supplies one, its `Mock` handle. If #[rstest] or #[test_case] \
                 supplies it, write #[ml_test] above that attribute: the one written first \
                 expands first, and #[ml_test] must see it",
            );
        }
    } else if inputs != 0 && inputs != handles {
        let s = if handles == 1 { "" } else { "s" };
        let spanned = sig.inputs.iter().nth(handles).map_or_else(
            || sig.inputs.to_token_stream(),
            |extra| extra.to_token_stream(),
        );
        errors.spanned(
            spanned,
            format_args!(
                "this test has {handles} #[mock_model] attribute{s}, so it takes {handles} `Mock` \
                 parameter{s} (one per attribute, in attribute order) or none; it takes {inputs}"
            ),
        );
    } else {
        for input in sig.inputs.iter().filter(|input| !is_mock(input)) {
            errors.spanned(
                input,
                "a #[mock_model] parameter is the mock's handle: write it as `name: Mock` \
                 (`ml_test::Mock`, in the prelude)",
            );
        }
    }
    let attribute = spec.first_attribute_name();
    if let Some(lt) = &sig.generics.lt_token {
        errors.at(
            lt.span,
            format_args!(
                "#[{attribute}] test functions cannot be generic: libtest calls them with no type arguments"
            ),
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.at(
            where_clause.where_token.span,
            format_args!("#[{attribute}] test functions cannot have a where clause"),
        );
    }
    if let Some(asyncness) = &sig.asyncness
        && !spec.sync_case
        && !render::has_test_attribute(&spec.function.attrs)
    {
        errors.at(
            asyncness.span,
            format_args!(
                "an async test needs a runtime: write your runtime's test attribute below \
                 #[{attribute}], e.g. `#[{attribute}] #[tokio::test] async fn ...`"
            ),
        );
    }
}

impl Spec {
    /// The attribute the errors about the fn name.
    fn first_attribute_name(&self) -> &'static str {
        if self.test_span.is_some() || !self.has_overrides() {
            "ml_test"
        } else if self.mocks.is_empty() {
            "random_weights"
        } else {
            "mock_model"
        }
    }
}

/// On any error the item is emitted as written, so the rest of the crate still type-checks and
/// the editor keeps working; the errors point at the tokens.
pub(crate) fn fallback(errors: &Errors, item: TokenStream) -> TokenStream {
    let errors = errors.to_compile_errors();
    let tracking = track_tiers_var(true);
    quote! { #errors #tracking #[allow(dead_code)] #item }
}

/// Makes rustc record `ML_TEST_TIERS` in the crate's dep-info, so cargo rebuilds the test crate
/// when the variable changes (proc macros cannot declare that themselves on stable). Once per
/// compilation is enough: rustc loads this macro crate once per crate it compiles and expands
/// every attribute again on every build, so the first expansion of each build emits it. Nothing
/// else is tracked: the `gpu` and `e2e` prerequisites are read when a test runs.
pub(crate) fn track_tiers_var(always: bool) -> TokenStream {
    use std::sync::atomic::{AtomicBool, Ordering};
    static EMITTED: AtomicBool = AtomicBool::new(false);
    if !always && EMITTED.swap(true, Ordering::Relaxed) {
        return TokenStream::new();
    }
    quote! {
        const _: ::core::option::Option<&str> = ::core::option_env!(#TIERS_VAR);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(which: Attribute, args: &str, item: &str, tiers: Option<&str>) -> String {
        expand_with(
            which,
            args.parse().unwrap(),
            item.parse().unwrap(),
            TierSelection::parse(tiers),
        )
        .to_string()
    }

    fn ml_test(args: &str, item: &str) -> String {
        expand_str(Attribute::MlTest, args, item, None)
    }

    #[test]
    fn a_plain_test_runs_its_body_inline_after_the_guard() {
        let out = ml_test("", "fn predicts() { #![allow(unused)] assert!(true); }");
        assert!(
            out.starts_with("# [:: core :: prelude :: v1 :: test] fn predicts () { #! [allow (unused)] let __ml_test_entry = :: ml_test :: __private :: registered (:: core :: concat ! (:: core :: module_path ! () , \"::predicts\")) ;"),
            "{out}"
        );
        assert!(
            out.contains("let __ml_test_run = :: ml_test :: __private :: start (__ml_test_entry) ; assert ! (true) ; }"),
            "{out}"
        );
        assert!(
            out.contains(":: ml_test :: __private :: Tier :: ALL [0usize] , :: core :: file ! ()"),
            "{out}"
        );
        assert!(!out.contains("with_seed"), "{out}");
        assert!(!out.contains(" use "), "a unit test keeps its name: {out}");
        assert!(out.contains("inventory :: submit !"), "{out}");
    }

    #[test]
    fn a_test_of_another_tier_is_named_with_its_suffix_and_keeps_its_name_as_an_import() {
        let out = ml_test("integration", "pub(crate) fn predicts() { assert!(true); }");
        assert!(
            out.starts_with(
                "# [:: core :: prelude :: v1 :: test] pub (crate) fn predicts__integration () {"
            ),
            "{out}"
        );
        assert!(
            out.contains("registered (:: core :: concat ! (:: core :: module_path ! () , \"::predicts__integration\"))"),
            "{out}"
        );
        assert!(
            out.contains("TestEntry :: new (:: core :: concat ! (:: core :: module_path ! () , \"::predicts__integration\") , :: ml_test :: __private :: Tier :: ALL [1usize]"),
            "{out}"
        );
        // Other code that calls the fn by the name it was written with still finds it.
        assert!(
            out.contains("} # [cfg (test)] # [allow (unused_imports)] pub (crate) use self :: predicts__integration as predicts ;"),
            "{out}"
        );
        // No `allow(non_snake_case)`: it would silence the lint for the body's names too.
        assert!(!out.contains("non_snake_case"), "{out}");
    }

    #[test]
    fn an_unselected_tier_is_ignored_with_its_reason_and_existing_attributes_are_kept() {
        let out = ml_test("slow", "fn trains() {}");
        assert!(
            out.contains("# [ignore = \"tier `slow` is not selected; run `cargo test -- --include-ignored __slow`\"] fn trains__slow ()"),
            "{out}"
        );
        let selected = expand_str(Attribute::MlTest, "slow", "fn trains() {}", Some("slow"));
        assert!(!selected.contains("# [ignore"), "{selected}");
        assert!(selected.contains("fn trains__slow ()"), "{selected}");
        let kept = ml_test(
            "slow",
            "#[tokio::test] #[ignore = \"flaky\"] async fn fetches() {}",
        );
        assert!(
            kept.starts_with("# [tokio :: test] # [ignore = \"flaky\"] async fn fetches__slow ()"),
            "{kept}"
        );
        assert_eq!(kept.matches("# [ignore").count(), 1, "{kept}");
        assert!(!kept.contains("prelude :: v1 :: test"), "{kept}");
    }

    #[test]
    fn a_result_a_timeout_or_a_sweep_moves_the_body_into_a_fn() {
        let out = ml_test(
            "timeout = \"1s\"",
            "fn t() -> Result<(), String> { Ok(()) }",
        );
        assert!(out.contains("fn t () {"), "the worker reports: {out}");
        assert!(
            out.contains("fn __ml_test_body () -> Result < () , String > { Ok (()) }"),
            "{out}"
        );
        assert!(
            out.contains("run_with_timeout (__ml_test_entry , __ml_test_body)"),
            "{out}"
        );
        let swept = ml_test("slow, seeds = 20, exclusive", "fn t() {}");
        assert!(
            swept.contains("run_seeds (__ml_test_entry , __ml_test_body)"),
            "{swept}"
        );
        assert!(
            swept.contains(". with_seeds (20u32) . with_exclusive ()"),
            "{swept}"
        );
        let returned = ml_test("", "fn t() -> Result<(), String> { Ok(()) }");
        assert!(
            returned.contains(":: run (__ml_test_entry , __ml_test_body)"),
            "{returned}"
        );
    }

    #[test]
    fn stacked_attributes_make_one_test_and_handles_become_bindings() {
        let out = expand_str(
            Attribute::MockModel,
            "loader = a::load, returns = [1]",
            "#[mock_model(loader = b::load, fails = \"down\", global)] #[ml_test(slow)] #[should_panic] fn t(a: Mock, b: Mock) {}",
            None,
        );
        assert_eq!(out.matches("prelude :: v1 :: test").count(), 1, "{out}");
        assert!(out.contains("Tier :: ALL [2usize]"), "{out}");
        assert!(
            !out.contains("mock_model ("),
            "the attributes below are consumed: {out}"
        );
        assert!(out.contains("fn t__slow () {"), "{out}");
        assert!(
            out.contains("let a : Mock = __ml_test_scope . handle (0usize) ;"),
            "{out}"
        );
        assert!(out.contains(". fails (\"down\") . global ()"), "{out}");
        assert!(
            out.contains("assert_is_loader :: < b :: load > ()"),
            "{out}"
        );
        assert!(out.contains(". with_expected_panic ()"), "{out}");
    }

    #[test]
    fn an_expression_without_a_loader_is_probed_for_numbers() {
        let out = expand_str(
            Attribute::MockModel,
            "returns = scores()",
            "fn t() {}",
            None,
        );
        assert!(
            out.contains("returns_value (\"scores ()\" , :: ml_test :: __private :: probe_value ! (scores ()))"),
            "{out}"
        );
    }

    #[test]
    fn on_error_the_item_is_emitted_as_written_beside_every_error() {
        let out = ml_test(
            "slwo, seed = 1e400",
            "fn predicts(x: u32) { #![allow(unused)] }",
        );
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(
            out.ends_with("# [allow (dead_code)] fn predicts (x : u32) { #! [allow (unused)] }"),
            "{out}"
        );
    }

    #[test]
    fn a_group_has_one_test_per_check_and_takes_the_tier_of_an_ml_test_beside_it() {
        let out = expand_str(
            Attribute::OverfitCheck,
            "steps = 50, skip = [overfits_batch]",
            "#[ml_test(integration, seed = 5)] fn model() -> M { M }",
            None,
        );
        for check in [
            "loss_is_finite",
            "loss_decreases",
            "params_update",
            "deterministic",
        ] {
            assert!(
                out.contains(&format!("fn {check}__integration ()")),
                "{check}: {out}"
            );
        }
        assert!(!out.contains("fn overfits_batch"), "skipped: {out}");
        assert!(
            !out.contains(" use "),
            "nobody calls a check by its name: {out}"
        );
        assert!(!out.contains("ml_test ("), "consumed: {out}");
        assert!(out.contains("Tier :: ALL [1usize]"), "{out}");
        assert!(out.contains(". with_seed (5u64)"), "{out}");
        assert!(
            out.contains("Check :: ALL [4usize]"),
            "deterministic: {out}"
        );
        assert!(out.contains("TestKind :: CheckGroup"), "{out}");
        // #[ml_test] above gathers #[overfit_check] the same way.
        let above = expand_str(
            Attribute::MlTest,
            "integration",
            "#[overfit_check(capacity = 1..=3)] fn tree() -> T { T }",
            None,
        );
        assert!(above.contains("fn fits_batch__integration ()"), "{above}");
        assert!(above.contains("FitCheck :: ALL [1usize]"), "{above}");
    }

    #[test]
    fn under_rstest_the_attributes_go_below_the_last_case_for_every_case() {
        let out = ml_test(
            "slow, seed = 3",
            "#[rstest::rstest] #[case(1)] #[should_panic] #[case::two(2)] #[mock_model(returns = [1])] #[tokio::test] async fn doubles(#[case] x: u32) {}",
        );
        assert_eq!(
            out,
            "# [rstest :: rstest] # [case (1)] # [should_panic] # [case :: two (2)] \
             # [:: ml_test :: ml_test (slow , seed = 3)] # [:: ml_test :: mock_model (returns = [1])] \
             # [tokio :: test] async fn doubles (# [case] x : u32) { }"
        );
    }

    #[test]
    fn under_test_case_a_sync_fn_is_handed_over_as_async_with_the_marker() {
        let out = ml_test(
            "integration",
            "#[test_case(1)] #[test_case(2)] fn squares(x: u32) -> Result<(), String> { Ok(()) }",
        );
        assert_eq!(
            out,
            "# [test_case (1)] # [:: ml_test :: ml_test (integration)] \
             # [:: ml_test :: __private :: __ml_test_sync_case] # [test_case (2)] \
             async fn squares (x : u32) -> Result < () , String > { Ok (()) }"
        );
        // An async fn has its runtime's attribute: no marker.
        let out = ml_test(
            "integration",
            "#[test_case(1)] #[tokio::test] async fn squares(x: u32) {}",
        );
        assert!(!out.contains("sync_case"), "{out}");
    }

    #[test]
    fn a_marked_case_runs_its_future_to_completion_as_a_sync_test() {
        let out = expand_str(
            Attribute::MlTest,
            "slow",
            "#[::ml_test::__private::__ml_test_sync_case] #[::core::prelude::v1::test] async fn test_case_1() -> u8 { let _result = super::squares(1).await; _result }",
            None,
        );
        assert!(out.contains("fn test_case_1__slow () -> u8 {"), "{out}");
        assert!(!out.contains("sync_case"), "the marker is consumed: {out}");
        assert!(
            out.contains("async fn __ml_test_case () -> u8 { let _result = super :: squares (1) . await ; _result } :: ml_test :: __private :: ready (__ml_test_case ())"),
            "{out}"
        );
    }
}
