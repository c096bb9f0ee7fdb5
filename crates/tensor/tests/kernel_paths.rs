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

/// The paths an instruction set may use: `portable` leaves every product to
/// matrixmultiply, AVX2 has no packed GEMM, AVX-512 has them all.
fn allowed(isa: Isa, path: Path) -> bool {
    match isa {
        Isa::Portable => path == Path::Matrixmultiply,
        Isa::Avx2 => path != Path::PackedGemm,
        Isa::Avx512 => true,
    }
}

/// A product of A (m×k, any layout) and B (k×n), checked against the naive
/// product; returns the path that took it, which must be one `isa` has.
fn check_product(a: &Tensor<f32>, b: &Tensor<f32>, isa: Isa) -> Result<Path, TestCaseError> {
    let c = a.matmul(b);
    let path = last_path().expect("a product records its path");
    prop_assert!(allowed(isa, path), "{:?} × {:?} took {:?} under {}", a.shape(), b.shape(), path, isa);
    assert_close(&c.to_vec(), &naive(a, b), a.shape()[1], &format!("{path:?} under {isa}"))?;
    Ok(path)
}

/// A (m×k, any layout) and B (k×n), B row-major or column-major (a `.t()`).
fn product_shapes(
    m: impl Strategy<Value = usize>,
    k: impl Strategy<Value = usize>,
    n: impl Strategy<Value = usize>,
    column_major_b: impl Strategy<Value = bool>,
) -> impl Strategy<Value = (Tensor<f32>, Tensor<f32>)> {
    (m, k, n, column_major_b).prop_flat_map(|(m, k, n, transposed)| {
        let b = if transposed {
            tensor::<f32>(vec![n, k], -2.0, 2.0).prop_map(|w| w.t()).boxed()
        } else {
            tensor::<f32>(vec![k, n], -2.0, 2.0).boxed()
        };
        (any_layout_tensor::<f32>(vec![m, k], -2.0, 2.0), b)
    })
}

/// Runs `cases` products from `shapes` under each instruction set, each checked
/// against the naive product and its path against the set; `target` must have
/// taken at least one of them under every set in `target_on`.
fn reach(
    name: &str,
    shapes: impl Strategy<Value = (Tensor<f32>, Tensor<f32>)>,
    cases: u32,
    target: Path,
    target_on: &[Isa],
) {
    under_each_isa(name, |isa| {
        let hits = std::cell::Cell::new(0);
        runner(cases)
            .run(&shapes, |(a, b)| {
                let path = check_product(&a, &b, isa)?;
                hits.set(hits.get() + usize::from(path == target));
                Ok(())
            })
            .unwrap();
        if target_on.contains(&isa) {
            assert!(hits.get() > 0, "{name}: no product took {target:?} under {isa}");
        }
        println!("{name}: {} of {cases} products took {target:?} under {isa}", hits.get());
    });
}

#[test]
fn few_rows_reach_the_small_row_kernels() {
    let shapes = prop_oneof![
        // Up to 16 rows with a row-major B: AVX-512's strip kernel.
        product_shapes(1usize..=16, 1usize..80, 1usize..70, Just(false)),
        // One row: a matrix-vector product.
        product_shapes(Just(1usize), 1usize..300, 1usize..70, any::<bool>()),
        // A transposed weight with a long inner dimension: the dot and tile kernels.
        product_shapes(1usize..=16, 256usize..300, 1usize..40, Just(true)),
        product_shapes(1usize..=6, 100usize..300, 1usize..40, Just(true)),
        // 17 to 50 rows with k > 16: AVX-512's strip kernel in register blocks.
        product_shapes(17usize..=50, 17usize..80, 1usize..70, any::<bool>()),
    ];
    reach("small rows", shapes, 48, Path::SmallRows, &[Isa::Avx2, Isa::Avx512]);
}

#[test]
fn narrow_products_of_many_rows_reach_the_avx2_strip_kernel() {
    // A C at most 128 columns wide: on AVX2 the strip kernel takes any number
    // of rows, on B as it lies (row-major) or packed in strips (a `.t()`);
    // widths 1–128 end strips of every shape (masked 1–7, 8, masked 9–15, 16).
    let shapes = product_shapes(13usize..=120, 1usize..100, 1usize..=128, any::<bool>());
    reach("narrow products", shapes, 32, Path::SmallRows, &[Isa::Avx2]);
}

