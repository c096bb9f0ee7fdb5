//! Matrix multiplication: matrixmultiply's `sgemm` / `dgemm`, and three
//! paths of our own for the shapes of minibatch training
//! ([`kernels`](crate::kernels); [`plan::choose`](crate::kernels::plan) picks one).
//!
//! The views' strides go straight to the kernels, which pack or stream their
//! operands themselves: a transposed, sliced, flipped or broadcast operand is
//! never copied first. The only allocation is the output. In order of trial:
//! products with few rows in A (at most 16; in f32 on AVX-512 up to 50) — a
//! minibatch times a weight matrix — go to
//! [`small_matmul`](crate::kernels::small_matmul); products with a short inner
//! dimension (k ≤ 16) — a weight gradient zᵀ·∂C/∂s — go to
//! [`rank_update`](crate::kernels::rank_update), which also serves the in-place
//! [`Tensor::addmm_assign`]; in f32 on AVX-512 everything else goes to
//! [`packed_gemm`](crate::kernels::packed_gemm); the rest (f64, other CPUs) to
//! matrixmultiply.
//!
//! Threads: with [`set_threads`](crate::set_threads)(n) > 1, a large product is
//! split by columns of C over persistent worker threads
//! ([`threads`](mod@crate::kernels::threads)), each taking units of columns as it goes
//! ([`column_shares`](crate::kernels::column_shares)).

use smallvec::SmallVec;

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::kernels::column_shares::{Claim, ColumnShares};
use crate::kernels::packed_gemm::try_packed_gemm_claiming;
use crate::kernels::plan::{choose, record, Path};
use crate::kernels::rank_update::try_rank_update;
use crate::kernels::small_matmul::try_small_matmul;
use crate::layout::{broadcast_shapes, contiguous_strides, walk, Layout, Shape};
use crate::tensor::Tensor;

impl<E: Element> Tensor<E> {
    /// Matrix product of the last two axes: `[.., m, k] × [.., k, n] → [.., m, n]`.
    ///
    /// Both operands need at least two axes; leading (batch) axes broadcast as in
    /// NumPy's `matmul`.
    pub fn try_matmul(&self, rhs: &Tensor<E>) -> Result<Self> {
        let op = "matmul";
        let (a_shape, b_shape) = (self.shape(), rhs.shape());
        if a_shape.len() < 2 || b_shape.len() < 2 {
            return Err(TensorError::mismatch(op, a_shape, b_shape, "both operands need at least 2 axes"));
        }
        let (m, k) = (a_shape[a_shape.len() - 2], a_shape[a_shape.len() - 1]);
        let (k2, n) = (b_shape[b_shape.len() - 2], b_shape[b_shape.len() - 1]);
        if k != k2 {
            return Err(TensorError::mismatch(
                op,
                a_shape,
                b_shape,
                format!("inner dimensions differ ({k} columns against {k2} rows)"),
            ));
        }
        if a_shape.len() == 2 && b_shape.len() == 2 {
            return Ok(self.matrix_product(rhs, (m, k, n)));
        }
        let batch = broadcast_shapes(&a_shape[..a_shape.len() - 2], &b_shape[..b_shape.len() - 2], op)?;
        let a = broadcast_batch(&self.layout, &batch, op)?;
        let b = broadcast_batch(&rhs.layout, &batch, op)?;

        let mut out_shape = batch.clone();
        out_shape.extend_from_slice(&[m, n]);
        let batch_out_strides: SmallVec<[isize; 6]> =
            contiguous_strides(&batch).iter().map(|&s| s * (m * n) as isize).collect();
        let (a_st, b_st) = (a.strides(), b.strides());
        let r = batch.len();
        let product = Product {
            a: Operand { ptr: self.storage.as_ptr(), rs: a_st[r], cs: a_st[r + 1] },
            b: Operand { ptr: rhs.storage.as_ptr(), rs: b_st[r], cs: b_st[r + 1] },
            m,
            k,
            n,
            alpha: E::ONE,
            beta: E::ZERO,
        };
        let fill = |c_base: *mut E| {
            walk(
                &batch,
                [&a_st[..r], &b_st[..r], &batch_out_strides],
                [a.offset(), b.offset(), 0],
                // SAFETY: the layouts were validated against their storage when
                // the views were built, so every element reachable from these
                // offsets is in bounds; the output has room for exactly
                // [batch.., m, n] and is disjoint from the inputs.
                |[ia, ib, ic]| unsafe { product.run(ia, ib, c_base.add(ic)) },
            )
        };
        // SAFETY: `walk` visits every batch element once, and each product
        // writes its m×n block.
        Ok(unsafe { written_by_products(&out_shape, k, fill) })
    }

