// 38 ordinary tests and 2 exclusive ones, logging the interval each ran in to the file
// ML_TEST_OVERLAP_LOG names: under nextest every test is a process, so the gate spans processes.
use std::io::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ml_test::prelude::*;

fn now() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
}

fn work(name: &str, exclusive: bool) {
    let start = now();
    std::thread::sleep(Duration::from_millis(20));
    let end = now();
    let path = std::env::var_os("ML_TEST_OVERLAP_LOG").expect("the driver sets the log");
    let mut log = std::fs::OpenOptions::new().append(true).create(true).open(path).unwrap();
    log.write_all(format!("{name} {start} {end} {exclusive}\n").as_bytes()).unwrap();
}

macro_rules! ordinary {
    ($($name:ident)*) => {$(
        #[ml_test]
        fn $name() {
            work(stringify!($name), false);
        }
    )*};
}

ordinary!(
    o01 o02 o03 o04 o05 o06 o07 o08 o09 o10 o11 o12 o13 o14 o15 o16 o17 o18 o19
    o20 o21 o22 o23 o24 o25 o26 o27 o28 o29 o30 o31 o32 o33 o34 o35 o36 o37 o38
);

#[ml_test(exclusive)]
fn exclusive_a() {
    work("exclusive_a", true);
}

#[ml_test(exclusive)]
fn exclusive_b() {
    work("exclusive_b", true);
}