#[test]
fn large_weights_go_through_the_strip_kernels_in_passes() {
    // A few rows times a row-major B of 64k elements or more: the AVX2 strip
    // kernel reads C back at each pass of 32 rows of B and prefetches the
    // next (as the AVX-512 one does at any size); k not a multiple of 32
    // ends in a short pass.
    let shapes = product_shapes(1usize..=12, 256usize..300, 256usize..300, Just(false));
    reach("passes", shapes, 8, Path::SmallRows, &[Isa::Avx2, Isa::Avx512]);
    // On AVX2, a minibatch of any size times such a weight (C wider than 128
    // columns): every row block sweeps each pass. n ≥ 256 with k ≥ 256 keeps
    // every draw at 64k elements of B or more (with n from 129, about a third
    // of the draws were smaller and went to matrixmultiply, and now and then
    // none of the eight reached the kernel).
    // (A row-major: past k = 128 a column-major A goes to matrixmultiply.)
    let shapes = (13usize..=120, 256usize..300, 256usize..300).prop_flat_map(|(m, k, n)| {
        (tensor::<f32>(vec![m, k], -2.0, 2.0), tensor::<f32>(vec![k, n], -2.0, 2.0))
    });
    reach("many rows in passes", shapes, 8, Path::SmallRows, &[Isa::Avx2]);
    // With an inner dimension of at most 128 an A of any layout (xᵀ in a
    // weight gradient) is gathered row-major first.
    let shapes = product_shapes(13usize..=60, 100usize..=128, 660usize..700, Just(false));
    reach("gathered rows in passes", shapes, 8, Path::SmallRows, &[Isa::Avx2]);
}

#[test]
fn weight_gradients_at_minibatch_ten_reach_the_avx2_strip_kernel() {
    // A rank update (k ≤ 16) with C at least 100 columns wide: on AVX2 the
    // strip kernel, an A of any layout (xᵀ) gathered row-major first.
    let shapes = product_shapes(13usize..=200, 1usize..=16, 100usize..200, Just(false));
    reach("rank updates", shapes, 16, Path::SmallRows, &[Isa::Avx2]);
}

#[test]
fn transposed_weights_reach_the_dot_and_tile_kernels() {
    // g·Wᵀ: a few rows times a column-major B with a long inner dimension —
    // the AVX2 dot kernel (up to 24 rows: past 12 with k ≥ 256, or with a B
    // that fits in L1), AVX-512's dot and tile kernels (up to 16). Inner
    // lengths not a multiple of 8 or 16 end in a masked chunk; odd widths end
    // in a single column.
    let shapes = prop_oneof![
        product_shapes(1usize..=16, 256usize..300, 1usize..40, Just(true)),
        product_shapes(17usize..=24, 256usize..300, 1usize..40, Just(true)),
        product_shapes(13usize..=24, 100usize..140, 1usize..=29, Just(true)),
    ];
    reach("transposed weights", shapes, 32, Path::SmallRows, &[Isa::Avx2, Isa::Avx512]);
}

#[test]
fn transposed_weights_of_many_rows_reach_the_avx2_strip_kernel_on_packed_passes() {
    // g·Wᵀ at a minibatch past the dot kernel's rows (25 or more) with W too
    // large to stay in L2 (k·n ≥ 64k): on AVX2 the strip kernel on B
    // transposed 128 inner indices at a time — several passes with k = 200–300
    // (the last one short, k not a multiple of 8 ending in a masked chunk of
    // the transposes), and widths that are no multiple of 8 or 16 ending in
    // a partial group of columns and a masked strip. Under AVX2 no other
    // kernel of the small-row path takes these shapes.
    let shapes = prop_oneof![
        product_shapes(25usize..=120, 200usize..=300, 330usize..=400, Just(true)),
        // k ≤ 128: one pass; an A of any layout is gathered row-major.
        product_shapes(25usize..=60, 100usize..=128, 660usize..=700, Just(true)),
        // k shorter than a pass and B wide (k·n ≥ 64k still): each packed
        // strip holds k steps, and the buffer is only as long as that.
        product_shapes(25usize..=40, 40usize..=99, 1700usize..=2100, Just(true)),
    ];
    reach("transposed weights in packed passes", shapes, 8, Path::SmallRows, &[Isa::Avx2]);
}

