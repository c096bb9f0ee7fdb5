//! Every matmul path, under every instruction set this machine has, reached
//! and checked: each test forces an instruction set
//! ([`tensor::kernels::plan::set_isa`]), asserts which path took the product
//! ([`tensor::kernels::plan::last_path`]) and compares the result with a naive
//! f64 product, so an AVX-512 machine's CI also tests the AVX2 builds and the
//! portable fallback. The instruction set is process-wide, so the tests of
//! this binary take turns.

use std::sync::Mutex;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tensor::kernels::plan::{last_path, set_isa, Isa, Path};
use tensor::strategies::{any_layout_tensor, tensor};
use tensor::Tensor;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `body` once under each instruction set this CPU has, forced, and says
/// on standard output which ones it ran under (`cargo test -- --nocapture`).
fn under_each_isa(name: &str, body: impl Fn(Isa)) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let supported = Isa::supported();
    for &isa in &supported {
        set_isa(Some(isa)).expect("a supported set can be forced");
        body(isa);
    }
    set_isa(None).unwrap();
    println!("{name}: ran under {supported:?}");
}

/// C = A·B in f64, element by element, from the views' own indexing.
fn naive(a: &Tensor<f32>, b: &Tensor<f32>) -> Vec<f64> {
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            c[i * n + j] = (0..k).map(|p| a.get(&[i, p]) as f64 * b.get(&[p, j]) as f64).sum();
        }
    }
    c
}

/// Within f32 rounding of a sum of k products of values in [−2, 2]: each
/// product is exact to half an ulp, and a sum of k terms in any order to
/// about k ulps of its largest partial sums (at most 4k).
fn assert_close(got: &[f32], want: &[f64], k: usize, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len());
    let tolerance = 4.0 * (k as f64 + 1.0) * f32::EPSILON as f64 * 4.0;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        prop_assert!(
            (g as f64 - w).abs() <= tolerance,
            "{}: element {} is {}, naive {} (k = {})",
            what,
            i,
            g,
            w,
            k
        );
    }
    Ok(())
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// A product of A (m×k, any layout) and B (k×n, row-major or a transposed
/// view), checked against the naive product, with the path it must take.
fn check_product(a: &Tensor<f32>, b: &Tensor<f32>, expected: Path, isa: Isa) -> Result<(), TestCaseError> {
    let c = a.matmul(b);
    prop_assert_eq!(last_path(), Some(expected), "{:?} × {:?} under {}", a.shape(), b.shape(), isa);
    assert_close(&c.to_vec(), &naive(a, b), a.shape()[1], &format!("{expected:?} under {isa}"))
}

fn product_shapes(
    m: impl Strategy<Value = usize>,
    k: impl Strategy<Value = usize>,
    n: impl Strategy<Value = usize>,
) -> impl Strategy<Value = (Tensor<f32>, Tensor<f32>, bool)> {
    (m, k, n, any::<bool>()).prop_flat_map(|(m, k, n, transposed)| {
        let b_shape = if transposed { vec![n, k] } else { vec![k, n] };
        (any_layout_tensor::<f32>(vec![m, k], -2.0, 2.0), tensor::<f32>(b_shape, -2.0, 2.0), Just(transposed))
    })
}

fn b_of((b, transposed): (&Tensor<f32>, bool)) -> Tensor<f32> {
    if transposed {
        b.t()
    } else {
        b.clone()
    }
}

