//! Compile-time guarantees of `#[migration]`: trybuild cases, one per diagnostic. The `.stderr` files
//! are generated with `TRYBUILD=overwrite` and reviewed; the toolchain is pinned because they quote
//! the compiler's wording.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