    /// [`try_matmul`](Tensor::try_matmul) of two matrices, whose shapes fit:
    /// one product and no batch axes to broadcast (for a product of a few
    /// hundred multiply-adds, the broadcasting took as long as the product).
    fn matrix_product(&self, rhs: &Tensor<E>, (m, k, n): (usize, usize, usize)) -> Self {
        let product = Product {
            a: Operand::of_matrix(self),
            b: Operand::of_matrix(rhs),
            m,
            k,
            n,
            alpha: E::ONE,
            beta: E::ZERO,
        };
        // SAFETY: both views were validated against their storage when built;
        // the output holds m·n elements and is disjoint from the inputs.
        let fill = |c| unsafe { product.run(self.layout.offset, rhs.layout.offset, c) };
        // SAFETY: the product writes all of its m×n C.
        unsafe { written_by_products(&[m, n], k, fill) }
    }

    /// Matrix product; panics if the shapes do not fit.
    #[track_caller]
    pub fn matmul(&self, rhs: &Tensor<E>) -> Self {
        or_panic(self.try_matmul(rhs))
    }

    /// In place `self ← α·a·b + β·self` for 2-d operands (BLAS's GEMM), written
    /// straight into `self`'s buffer when it is the only user of a contiguous one
    /// (else into a private copy first). With β = 1 and α = −lr this applies an SGD
    /// step whose weight gradient aᵀ… is never stored.
    pub fn try_addmm_assign(&mut self, a: &Tensor<E>, b: &Tensor<E>, alpha: E, beta: E) -> Result<()> {
        let op = "addmm_assign";
        let (&[m, k], &[k2, n]) = (a.shape(), b.shape()) else {
            return Err(TensorError::mismatch(op, a.shape(), b.shape(), "both operands must be matrices"));
        };
        if k != k2 || self.shape() != [m, n] {
            return Err(TensorError::mismatch(
                op,
                a.shape(),
                b.shape(),
                format!("product does not fit into {:?}", self.shape()),
            ));
        }
        let c = self.unique_contiguous_mut();
        let product = Product { a: Operand::of_matrix(a), b: Operand::of_matrix(b), m, k, n, alpha, beta };
        // SAFETY: a and b are valid views of their storage; c holds m·n contiguous
        // elements from `offset` and is not shared with a or b (it is uniquely owned).
        unsafe { product.run(a.layout.offset, b.layout.offset, c.as_mut_ptr()) };
        Ok(())
    }

    /// In-place GEMM (see [`try_addmm_assign`](Tensor::try_addmm_assign)); panics on shapes that do not fit.
    #[track_caller]
    pub fn addmm_assign(&mut self, a: &Tensor<E>, b: &Tensor<E>, alpha: E, beta: E) {
        or_panic(self.try_addmm_assign(a, b, alpha, beta))
    }
}

/// A matrix operand in memory: element (i, j) at `ptr + i·rs + j·cs` (strides
/// in elements, possibly negative or zero).
#[derive(Clone, Copy)]
pub(crate) struct Operand<E> {
    /// Element (0, 0).
    pub(crate) ptr: *const E,
    /// Row stride.
    pub(crate) rs: isize,
    /// Column stride.
    pub(crate) cs: isize,
}

impl<E> Operand<E> {
    /// A 2-d tensor's buffer and strides (its offset is added when it is run).
    fn of_matrix(t: &Tensor<E>) -> Self
    where
        E: Element,
    {
        let strides = t.strides();
        Operand { ptr: t.storage.as_ptr(), rs: strides[0], cs: strides[1] }
    }

    /// The same matrix from element offset `offset` of its buffer on.
    ///
    /// # Safety
    /// `offset` stays inside the operand's buffer.
    unsafe fn at(self, offset: isize) -> Self {
        // SAFETY: forwarded.
        Operand { ptr: unsafe { self.ptr.offset(offset) }, ..self }
    }

    /// The same matrix with its elements read as f32, for an f32 kernel whose
    /// caller has checked that E is f32.
    pub(crate) fn into_f32(self) -> Operand<f32> {
        Operand { ptr: self.ptr as *const f32, rs: self.rs, cs: self.cs }
    }
}

/// One matrix product of a batch, C ← α·A·B + β·C: A (m×k) and B (k×n).
#[derive(Clone, Copy)]
struct Product<E> {
    a: Operand<E>,
    b: Operand<E>,
    m: usize,
    k: usize,
    n: usize,
    alpha: E,
    beta: E,
}