#[test]
fn few_rows_take_the_small_row_path_under_every_isa() {
    under_each_isa("small rows", |isa| {
        // Row-major B up to 16 rows: the small-row kernels on every set. A
        // column-major B takes them on AVX-512 only from k = 256 on.
        runner(24)
            .run(&product_shapes(1usize..=16, 1usize..80, 1usize..70), |(a, b, transposed)| {
                let b = b_of((&b, transposed));
                let k = a.shape()[1];
                let expected = match (transposed, isa) {
                    (false, _) | (true, Isa::Portable) | (true, Isa::Avx2) => Path::SmallRows,
                    (true, Isa::Avx512) if k >= 256 => Path::SmallRows,
                    (true, Isa::Avx512) => Path::PackedGemm,
                };
                check_product(&a, &b, expected, isa)
            })
            .unwrap();
        // 17 to 50 rows and k > 16: with a row-major B the AVX-512 strip kernel
        // in register blocks of up to 12 rows, with a column-major one the
        // packed GEMM; matrixmultiply on the other sets.
        runner(12)
            .run(&product_shapes(17usize..=50, 17usize..80, 1usize..70), |(a, b, transposed)| {
                let b = b_of((&b, transposed));
                let expected = match (isa, transposed) {
                    (Isa::Avx512, false) => Path::SmallRows,
                    (Isa::Avx512, true) => Path::PackedGemm,
                    _ => Path::Matrixmultiply,
                };
                check_product(&a, &b, expected, isa)
            })
            .unwrap();
        // Long inner dimensions with a transposed B (a weight read as Wᵀ): the
        // dot and tile kernels on AVX-512.
        let long = (1usize..=16, 256usize..300, 1usize..40).prop_flat_map(|(m, k, n)| {
            (any_layout_tensor::<f32>(vec![m, k], -2.0, 2.0), tensor::<f32>(vec![n, k], -2.0, 2.0))
        });
        runner(8).run(&long, |(a, w)| check_product(&a, &w.t(), Path::SmallRows, isa)).unwrap();
    });
}

#[test]
fn short_inner_dimensions_take_the_rank_update_path_under_every_isa() {
    under_each_isa("rank update", |isa| {
        runner(24)
            .run(&product_shapes(17usize..60, 1usize..=16, 1usize..70), |(a, b, transposed)| {
                let b = b_of((&b, transposed));
                // A row-major B: the rank update; a column-major one is not
                // streamed (but for k = 1, where a transposed column is a row).
                let column_major = transposed && a.shape()[1] > 1;
                let expected = match (column_major, isa) {
                    (false, _) => Path::RankUpdate,
                    (true, Isa::Avx512) => Path::PackedGemm,
                    (true, _) => Path::Matrixmultiply,
                };
                check_product(&a, &b, expected, isa)
            })
            .unwrap();
    });
}

#[test]
fn larger_products_take_the_packed_gemm_on_avx512_and_matrixmultiply_elsewhere() {
    under_each_isa("general", |isa| {
        runner(16)
            .run(&product_shapes(51usize..=130, 17usize..300, 1usize..100), |(a, b, transposed)| {
                let b = b_of((&b, transposed));
                let expected = if isa == Isa::Avx512 { Path::PackedGemm } else { Path::Matrixmultiply };
                check_product(&a, &b, expected, isa)
            })
            .unwrap();
    });
}

#[test]
fn in_place_updates_reach_every_path_with_any_alpha_and_beta() {
    under_each_isa("addmm_assign", |isa| {
        let shapes = prop_oneof![
            product_shapes(1usize..=16, 17usize..60, 1usize..70),
            product_shapes(17usize..60, 1usize..=16, 1usize..70),
            product_shapes(51usize..=100, 17usize..100, 1usize..70),
        ];
        let cases = (shapes, -2.0f32..2.0, prop_oneof![Just(0.0f32), Just(1.0), -2.0f32..2.0]);
        runner(24)
            .run(&cases, |((a, b, transposed), alpha, beta)| {
                let b = b_of((&b, transposed));
                let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
                let c = Tensor::<f32>::rand_uniform(&[m, n], -1.0, 1.0, (m * n) as u64);
                let mut updated = c.clone();
                updated.addmm_assign(&a, &b, alpha, beta);
                let expected: Vec<f64> = naive(&a, &b)
                    .iter()
                    .zip(c.to_vec())
                    .map(|(ab, c)| alpha as f64 * ab + beta as f64 * c as f64)
                    .collect();
                prop_assert!(last_path().is_some());
                assert_close(&updated.to_vec(), &expected, k + 1, &format!("{:?} under {isa}", last_path()))
            })
            .unwrap();
    });
}

#[test]
fn forcing_a_set_the_cpu_lacks_is_an_error_naming_it() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&missing) = Isa::ALL.iter().find(|isa| !Isa::supported().contains(isa)) {
        let error = set_isa(Some(missing)).unwrap_err();
        assert!(error.contains(missing.name()), "{error}");
    }
    assert_eq!(set_isa(Some(Isa::Portable)).map(|_| ()), Ok(()));
    assert_eq!(tensor::kernels::plan::isa(), Isa::Portable);
    set_isa(None).unwrap();
}
