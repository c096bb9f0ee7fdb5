//! Every tensor op against values worked out by hand.

use tensor::{Tensor, TensorError, TensorRng};

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape)
}

#[test]
fn construction() {
    assert_eq!(Tensor::<f32>::zeros(&[2, 2]).to_vec(), vec![0.0; 4]);
    assert_eq!(Tensor::<f32>::ones(&[3]).to_vec(), vec![1.0; 3]);
    assert_eq!(Tensor::<f64>::full(&[2], 7.5).to_vec(), vec![7.5, 7.5]);
    let s = Tensor::<f64>::scalar(3.0);
    assert_eq!((s.ndim(), s.numel(), s.item()), (0, 1, 3.0));
    assert_eq!(Tensor::<f64>::arange(0.0, 1.0, 0.25).to_vec(), vec![0.0, 0.25, 0.5, 0.75]);
    assert_eq!(Tensor::<f64>::arange(5.0, 0.0, -2.0).to_vec(), vec![5.0, 3.0, 1.0]);
    assert_eq!(Tensor::<f64>::linspace(-1.0, 1.0, 5).to_vec(), vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
    assert_eq!(Tensor::<f64>::eye(2).to_vec(), vec![1.0, 0.0, 0.0, 1.0]);
}

#[test]
fn from_vec_with_wrong_length_names_shape_and_counts() {
    let err = Tensor::<f32>::try_from_vec(vec![1.0; 5], &[2, 3]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("[2, 3]") && msg.contains('5') && msg.contains('6'), "{msg}");
}

#[test]
fn seeded_random_is_reproducible_and_distributed_as_asked() {
    let a = Tensor::<f64>::rand_uniform(&[1000], -2.0, 3.0, 7);
    assert_eq!(a, Tensor::<f64>::rand_uniform(&[1000], -2.0, 3.0, 7));
    assert_ne!(a, Tensor::<f64>::rand_uniform(&[1000], -2.0, 3.0, 8));
    assert!(a.min_all() >= -2.0 && a.max_all() < 3.0);
    let n = Tensor::<f64>::rand_normal(&[20000], 1.0, 2.0, 3);
    assert!((n.mean_all() - 1.0).abs() < 0.05, "mean {}", n.mean_all());
    assert!((n.var_all().sqrt() - 2.0).abs() < 0.05, "std {}", n.var_all().sqrt());
    // One stream, drawn twice, gives two different tensors.
    let mut rng = TensorRng::new(1);
    let (x, y): (Tensor<f32>, Tensor<f32>) = (rng.normal(&[4], 0.0, 1.0), rng.normal(&[4], 0.0, 1.0));
    assert_ne!(x, y);
    // Streams of one seed differ from each other and are reproducible.
    assert_eq!(TensorRng::with_stream(5, 1).unit(), TensorRng::with_stream(5, 1).unit());
    assert_ne!(TensorRng::with_stream(5, 1).unit(), TensorRng::with_stream(5, 2).unit());
}

#[test]
fn seeded_random_stream_is_pinned() {
    // The first draws of seed 0, recorded once: a change in the RNG stream (crate
    // upgrade, platform) would silently change every experiment, so it fails here.
    let u = Tensor::<f64>::rand_uniform(&[3], 0.0, 1.0, 0).to_vec();
    assert_eq!(u, vec![0.7090754154265618, 0.46592172228961015, 0.6991432426747317]);
    let n = Tensor::<f64>::rand_normal(&[3], 0.0, 1.0, 0).to_vec();
    let pinned = [0.6999607946268154, -0.14406163542784764, 0.30288628024558556];
    // Normal draws go through exp/ln in the ziggurat tails: allow the last bits to
    // differ between libm implementations, nothing more.
    assert!(n.iter().zip(pinned).all(|(a, b)| (a - b).abs() < 1e-12), "{n:?}");
}

#[test]
fn transpose_permute_and_t_are_views() {
    let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    let at = a.t();
    assert!(at.shares_storage_with(&a));
    assert_eq!(at.shape(), &[3, 2]);
    assert_eq!(at.strides(), &[1, 3]);
    assert_eq!(at.to_vec(), vec![1., 4., 2., 5., 3., 6.]);
    assert!(!at.is_contiguous());
    let b = Tensor::<f64>::arange(0.0, 24.0, 1.0).reshape(&[2, 3, 4]);
    let p = b.permute([2, 0, 1]);
    assert_eq!(p.shape(), &[4, 2, 3]);
    assert_eq!(p.get(&[3, 1, 2]), b.get(&[1, 2, 3]));
    assert!(b.try_permute([0, 0, 1]).is_err());
}

#[test]
fn narrow_slice_and_flip() {
    let a = Tensor::<f64>::arange(0.0, 10.0, 1.0);
    assert_eq!(a.narrow(0, 2, 3).to_vec(), vec![2., 3., 4.]);
    assert_eq!(a.slice(0, 1, 10, 3).to_vec(), vec![1., 4., 7.]);
    assert_eq!(a.slice(0, 1, 9, 3).to_vec(), vec![1., 4., 7.]);
    assert_eq!(a.slice(0, 4, 4, 1).numel(), 0);
    assert_eq!(a.flip(0).to_vec(), (0..10).rev().map(|v| v as f64).collect::<Vec<_>>());
    assert_eq!(a.flip(0).strides(), &[-1]);
    let m = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    assert_eq!(m.flip(1).to_vec(), vec![3., 2., 1., 6., 5., 4.]);
    assert_eq!(m.flip(0).narrow(1, 1, 2).to_vec(), vec![5., 6., 2., 3.]);
    let err = a.try_narrow(0, 8, 3).unwrap_err().to_string();
    assert!(err.contains("slice") && err.contains("[10]"), "{err}");
    assert!(a.try_slice(0, 0, 5, 0).is_err());
}

#[test]
fn broadcast_squeeze_unsqueeze() {
    let row = t(&[1., 2., 3.], &[3]);
    let b = row.broadcast_to(&[2, 3]);
    assert_eq!(b.strides(), &[0, 1]);
    assert_eq!(b.to_vec(), vec![1., 2., 3., 1., 2., 3.]);
    let err = row.try_broadcast_to(&[2, 4]).unwrap_err().to_string();
    assert!(err.contains("[3]") && err.contains("[2, 4]"), "{err}");
    let u = row.unsqueeze(0);
    assert_eq!(u.shape(), &[1, 3]);
    assert_eq!(u.squeeze(0).shape(), &[3]);
    assert!(row.try_squeeze(0).is_err());
    assert_eq!(row.unsqueeze(1).shape(), &[3, 1]);
}

#[test]
fn reshape_is_a_view_when_possible_and_a_copy_otherwise() {
    let a = Tensor::<f64>::arange(0.0, 6.0, 1.0).reshape(&[2, 3]);
    let r = a.reshape(&[3, 2]);
    assert!(r.shares_storage_with(&a));
    assert_eq!(r.to_vec(), a.to_vec());
    let at = a.t();
    let flat = at.reshape(&[6]);
    assert!(!flat.shares_storage_with(&a), "a transposed matrix cannot be flattened in place");
    assert_eq!(flat.to_vec(), vec![0., 3., 1., 4., 2., 5.]);
    // Splitting one axis of a transposed view is still a view.
    let b = Tensor::<f64>::arange(0.0, 24.0, 1.0).reshape(&[4, 6]).t(); // [6, 4]
    let split = b.reshape(&[2, 3, 4]);
    assert!(split.shares_storage_with(&b));
    assert_eq!(split.to_vec(), b.to_vec());
    let err = a.try_reshape(&[4, 2]).unwrap_err().to_string();
    assert!(err.contains("[2, 3]") && err.contains("[4, 2]"), "{err}");
}

#[test]
fn unary_functions() {
    let x = t(&[-2.0, 0.0, 3.0], &[3]);
    assert_eq!((-&x).to_vec(), vec![2.0, -0.0, -3.0]);
    assert_eq!(x.abs().to_vec(), vec![2.0, 0.0, 3.0]);
    assert_eq!(x.relu().to_vec(), vec![0.0, 0.0, 3.0]);
    assert_eq!(x.leaky_relu(0.1).to_vec(), vec![-0.2, 0.0, 3.0]);
    assert_eq!(x.clamp(-1.0, 1.0).to_vec(), vec![-1.0, 0.0, 1.0]);
    assert_eq!(x.softsign().to_vec(), vec![-2.0 / 3.0, 0.0, 0.75]);
    assert_eq!(x.square().to_vec(), vec![4.0, 0.0, 9.0]);
    assert_eq!(x.powi(3).to_vec(), vec![-8.0, 0.0, 27.0]);
    let p = t(&[1.0, 4.0, 9.0], &[3]);
    assert_eq!(p.sqrt().to_vec(), vec![1.0, 2.0, 3.0]);
    assert_eq!(p.powf(0.5).to_vec(), vec![1.0, 2.0, 3.0]);
    assert_eq!(p.recip().to_vec(), vec![1.0, 0.25, 1.0 / 9.0]);
    assert!(t(&[1.0], &[1]).exp().allclose(&t(&[std::f64::consts::E], &[1]), 1e-15, 0.0));
    assert_eq!(t(&[1.0], &[1]).ln().item(), 0.0);
    assert_eq!(t(&[0.0], &[1]).tanh().item(), 0.0);
    let s = t(&[0.0, -1000.0, 1000.0], &[3]).sigmoid().to_vec();
    assert_eq!(s, vec![0.5, 0.0, 1.0], "sigmoid must not overflow to NaN");
    let f = Tensor::<f32>::from_vec(vec![0.0, -100.0], &[2]).sigmoid().to_vec();
    assert!(f.iter().all(|v| v.is_finite()));
}

#[test]
fn binary_ops_broadcast() {
    let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    let row = t(&[10., 20., 30.], &[3]);
    let col = t(&[100., 200.], &[2, 1]);
    assert_eq!((&a + &row).to_vec(), vec![11., 22., 33., 14., 25., 36.]);
    assert_eq!((&a - &col).to_vec(), vec![-99., -98., -97., -196., -195., -194.]);
    assert_eq!((&col * &row).shape(), &[2, 3]);
    assert_eq!((&col * &row).to_vec(), vec![1000., 2000., 3000., 2000., 4000., 6000.]);
    assert_eq!((&a / &row).get(&[1, 2]), 0.2);
    assert_eq!(a.pow(&t(&[2.0], &[1])).to_vec(), vec![1., 4., 9., 16., 25., 36.]);
    assert_eq!(a.maximum(&t(&[3.0], &[])).to_vec(), vec![3., 3., 3., 4., 5., 6.]);
    assert_eq!(a.minimum(&t(&[3.0], &[])).to_vec(), vec![1., 2., 3., 3., 3., 3.]);
    assert_eq!((2.0 * &a - 1.0).to_vec(), vec![1., 3., 5., 7., 9., 11.]);
    assert_eq!((a.clone() / 2.0).get(&[0, 0]), 0.5);
    assert_eq!((-&a).get(&[1, 1]), -5.0);
    assert_eq!((1.0 - a.clone()).get(&[0, 1]), -1.0);
}

#[test]
fn shape_mismatch_names_op_and_both_shapes() {
    let a = Tensor::<f32>::zeros(&[2, 3]);
    let b = Tensor::<f32>::zeros(&[4]);
    let err = a.try_add(&b).unwrap_err();
    assert!(matches!(err, TensorError::ShapeMismatch { op: "add", .. }));
    let msg = err.to_string();
    assert!(msg.contains("add") && msg.contains("[2, 3]") && msg.contains("[4]"), "{msg}");
    let result = std::panic::catch_unwind(|| &Tensor::<f32>::zeros(&[2, 3]) * &Tensor::<f32>::zeros(&[4]));
    let panic = result.unwrap_err();
    let text = panic.downcast_ref::<String>().unwrap();
    assert!(text.contains("mul") && text.contains("[2, 3]") && text.contains("[4]"), "{text}");
}

#[test]
fn comparisons_give_masks_and_select_uses_them() {
    let a = t(&[1., 5., 3.], &[3]);
    let b = t(&[2., 5., 1.], &[3]);
    assert_eq!(a.lt(&b).to_vec(), vec![1., 0., 0.]);
    assert_eq!(a.le(&b).to_vec(), vec![1., 1., 0.]);
    assert_eq!(a.gt(&b).to_vec(), vec![0., 0., 1.]);
    assert_eq!(a.ge(&b).to_vec(), vec![0., 1., 1.]);
    assert_eq!(a.equal(&b).to_vec(), vec![0., 1., 0.]);
    assert_eq!(a.not_equal(&b).to_vec(), vec![1., 0., 1.]);
    let mask = a.gt(&b);
    assert_eq!(mask.select(&a, &t(&[0.0], &[])).to_vec(), vec![0., 0., 3.]);
}

#[test]
fn reductions() {
    let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    assert_eq!(a.sum([0], false).to_vec(), vec![5., 7., 9.]);
    assert_eq!(a.sum([1], true).shape(), &[2, 1]);
    assert_eq!(a.sum([1], true).to_vec(), vec![6., 15.]);
    assert_eq!(a.sum([0, 1], false).shape(), &[] as &[usize]);
    assert_eq!(a.sum_all(), 21.0);
    assert_eq!(a.mean([1], false).to_vec(), vec![2., 5.]);
    assert_eq!(a.max([0], false).to_vec(), vec![4., 5., 6.]);
    assert_eq!(a.min([1], false).to_vec(), vec![1., 4.]);
    assert_eq!(a.var([1], false).to_vec(), vec![2.0 / 3.0, 2.0 / 3.0]);
    assert_eq!(a.var_all(), 35.0 / 12.0);
    let b = t(&[3., 9., 9., 1., 0., 2.], &[2, 3]);
    assert_eq!(b.argmax(1), vec![1, 2], "ties go to the first index");
    assert_eq!(b.argmax(0), vec![0, 0, 0]);
    assert_eq!(b.argmax(-1), vec![1, 2]);
    assert!(b.try_argmax(2).is_err() && b.try_argmax(-3).is_err());
    assert_eq!(b.argmax_all(), 1);
    assert_eq!((b.max_all(), b.min_all()), (9.0, 0.0));
    assert!(a.try_sum([2], false).is_err());
    assert!(a.try_sum([1, 1], false).is_err());
    assert!(Tensor::<f64>::zeros(&[0, 3]).try_max([0], false).is_err());
    assert!(t(&[1.0, f64::NAN], &[2]).max_all().is_nan(), "NaN propagates through max");
}

#[test]
fn matmul_by_hand() {
    let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    let b = t(&[7., 8., 9., 10., 11., 12.], &[3, 2]);
    assert_eq!(a.matmul(&b).to_vec(), vec![58., 64., 139., 154.]);
    // Transposed operands go through the GEMM's strides, not a copy.
    assert_eq!(b.t().matmul(&a.t()).to_vec(), vec![58., 139., 64., 154.]);
    // Batched, with the batch axis broadcast on one side.
    let batch = Tensor::stack(&[a.clone(), &a * 2.0], 0); // [2, 2, 3]
    let c = batch.matmul(&b);
    assert_eq!(c.shape(), &[2, 2, 2]);
    assert_eq!(c.to_vec(), vec![58., 64., 139., 154., 116., 128., 278., 308.]);
    let err = a.try_matmul(&a).unwrap_err().to_string();
    assert!(err.contains("matmul") && err.contains("[2, 3]") && err.contains("inner"), "{err}");
    assert!(a.try_matmul(&t(&[1., 2., 3.], &[3])).is_err());
    let empty_k = Tensor::<f64>::zeros(&[2, 0]).matmul(&Tensor::zeros(&[0, 3]));
    assert_eq!(empty_k.to_vec(), vec![0.0; 6]);
}

#[test]
fn concat_stack_and_slice_assign() {
    let a = t(&[1., 2., 3., 4.], &[2, 2]);
    let b = t(&[5., 6.], &[2, 1]);
    assert_eq!(Tensor::concat(&[a.clone(), b.clone()], 1).to_vec(), vec![1., 2., 5., 3., 4., 6.]);
    assert!(Tensor::try_concat(&[a.clone(), b.clone()], 0).is_err());
    let s = Tensor::stack(&[a.clone(), a.clone()], 2);
    assert_eq!(s.shape(), &[2, 2, 2]);
    assert_eq!(s.to_vec(), vec![1., 1., 2., 2., 3., 3., 4., 4.]);
    let z = Tensor::<f64>::zeros(&[5]);
    let filled = z.slice_assign(0, 0, 5, 2, &t(&[1., 2., 3.], &[3]));
    assert_eq!(filled.to_vec(), vec![1., 0., 2., 0., 3.]);
    assert!(z.try_slice_assign(0, 0, 5, 2, &t(&[1., 2.], &[2])).is_err());
}

#[test]
fn accessors() {
    let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    assert_eq!(a.get(&[1, 0]), 4.0);
    assert!(a.try_get(&[2, 0]).is_err());
    assert!(a.try_get(&[0]).is_err());
    assert!(a.try_item().is_err());
    assert_eq!(a.iter().collect::<Vec<_>>(), a.to_vec());
    assert_eq!(a.t().iter().next(), Some(1.0));
    assert_eq!(a.cast::<f32>().to_vec(), vec![1f32, 2., 3., 4., 5., 6.]);
    assert!(a.allclose(&(&a + 1e-9), 0.0, 1e-8));
    assert!(!a.allclose(&(&a + 1e-3), 0.0, 1e-8));
    assert!(!a.allclose(&a.t(), 1.0, 1.0), "different shapes are never close");
}

#[test]
fn display_like_numpy() {
    let a = t(&[1., 2., 3., 4.], &[2, 2]);
    assert_eq!(format!("{a:.1}"), "[[1.0, 2.0],\n [3.0, 4.0]]");
    assert_eq!(format!("{}", Tensor::<f32>::scalar(0.5)), "0.5000");
    let big = Tensor::<f32>::zeros(&[2000]);
    let text = format!("{big:.0}");
    assert!(text.contains("...") && text.len() < 60, "{text}");
    let dbg = format!("{:?}", a.t());
    assert!(dbg.contains("shape=[2, 2]") && dbg.contains("f64") && dbg.contains("strides=[1, 2]"), "{dbg}");
}

#[test]
fn matmul_split_over_threads_equals_one_thread_bit_for_bit() {
    let _alone = THREAD_COUNT.lock().unwrap_or_else(|e| e.into_inner());
    // Few rows (both B layouts), the GEMM (both B layouts, a transposed A, a
    // width that is no multiple of the 32-column units, an A too large to keep
    // packed whole), and a short inner dimension (rank update). Each column of
    // C is computed the same way whichever thread takes it, so the split
    // changes nothing, not even the rounding: results are reproducible
    // whatever the thread count.
    let cases = [
        (10, 300, 1000, false),
        (10, 300, 1000, true),
        (100, 200, 1000, false),
        (100, 300, 1000, true),
        (100, 1000, 1000, false),
        (60, 40, 777, false),
        (1100, 1000, 128, true),
        (1000, 10, 300, false),
    ];
    fn check<E: tensor::Element>(m: usize, k: usize, n: usize, transposed: bool) {
        let uniform =
            |shape: &[usize], seed| Tensor::<E>::rand_uniform(shape, E::from_f64(-1.0), E::ONE, seed);
        let a = uniform(&[m, k], 1);
        let b = if transposed { uniform(&[n, k], 2).t() } else { uniform(&[k, n], 2) };
        let a_t = uniform(&[k, m], 3).t();
        let one = (a.matmul(&b), a_t.matmul(&b));
        let case = format!("{} m={m} k={k} n={n} transposed={transposed}", std::any::type_name::<E>());
        for threads in [2, 3] {
            let split = {
                let _split = tensor::set_threads(threads);
                (a.matmul(&b), a_t.matmul(&b))
            };
            assert_eq!(tensor::threads(), 1, "the guard restored one thread");
            assert_eq!(one.0.to_vec(), split.0.to_vec(), "{case}, {threads} threads");
            assert_eq!(one.1.to_vec(), split.1.to_vec(), "{case}, Aᵀ, {threads} threads");
            // The in-place form splits the same way.
            let (mut c1, mut c2) = (one.0.contiguous(), one.0.contiguous());
            c1.addmm_assign(&a, &b, E::from_f64(-0.5), E::ONE);
            {
                let _split = tensor::set_threads(threads);
                c2.addmm_assign(&a, &b, E::from_f64(-0.5), E::ONE);
            }
            assert_eq!(c1.to_vec(), c2.to_vec(), "addmm {case}, {threads} threads");
            let half = &one.0 * E::from_f64(0.5);
            assert!(c1.allclose(&half, 1e-4, 1e-4), "addmm {case}: C − ½C");
        }
    }
    for (m, k, n, transposed) in cases {
        check::<f32>(m, k, n, transposed);
        check::<f64>(m, k, n, transposed);
    }
}

#[test]
fn an_in_place_update_split_over_two_threads_equals_the_serial_one() {
    let _alone = THREAD_COUNT.lock().unwrap_or_else(|e| e.into_inner());
    // Above and below the size at which the update is split, and a length that
    // does not divide evenly between the threads.
    for len in [1000, (1 << 17) + 3, 1 << 20] {
        let weight = Tensor::<f32>::rand_uniform(&[len], -1.0, 1.0, 1);
        let gradient = Tensor::<f32>::rand_uniform(&[len], -1.0, 1.0, 2);
        let mut serial = weight.contiguous();
        serial.zip_assign(&gradient, |w, g| w - 0.1 * g);
        let mut split = weight.contiguous();
        {
            let _two = tensor::set_threads(2);
            split.zip_assign(&gradient, |w, g| w - 0.1 * g);
        }
        assert_eq!(serial.to_vec(), split.to_vec(), "len {len}");
        assert_ne!(serial.to_vec(), weight.to_vec(), "the update changed the weight");
    }
}

#[test]
fn element_wise_passes_split_over_two_threads_equal_the_serial_ones() {
    let _alone = THREAD_COUNT.lock().unwrap_or_else(|e| e.into_inner());
    // Below the split, a minibatch of 100 × 1000 (split in two), and a length
    // that does not divide evenly between the threads.
    for len in [1000, 100 * 1000, (1 << 15) + 7] {
        let a = Tensor::<f32>::rand_uniform(&[len], -3.0, 3.0, 1);
        let b = Tensor::<f32>::rand_uniform(&[len], -1.0, 1.0, 2);
        let passes = |a: &Tensor<f32>, b: &Tensor<f32>| (a.tanh(), a * b, a.map_to(|x| x as f64 * 2.0));
        let serial = passes(&a, &b);
        let split = {
            let _two = tensor::set_threads(2);
            passes(&a, &b)
        };
        assert_eq!(serial.0.to_vec(), split.0.to_vec(), "tanh, len {len}");
        assert_eq!(serial.1.to_vec(), split.1.to_vec(), "a·b, len {len}");
        assert_eq!(serial.2.to_vec(), split.2.to_vec(), "map_to f64, len {len}");
        // Each element is f of its own inputs, in place (no stretch moved or lost).
        let (av, bv) = (a.to_vec(), b.to_vec());
        assert!(split.1.to_vec().iter().enumerate().all(|(i, &p)| p == av[i] * bv[i]), "len {len}");
        assert!(split.2.to_vec().iter().enumerate().all(|(i, &y)| y == av[i] as f64 * 2.0), "len {len}");
    }
}

#[test]
fn a_split_pass_inside_a_split_pass_runs_and_is_right() {
    let _alone = THREAD_COUNT.lock().unwrap_or_else(|e| e.into_inner());
    let _two = tensor::set_threads(2);
    let (outer, inner) =
        (Tensor::<f32>::rand_uniform(&[1 << 15], -1.0, 1.0, 1), Tensor::<f32>::ones(&[1 << 15]));
    // Each element of the outer pass (split over both threads) runs a pass long
    // enough to be split itself: it must run, not wait for the busy workers.
    let nested = outer.map(|x| if x > 0.999 { inner.map(|y| y + x).sum_all() } else { x });
    for (&got, &x) in nested.to_vec().iter().zip(&outer.to_vec()) {
        let expected = if x > 0.999 { (1.0 + x) * (1 << 15) as f32 } else { x };
        assert!((got - expected).abs() <= 1e-3 * expected.abs(), "{got} against {expected}");
    }
}

/// The thread count is one setting for the whole process: tests that change it
/// take turns, so one cannot see the other's setting.
static THREAD_COUNT: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn reducing_leading_axes_of_a_contiguous_tensor_equals_the_strided_walk_bit_for_bit() {
    // The contiguous tensor takes the row-by-row path; its permuted-and-back
    // copy (same values, not contiguous) takes the general walk. f32 sums of
    // many values differ in their last bits when the order differs.
    for shape in [vec![100, 1000], vec![7, 3, 33], vec![1, 5], vec![64, 1]] {
        let x = Tensor::<f32>::rand_uniform(&shape, -1.0, 1.0, 7);
        let axes: Vec<usize> = (0..shape.len()).rev().collect();
        let strided = x.permute(&axes[..]).contiguous().permute(&axes[..]);
        assert!(x.is_contiguous() && (!strided.is_contiguous() || shape.contains(&1)));
        let leading: Vec<usize> = (0..shape.len() - 1).collect();
        for keepdim in [false, true] {
            assert_eq!(x.sum(&leading[..], keepdim), strided.sum(&leading[..], keepdim), "{shape:?}");
            assert_eq!(x.max(&leading[..], keepdim), strided.max(&leading[..], keepdim), "{shape:?}");
        }
        let last = shape[shape.len() - 1];
        assert_eq!(x.sum_to_shape(&[last]), strided.sum_to_shape(&[last]), "{shape:?}");
        let naive: Vec<f32> =
            (0..last).map(|j| x.to_vec().chunks(last).fold(0.0f32, |acc, row| acc + row[j])).collect();
        assert_eq!(x.sum_to_shape(&[last]).to_vec(), naive, "{shape:?}");
    }
}

#[test]
fn negative_positions_in_an_index_count_from_the_end() {
    let t = Tensor::<f64>::from_vec((0..12).map(f64::from).collect(), &[3, 4]);
    // Every negative form selects what its positive twin does.
    assert_eq!(t.i(-1).to_vec(), t.i(2).to_vec());
    assert_eq!(t.i((.., -4)).to_vec(), t.i((.., 0)).to_vec());
    assert_eq!(t.i((-3..-1, 1)).to_vec(), t.i((0..2, 1)).to_vec());
    assert_eq!(t.i((.., ..=-1)).to_vec(), t.to_vec());
    assert_eq!(t.i((.., -2..=-1)).to_vec(), t.i((.., 2..4)).to_vec());
    assert_eq!(t.i((1.., ..-1)).shape(), &[2, 3]);
    // Past either end, or a range that ends before it starts, is an error
    // naming the axis and the shape, not a wrap-around.
    let (last, second_last) = (-1, -2);
    for err in [t.try_i(-4), t.try_i((.., -5..)), t.try_i((.., ..=-6)), t.try_i((last..second_last, ..))] {
        let message = err.unwrap_err().to_string();
        assert!(message.contains("[3, 4]") && message.contains("axis"), "{message}");
    }
}
