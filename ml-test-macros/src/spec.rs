//! What the ml-test attributes on one fn ask for: the [`Spec`]. Whichever attribute expands
//! first (the topmost) gathers every other ml-test attribute on the fn into it, so none expands
//! again, and [`validate`] checks every rule that involves more than one of them, or the fn.
//! Rendering it is `render.rs`'s job; the entry point is `expand.rs`.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, ReturnType, Type};

use crate::args::mock::{self, MockArgs, RandomArgs};
use crate::args::overfit::{self, OverfitArgs};
use crate::args::test::{self, TestArgs};
use crate::diag::Errors;
use crate::item::{self, FnItem};

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

/// Gathers every ml-test attribute on the fn into one [`Spec`]: the expanding attribute's
/// arguments (`which`, `args`), then those written on the fn, each parsed by its options.
/// `None` when the item is not a fn the attribute takes (the errors say why).
pub(crate) fn gather(
    which: Attribute,
    args: TokenStream,
    item: TokenStream,
    errors: &mut Errors,
) -> Option<Spec> {
    let what = match which {
        Attribute::OverfitCheck => "fns that build a model to train",
        _ => "test functions",
    };
    // The arguments first, so their errors come first, as they are written first.
    let Some(function) = item::parse(item, which.name(), what, errors) else {
        parse_args(which, args, Span::call_site(), &mut Vec::new(), errors);
        return None;
    };
    let mut spec = Spec {
        function,
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
    parse_args(which, args, Span::call_site(), &mut found, errors);
    take_attributes(&mut spec, &mut found, errors);
    for parsed in found {
        add(&mut spec, parsed, errors);
    }
    Some(spec)
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
fn take_attributes(spec: &mut Spec, found: &mut Vec<Parsed>, errors: &mut Errors) {
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
pub(crate) fn validate(spec: &Spec, errors: &mut Errors) {
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
        && !item::has_test_attribute(&spec.function.attrs)
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