impl<E: Element> Product<E> {
    /// C = A·B for the batch element at offsets `ia`, `ib`, into `c` (row-major m×n),
    /// over `threads()` threads by columns of C when the product is large enough
    /// (shared out as [`ColumnShares`] says).
    ///
    /// # Safety
    /// The offsets and strides address elements inside A's and B's storage; `c` has
    /// room for m·n elements.
    unsafe fn run(&self, ia: usize, ib: usize, c: *mut E) {
        let workers = crate::kernels::threads::threads().min(self.n / 64).max(1);
        if workers == 1 || self.m * self.k * self.n < 1 << 20 {
            let mut all = Some(Claim { columns: 0..self.n, then: None });
            // SAFETY: forwarded; the one claim is all of C.
            return unsafe { self.claimed_columns(ia, ib, c, &mut || all.take()) };
        }
        // SAFETY: the offsets are inside A's and B's storage.
        let b = unsafe { self.b.at(ib as isize) };
        // Units pay where A is not packed again for each unit: in the packed
        // GEMM with A packed whole, and in the AVX2 strip kernel's passes over
        // a large B for a row-major A of many rows (read where it lies).
        let path = choose((self.m, self.k, self.n), (self.alpha, self.beta), self.a, b);
        let in_units = match path {
            Path::PackedGemm => crate::kernels::packed_gemm::packs_a_whole::<E>((self.m, self.k)),
            Path::SmallRows => {
                crate::kernels::small_matmul::passes_many_rows::<E>((self.m, self.k, self.n), self.a, b)
            }
            _ => false,
        };
        let shares = if in_units {
            ColumnShares::in_units(self.n, workers)
        } else {
            ColumnShares::in_stretches(self.n, workers)
        };
        let (this, c) = (crate::kernels::threads::Shared(*self), crate::kernels::threads::Shared(c));
        let part = |w: usize| {
            // Borrow the wrappers whole (not their fields) so the closure is `Sync`.
            let (this, c) = (&this, &c);
            // SAFETY: each claim's columns of C are this part's alone, and
            // `run_parallel` returns only after every part is done.
            unsafe { this.0.claimed_columns(ia, ib, c.0, &mut || shares.claim(w)) }
        };
        crate::kernels::threads::run_parallel(workers, &part);
    }

    /// The columns of C of each claim `claim` returns, until None, by the
    /// path the plan chooses ([`choose`]; it does not depend on the columns).
    /// The packed GEMM takes the first claim it gets and every later one at
    /// once, to pack A once for all of them.
    ///
    /// # Safety
    /// As for [`run`](Product::run); the claims lie in `0..n`, and no other
    /// thread writes their columns meanwhile.
    unsafe fn claimed_columns(
        &self,
        ia: usize,
        ib: usize,
        c: *mut E,
        claim: &mut dyn FnMut() -> Option<Claim>,
    ) {
        let (m, k, n, alpha, beta) = (self.m, self.k, self.n, self.alpha, self.beta);
        // SAFETY: the offsets are inside A's and B's storage.
        let (a, b) = unsafe { (self.a.at(ia as isize), self.b.at(ib as isize)) };
        let path = choose((m, k, n), (alpha, beta), a, b);
        record(path);
        while let Some(this_claim) = claim() {
            let columns = this_claim.columns.clone();
            // SAFETY (this block): column `columns.start` of B and C is inside
            // them; the paths' contracts are this function's; C's rows are n apart.
            unsafe {
                let (b_part, c_part) = (b.at(columns.start as isize * b.cs), c.add(columns.start));
                let shape = (m, k, columns.len());
                let taken = match path {
                    Path::SmallRows => try_small_matmul(shape, a, b_part, c_part, n),
                    Path::RankUpdate => try_rank_update(shape, alpha, a, b_part, beta, c_part, n),
                    Path::PackedGemm => {
                        if try_packed_gemm_claiming((m, k, n), (alpha, a, b, beta), (c, n), this_claim, claim)
                        {
                            return;
                        }
                        false
                    }
                    Path::Matrixmultiply => false,
                };
                if !taken {
                    // matrixmultiply: the plan's choice, or the path every
                    // instruction set has when a kernel declined what the plan
                    // gave it — which happens only when another thread forced
                    // another set (`set_isa`) between the plan and the kernel.
                    if path != Path::Matrixmultiply {
                        record(Path::Matrixmultiply);
                    }
                    let (bs, cs) = (b_part.ptr, c_part);
                    E::gemm(m, k, shape.2, alpha, a.ptr, a.rs, a.cs, bs, b.rs, b.cs, beta, cs, n as isize, 1);
                }
            }
        }
    }
}

/// A new tensor of `shape` whose elements `fill` writes through the pointer
/// it is given (the products' C, row-major, β = 0), or zeros when it has no
/// elements or the inner dimension `k` is 0. The output is written, never
/// read, by the GEMMs, so it is not zeroed first: for a 1000×1000 weight
/// gradient that saves a 4 MB memset.
///
/// # Safety
/// `fill` writes every element of the row-major `shape` from the pointer on.
unsafe fn written_by_products<E: Element>(shape: &[usize], k: usize, fill: impl FnOnce(*mut E)) -> Tensor<E> {
    let len: usize = shape.iter().product();
    if len == 0 || k == 0 {
        return Tensor::zeros(shape);
    }
    let mut buffer = crate::storage::take::<E>(len);
    let out = std::sync::Arc::get_mut(&mut buffer).expect("a buffer from the pool is unshared");
    fill(out.as_mut_ptr());
    // SAFETY: `fill` wrote each of the len elements (this function's contract).
    unsafe { out.set_len(len) };
    Tensor::from_storage(buffer, shape)
}

/// Broadcasts a matrix operand's leading axes to `batch`, keeping its last two axes.
fn broadcast_batch(layout: &Layout, batch: &[usize], op: &'static str) -> Result<Layout> {
    let rank = layout.shape.len();
    let mut target: Shape = batch.into();
    target.extend_from_slice(&layout.shape[rank - 2..]);
    layout.broadcast_to(&target, op)
}