#[test]
fn products_split_over_threads_equal_one_thread_bit_for_bit_under_each_set() {
    // A minibatch of many rows times a large row-major weight: under AVX2 the
    // strip kernel in passes, its columns shared out over threads in units
    // (as the packed GEMM's are under AVX-512); widths that are no multiple
    // of the 32-column units end in a masked strip. Each column of C is
    // computed the same way whichever thread takes it. The same with a
    // transposed weight (g·Wᵀ), which AVX2 packs a pass at a time per unit.
    under_each_isa("split over threads", |isa| {
        let shapes =
            [(100, 200, 1000, false), (100, 300, 777, false), (20, 256, 300, false), (100, 300, 777, true)];
        for (m, k, n, transposed) in shapes {
            let a = Tensor::<f32>::rand_uniform(&[m, k], -1.0, 1.0, 1);
            let b = if transposed {
                Tensor::<f32>::rand_uniform(&[n, k], -1.0, 1.0, 2).t()
            } else {
                Tensor::<f32>::rand_uniform(&[k, n], -1.0, 1.0, 2)
            };
            let one = a.matmul(&b);
            let path = last_path().expect("a product records its path");
            if isa == Isa::Avx2 {
                assert_eq!(path, Path::SmallRows, "{m}×{k}·{k}×{n} under avx2");
            }
            let split = {
                let _two = tensor::set_threads(2);
                a.matmul(&b)
            };
            assert_eq!(
                one.to_vec(),
                split.to_vec(),
                "{m}×{k}·{k}×{n} (B transposed: {transposed}) under {isa} ({path:?}), 2 threads"
            );
        }
    });
}

#[test]
fn short_inner_dimensions_reach_the_rank_update() {
    let shapes = product_shapes(17usize..60, 1usize..=16, 1usize..70, any::<bool>());
    reach("rank update", shapes, 32, Path::RankUpdate, &[Isa::Avx512]);
}

#[test]
fn larger_products_reach_the_packed_gemm_on_avx512() {
    let shapes = product_shapes(51usize..=130, 17usize..300, 1usize..100, any::<bool>());
    reach("packed GEMM", shapes, 16, Path::PackedGemm, &[Isa::Avx512]);
}

#[test]
fn every_set_falls_back_to_matrixmultiply() {
    // Wider than AVX2's strip kernel takes with many rows.
    let shapes = product_shapes(17usize..60, 17usize..100, 129usize..200, any::<bool>());
    reach("matrixmultiply", shapes, 12, Path::Matrixmultiply, &[Isa::Portable, Isa::Avx2]);
}

#[test]
fn in_place_updates_reach_every_path_with_any_alpha_and_beta() {
    under_each_isa("addmm_assign", |isa| {
        let shapes = prop_oneof![
            product_shapes(1usize..=16, 17usize..60, 1usize..70, any::<bool>()),
            product_shapes(17usize..60, 1usize..=16, 1usize..70, any::<bool>()),
            product_shapes(51usize..=100, 17usize..100, 1usize..70, any::<bool>()),
        ];
        let cases = (shapes, -2.0f32..2.0, prop_oneof![Just(0.0f32), Just(1.0), -2.0f32..2.0]);
        runner(24)
            .run(&cases, |((a, b), alpha, beta)| {
                let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
                let c = Tensor::<f32>::rand_uniform(&[m, n], -1.0, 1.0, (m * n) as u64);
                let mut updated = c.clone();
                updated.addmm_assign(&a, &b, alpha, beta);
                let path = last_path().expect("a product records its path");
                prop_assert!(allowed(isa, path), "{:?} under {}", path, isa);
                let expected: Vec<f64> = naive(&a, &b)
                    .iter()
                    .zip(c.to_vec())
                    .map(|(ab, c)| alpha as f64 * ab + beta as f64 * c as f64)
                    .collect();
                assert_close(&updated.to_vec(), &expected, k + 1, &format!("{path:?} under {isa}"))
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
