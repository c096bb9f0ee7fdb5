//! Lesson 3 — backpropagation by hand, next to the tape.
//!
//! A tiny network — two inputs, two sigmoid hidden units, one linear output,
//! squared error — is recorded on a tape. We print the tape (the Wengert list),
//! run backward, and print every gradient beside the chain-rule product that
//! gives it, computed by hand from the forward values.
//!
//! Run: `cargo run --example 03_backprop_by_hand` (add `-- --dot graph.dot` for Graphviz)

use gradlab::autograd::Tape;
use gradlab::tensor::sigmoid;
use gradlab::Tensor;

pub fn main() {
    // Data and parameters, small enough to follow with a pencil.
    let (x, target) = ([1.0, -2.0], 0.5);
    let w1 = [[0.3, -0.1], [0.2, 0.4]]; // w1[i][j]: input i → hidden j
    let w2 = [0.7, -0.5]; // hidden j → output

    let tape = Tape::<f64>::new();
    tape.set_keep_all_grads(true); // keep every node's gradient, to print them all below
    let xv = tape.constant(Tensor::from_vec(x.to_vec(), &[1, 2])).named("x");
    let w1v = tape.param(Tensor::from_vec(w1.concat(), &[2, 2])).named("W1");
    let w2v = tape.param(Tensor::from_vec(w2.to_vec(), &[2, 1])).named("W2");
    let s = xv.matmul(&w1v).keep_grad().named("s = x·W1");
    let h = s.sigmoid().keep_grad().named("h = σ(s)");
    let y = h.matmul(&w2v).keep_grad().named("y = h·W2");
    let loss = ((&y - target).square() * 0.5).named("C = ½(y − t)²");

    println!("The tape (a Wengert list: every op after its inputs):\n\n{tape}");
    let grads = tape.backward(&loss).expect("loss is a scalar on this tape");

    // The same numbers by hand.
    let s_hand = [x[0] * w1[0][0] + x[1] * w1[1][0], x[0] * w1[0][1] + x[1] * w1[1][1]];
    let h_hand = s_hand.map(sigmoid);
    let y_hand = h_hand[0] * w2[0] + h_hand[1] * w2[1];
    let dc_dy = y_hand - target;

    println!("forward:  y = {:.6}   C = {:.6}\n", y.value().item(), loss.value().item());
    println!("{:<14} {:>12}   {:<40} {:>12}", "gradient", "tape", "chain rule", "by hand");
    let row = |name: &str, tape: f64, rule: &str, hand: f64| {
        println!("{name:<14} {tape:>12.8}   {rule:<40} {hand:>12.8}");
        assert!((tape - hand).abs() < 1e-12, "{name}: the tape and the hand computation disagree");
    };
    row("∂C/∂y", grads.wrt(&y).item(), "y − t", dc_dy);
    for j in 0..2 {
        let dc_dh = dc_dy * w2[j];
        let dc_ds = dc_dh * h_hand[j] * (1.0 - h_hand[j]);
        row(
            &format!("∂C/∂W2[{j}]"),
            grads.wrt(&w2v).get(&[j, 0]),
            &format!("∂C/∂y · h{j}"),
            dc_dy * h_hand[j],
        );
        row(&format!("∂C/∂h{j}"), grads.wrt(&h).get(&[0, j]), &format!("∂C/∂y · W2[{j}]"), dc_dh);
        row(
            &format!("∂C/∂s{j}"),
            grads.wrt(&s).get(&[0, j]),
            &format!("∂C/∂h{j} · σ(s{j})(1 − σ(s{j}))"),
            dc_ds,
        );
        for (i, &xi) in x.iter().enumerate() {
            let name = format!("∂C/∂W1[{i}][{j}]");
            row(&name, grads.wrt(&w1v).get(&[i, j]), &format!("x{i} · ∂C/∂s{j}"), xi * dc_ds);
        }
    }
    println!("\nEvery gradient on the tape equals its chain-rule product.");
    println!(
        "\nThe tape again, each node with its value and ∂C/∂(node):\n\n{}",
        tape.annotated(Some(&grads))
    );

    // `--dot FILE`: the same graph for Graphviz (`dot -Tsvg FILE > graph.svg`).
    let args: Vec<String> = std::env::args().collect();
    if let Some(path) = args.iter().position(|a| a == "--dot").and_then(|i| args.get(i + 1)) {
        std::fs::write(path, tape.annotated(Some(&grads)).to_dot()).expect("cannot write the DOT file");
        println!("wrote {path}; render it with `dot -Tsvg {path} > graph.svg`");
    } else {
        println!("Add `-- --dot graph.dot` to write this graph for Graphviz.");
    }
}
