//! Lesson 2 — a tour of gradlab's tensors: views that copy nothing, broadcasting, reductions
//! and matmul — printed as you go.
//!
//! Run: `cargo run --example 02_tensors_and_views`

use gradlab::Tensor;

pub fn main() {
    let x = Tensor::<f64>::arange(1.0, 7.0, 1.0).reshape(&[2, 3]);
    println!("x =\n{x:.1}\n");

    let xt = x.t();
    println!(
        "x.t() is a view: shape {:?}, strides {:?}, shares storage: {}",
        xt.shape(),
        xt.strides(),
        xt.shares_storage_with(&x)
    );
    println!("{xt:.1}\n");

    let flipped = x.flip(1);
    println!("x.flip(1) walks the row backwards with stride {:?}:\n{flipped:.1}\n", flipped.strides());

    let column_means = x.mean([0], true);
    println!("column means (keepdim) {:?}: {column_means:.2}", column_means.shape());
    let centered = &x - &column_means;
    println!("x - means broadcasts [2, 3] with [1, 3]:\n{centered:.2}\n");

    let gram = x.matmul(&xt);
    println!("x · xᵀ (the transposed operand is passed to the GEMM by its strides) =\n{gram:.1}\n");

    // Indexing like NumPy: ranges keep an axis, an integer removes it; negative axes count from the back.
    println!("x.i((.., 1..3)) = x[:, 1:3]:\n{:.1}", x.i((.., 1..3)));
    println!("x.i(1) = x[1] = {:.1};  row sums x.sum([-1]) = {:.1}", x.i(1), x.sum([-1], false));
    println!("argmax along the last axis (integer indices): {:?}\n", x.argmax(-1));

    match x.try_matmul(&x) {
        Ok(_) => unreachable!("a 2×3 matrix cannot multiply a 2×3 matrix"),
        Err(e) => println!("and a mistake explains itself:\n  {e}"),
    }
}
