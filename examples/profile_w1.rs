use gradlab::nn::{train_step, Activation, Init, Loss, Mlp, Sgd};
use gradlab::Tensor;
fn main() {
    let widths = [vec![1024], vec![1000; 5], vec![9]].concat();
    let mut mlp = Mlp::<f32>::builder(&widths).hidden(Activation::Tanh).init(Init::Normalized).seed(1).build();
    let mut sgd = Sgd::new(0.01);
    let x = Tensor::<f32>::rand_uniform(&[10, 1024], -1.0, 1.0, 2);
    let labels: Vec<usize> = (0..10).map(|i| i % 9).collect();
    let t = std::time::Instant::now();
    for _ in 0..200 { train_step(&mut mlp, &mut sgd, &x, &labels, Loss::SoftmaxCrossEntropy); }
    println!("{:.1} steps/s", 200.0 / t.elapsed().as_secs_f64());
}
