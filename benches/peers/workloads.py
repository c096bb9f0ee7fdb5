"""The benchmark workloads of gradlab's BENCHMARKS.md, written in numpy and in PyTorch.

One measurement per call, printed as one line in the format of gradlab's
`experiments bench`:

    numpy/W1 1 47.3 min=45.0 max=49.1

(framework/workload, threads, median calls per second, slowest and fastest of
the repetitions). The definitions follow crates/experiments/src/bench.rs:

* W1: MLP 1024 -> 1000 x 5 (tanh) -> 9, SGD lr 0.01, minibatch 10 (the paper's network);
* W2: W1 at minibatch 100;
* W3: MLP 784 -> 30 -> 30 -> 30 -> 30 -> 10, sigmoid, SGD lr 0.1, minibatch 10 (Nielsen's);
* one step = forward + backward + SGD update, f32, softmax cross-entropy (mean over
  the minibatch), normalized (Glorot uniform) weights, zero biases, inputs uniform
  in [-1, 1], labels i mod classes;
* MM10 / MM100: the bare product [rows, 1000] @ [1000, 1000] in f32.

Timing as gradlab's: a warm-up of a tenth of the time, then 10 repetitions of a
tenth each; the median rate is reported.

Usage: python workloads.py {numpy,torch} {W1,W2,W3,MM10,MM100} THREADS SECONDS
Set the BLAS thread variables before starting Python (compare.py does);
PyTorch's intra-op threads are also set here with torch.set_num_threads.
"""

import sys
import time

import numpy as np

WORKLOADS = {
    "W1": dict(widths=[1024] + [1000] * 5 + [9], activation="tanh", lr=0.01, batch=10),
    "W2": dict(widths=[1024] + [1000] * 5 + [9], activation="tanh", lr=0.01, batch=100),
    "W3": dict(widths=[784, 30, 30, 30, 30, 10], activation="sigmoid", lr=0.1, batch=10),
}
PRODUCTS = {"MM10": 10, "MM100": 100}


def rate(seconds, run, repetitions=10):
    """Median, min and max calls per second of `run`, after a warm-up."""

    def run_for(secs):
        started = time.perf_counter()
        done = 0
        while done == 0 or time.perf_counter() - started < secs:
            run()
            done += 1
        return done / (time.perf_counter() - started)

    run_for(seconds / 10)
    rates = sorted(run_for(seconds / repetitions) for _ in range(repetitions))
    return rates[len(rates) // 2], rates[0], rates[-1]


def glorot(rng, n_in, n_out):
    bound = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-bound, bound, size=(n_in, n_out)).astype(np.float32)


def data(w, rng):
    x = rng.uniform(-1.0, 1.0, size=(w["batch"], w["widths"][0])).astype(np.float32)
    labels = np.arange(w["batch"]) % w["widths"][-1]
    return x, labels


def numpy_step(w):
    """A training step written by hand with numpy: forward, backward, SGD in place."""
    rng = np.random.default_rng(1)
    widths = w["widths"]
    weights = [glorot(rng, a, b) for a, b in zip(widths[:-1], widths[1:])]
    biases = [np.zeros(b, dtype=np.float32) for b in widths[1:]]
    x, labels = data(w, rng)
    lr = np.float32(w["lr"])
    sigmoid = w["activation"] == "sigmoid"

    def step():
        zs = [x]
        for W, b in zip(weights[:-1], biases[:-1]):
            s = zs[-1] @ W + b
            zs.append(1.0 / (1.0 + np.exp(-s)) if sigmoid else np.tanh(s))
        logits = zs[-1] @ weights[-1] + biases[-1]
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        delta = p
        delta[np.arange(len(labels)), labels] -= 1.0
        delta /= np.float32(len(labels))
        for layer in range(len(weights) - 1, -1, -1):
            z = zs[layer]
            grad_w = z.T @ delta
            grad_b = delta.sum(axis=0)
            if layer > 0:
                back = delta @ weights[layer].T
                delta = back * (z * (1.0 - z) if sigmoid else 1.0 - z * z)
            weights[layer] -= lr * grad_w
            biases[layer] -= lr * grad_b

    return step


def torch_step(w):
    """The same step in PyTorch: nn.Sequential, CrossEntropyLoss, optim.SGD."""
    import torch

    torch.manual_seed(1)
    widths = w["widths"]
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        linear = torch.nn.Linear(a, b)
        torch.nn.init.xavier_uniform_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(widths) - 2:
            layers.append(torch.nn.Sigmoid() if w["activation"] == "sigmoid" else torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=w["lr"])
    loss = torch.nn.CrossEntropyLoss()
    x_np, labels_np = data(w, np.random.default_rng(1))
    x, labels = torch.from_numpy(x_np), torch.from_numpy(labels_np)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss(model(x), labels).backward()
        optimizer.step()

    return step


def product(framework, rows):
    rng = np.random.default_rng(1)
    a = rng.uniform(-1.0, 1.0, size=(rows, 1000)).astype(np.float32)
    b = rng.uniform(-0.05, 0.05, size=(1000, 1000)).astype(np.float32)
    if framework == "numpy":
        out = np.empty((rows, 1000), dtype=np.float32)
        return lambda: np.matmul(a, b, out=out)
    import torch

    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    out = torch.empty(rows, 1000)
    return lambda: torch.mm(ta, tb, out=out)


def main():
    framework, workload, threads, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
        torch.set_grad_enabled(workload in WORKLOADS)
    if workload in PRODUCTS:
        run = product(framework, PRODUCTS[workload])
    else:
        run = (numpy_step if framework == "numpy" else torch_step)(WORKLOADS[workload])
    median, low, high = rate(seconds, run)
    print(f"{framework}/{workload} {threads} {median:.1f} min={low:.1f} max={high:.1f}")


if __name__ == "__main__":
    main()
