//! The [`Tensor`] type: shared storage plus a [`Layout`], its constructors and accessors.

use std::mem::ManuallyDrop;
use std::sync::Arc;

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::layout::{walk, Layout};
use crate::storage::{self, Storage};

/// An N-dimensional array of `f32` or `f64`.
///
/// A tensor is a reference-counted buffer plus a [`Layout`] (shape, strides,
/// offset). Cloning is cheap and shares the buffer; view operations
/// ([`transpose`](Tensor::transpose), [`narrow`](Tensor::narrow),
/// [`broadcast_to`](Tensor::broadcast_to), ...) share it too. Tensors are
/// immutable values: every op returns a new tensor.
///
/// ```
/// use tensor::Tensor;
/// let a = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
/// let b = a.t();                        // a 3×2 view, no copy
/// assert_eq!(b.shape(), &[3, 2]);
/// assert_eq!(b.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
/// let c = a.matmul(&b);                 // 2×2
/// assert_eq!(c.to_vec(), vec![14.0, 32.0, 32.0, 77.0]);
/// ```
#[derive(Clone)]
pub struct Tensor<E: Element> {
    /// Taken out only by `drop`, which recycles the buffer (see `storage.rs`).
    pub(crate) storage: ManuallyDrop<Arc<Storage<E>>>,
    pub(crate) layout: Layout,
}

impl<E: Element> Drop for Tensor<E> {
    /// The last tensor using a buffer gives it to its thread's pool for reuse.
    fn drop(&mut self) {
        // SAFETY: `storage` is taken once, here, and never used again.
        storage::recycle(unsafe { ManuallyDrop::take(&mut self.storage) });
    }
}

impl<E: Element> Default for Tensor<E> {
    /// [`Tensor::empty`]: no elements.
    fn default() -> Self {
        Self::empty()
    }
}

impl<E: Element> Tensor<E> {
    // ----- construction --------------------------------------------------------

    /// Builds a tensor from row-major data, checking that its length fits the shape.
    pub fn try_from_vec(data: Vec<E>, shape: &[usize]) -> Result<Self> {
        let numel: usize = shape.iter().product();
        if data.len() != numel {
            return Err(TensorError::invalid(
                "from_vec",
                shape,
                format!("{} values given, the shape holds {numel}", data.len()),
            ));
        }
        Ok(Self::from_contiguous(data, shape))
    }

    /// Builds a tensor from row-major data; panics if the length does not fit the shape.
    #[track_caller]
    pub fn from_vec(data: Vec<E>, shape: &[usize]) -> Self {
        or_panic(Self::try_from_vec(data, shape))
    }

    /// Wraps data whose length is known to match the shape.
    pub(crate) fn from_contiguous(data: Vec<E>, shape: &[usize]) -> Self {
        debug_assert_eq!(data.len(), shape.iter().product::<usize>());
        Tensor { storage: ManuallyDrop::new(Arc::new(Storage::new(data))), layout: Layout::contiguous(shape) }
    }

    /// A contiguous tensor of `shape` whose elements `fill` pushes, in row-major
    /// order, into a buffer from the pool — how every op makes its output, so a
    /// training loop reuses its buffers instead of allocating.
    pub(crate) fn build(shape: &[usize], fill: impl FnOnce(&mut Vec<E>)) -> Self {
        Self::build_with_layout(Layout::contiguous(shape), fill)
    }

    /// As [`build`](Tensor::build), for a gap-free `layout` with offset 0: `fill`
    /// pushes the elements in memory order.
    pub(crate) fn build_with_layout(layout: Layout, fill: impl FnOnce(&mut Vec<E>)) -> Self {
        let len = layout.shape.iter().product();
        let mut buffer = storage::take::<E>(len);
        fill(Arc::get_mut(&mut buffer).expect("a buffer from the pool is unshared"));
        assert_eq!(buffer.len(), len, "an op filled {} of {len} elements", buffer.len());
        Tensor { storage: ManuallyDrop::new(buffer), layout }
    }

    /// Wraps a filled buffer of exactly the shape's length.
    pub(crate) fn from_storage(buffer: Arc<Storage<E>>, shape: &[usize]) -> Self {
        debug_assert_eq!(buffer.len(), shape.iter().product::<usize>());
        Tensor { storage: ManuallyDrop::new(buffer), layout: Layout::contiguous(shape) }
    }

    /// Builds a view of existing storage (used by the view ops).
    pub(crate) fn with_layout(&self, layout: Layout) -> Self {
        Tensor { storage: ManuallyDrop::new(Arc::clone(&self.storage)), layout }
    }

    /// A tensor of the given shape with every element `value`.
    pub fn full(shape: &[usize], value: E) -> Self {
        Self::build(shape, |out| out.resize(shape.iter().product(), value))
    }

    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Self {
        Self::full(shape, E::ZERO)
    }

    /// A tensor of ones.
    pub fn ones(shape: &[usize]) -> Self {
        Self::full(shape, E::ONE)
    }

    /// A zero-dimensional tensor holding one value.
    pub fn scalar(value: E) -> Self {
        Self::build(&[], |out| out.push(value))
    }

    /// A 1-d tensor of no elements (also [`Default`]): a placeholder, e.g.
    /// for `std::mem::take` of a tensor whose buffer moves elsewhere.
    pub fn empty() -> Self {
        Self::zeros(&[0])
    }

    /// A zero tensor with the same shape as `self`.
    pub fn zeros_like(&self) -> Self {
        Self::zeros(self.shape())
    }

    /// The 1-d tensor `[start, start + step, ...]` of values below `end` (as NumPy's
    /// `arange`). Panics if `step` is zero or not finite.
    #[track_caller]
    pub fn arange(start: E, end: E, step: E) -> Self {
        let (start, end, step) = (start.to_f64(), end.to_f64(), step.to_f64());
        assert!(step != 0.0 && step.is_finite(), "arange: step must be finite and non-zero, got {step}");
        let count = ((end - start) / step).ceil().max(0.0) as usize;
        let data: Vec<E> = (0..count).map(|i| E::from_f64(start + i as f64 * step)).collect();
        Self::from_contiguous(data, &[count])
    }

    /// `count` evenly spaced values from `start` to `end`, both included.
    pub fn linspace(start: E, end: E, count: usize) -> Self {
        let (a, b) = (start.to_f64(), end.to_f64());
        let data: Vec<E> = match count {
            0 => vec![],
            1 => vec![start],
            _ => (0..count).map(|i| E::from_f64(a + (b - a) * i as f64 / (count - 1) as f64)).collect(),
        };
        Self::from_contiguous(data, &[count])
    }

    /// One-hot rows for integer class labels: `[labels.len(), classes]`, with a 1
    /// in column `labels[row]` of each row; an error names a label that is not
    /// below `classes`.
    pub fn try_one_hot(labels: &[usize], classes: usize) -> Result<Self> {
        if let Some(&bad) = labels.iter().find(|&&l| l >= classes) {
            return Err(TensorError::invalid(
                "one_hot",
                &[labels.len(), classes],
                format!("label {bad} is not below the {classes} classes"),
            ));
        }
        Ok(Self::build(&[labels.len(), classes], |out| {
            out.resize(labels.len() * classes, E::ZERO);
            for (row, &label) in labels.iter().enumerate() {
                out[row * classes + label] = E::ONE;
            }
        }))
    }

    /// One-hot rows for integer labels; panics on a label not below `classes`.
    #[track_caller]
    pub fn one_hot(labels: &[usize], classes: usize) -> Self {
        or_panic(Self::try_one_hot(labels, classes))
    }

    /// The n×n identity matrix.
    pub fn eye(n: usize) -> Self {
        let mut data = vec![E::ZERO; n * n];
        for i in 0..n {
            data[i * n + i] = E::ONE;
        }
        Self::from_contiguous(data, &[n, n])
    }

    // ----- accessors -------------------------------------------------------------

    /// The sizes of the dimensions.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }

    /// The number of dimensions (0 for a scalar).
    pub fn ndim(&self) -> usize {
        self.layout.shape.len()
    }

    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.layout.numel()
    }

    /// The step in elements along each dimension (negative when flipped, 0 when broadcast).
    pub fn strides(&self) -> &[isize] {
        self.layout.strides()
    }

    /// The layout (shape, strides, offset) of this view into its storage.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// True when the elements are stored row-major with no gaps.
    pub fn is_contiguous(&self) -> bool {
        self.layout.is_contiguous()
    }

    /// True when both tensors view the same storage buffer (a view shares, a copy does not).
    pub fn shares_storage_with(&self, other: &Tensor<E>) -> bool {
        Arc::ptr_eq(&self.storage, &other.storage)
    }

    /// The elements as a slice when the tensor is contiguous, `None` otherwise.
    pub fn as_slice(&self) -> Option<&[E]> {
        if self.is_contiguous() {
            let start = self.layout.offset;
            Some(&self.storage[start..start + self.numel()])
        } else {
            None
        }
    }

    /// The elements in row-major logical order, copied into a `Vec`.
    pub fn to_vec(&self) -> Vec<E> {
        let mut out = Vec::with_capacity(self.numel());
        self.push_elements(&mut out);
        out
    }

    /// Pushes the elements onto `out` in row-major logical order.
    fn push_elements(&self, out: &mut Vec<E>) {
        match self.as_slice() {
            Some(slice) => out.extend_from_slice(slice),
            None => {
                let data = &self.storage;
                walk(self.shape(), [self.strides()], [self.layout.offset], |[i]| out.push(data[i]));
            }
        }
    }

    /// The element at a multi-index, or an error naming the index and the shape.
    pub fn try_get(&self, index: &[usize]) -> Result<E> {
        let in_range = index.len() == self.ndim() && index.iter().zip(self.shape()).all(|(&i, &n)| i < n);
        if !in_range {
            return Err(TensorError::invalid(
                "get",
                self.shape(),
                format!("index {index:?} is out of range"),
            ));
        }
        Ok(self.storage[self.layout.index_to_offset(index)])
    }

    /// The element at a multi-index; panics when it is out of range.
    #[track_caller]
    pub fn get(&self, index: &[usize]) -> E {
        or_panic(self.try_get(index))
    }

    /// The value of a one-element tensor (any shape), or an error for other sizes.
    pub fn try_item(&self) -> Result<E> {
        if self.numel() != 1 {
            return Err(TensorError::invalid("item", self.shape(), "only a one-element tensor has an item"));
        }
        Ok(self.storage[self.layout.offset])
    }

    /// The value of a one-element tensor; panics for other sizes.
    #[track_caller]
    pub fn item(&self) -> E {
        or_panic(self.try_item())
    }

    /// Iterates over the elements in row-major logical order.
    pub fn iter(&self) -> std::vec::IntoIter<E> {
        self.to_vec().into_iter()
    }

    /// A contiguous copy, or `self` (sharing storage) when already contiguous.
    pub fn contiguous(&self) -> Self {
        if self.is_contiguous() {
            self.clone()
        } else {
            self.contiguous_copy()
        }
    }

    /// This tensor's elements as a mutable slice, for an in-place update: its own
    /// buffer when it is that buffer's only user and contiguous, else after
    /// replacing it with a private contiguous copy (other users keep the old values).
    pub(crate) fn unique_contiguous_mut(&mut self) -> &mut [E] {
        if !(self.is_contiguous() && Arc::get_mut(&mut self.storage).is_some()) {
            *self = self.contiguous_copy();
        }
        let (start, len) = (self.layout.offset, self.numel());
        &mut Arc::get_mut(&mut self.storage).expect("unique after the copy")[start..start + len]
    }

    /// A contiguous copy in a buffer of its own, whatever the layout.
    pub(crate) fn contiguous_copy(&self) -> Self {
        Self::build(self.shape(), |out| self.push_elements(out))
    }

    /// Converts every element to another element type (e.g. f32 → f64).
    pub fn cast<F: Element>(&self) -> Tensor<F> {
        self.map_to(|v| F::from_f64(v.to_f64()))
    }

    /// Applies `f` to every element, giving a tensor of type `F`.
    ///
    /// A gap-free input (contiguous, or a transposed/permuted view of contiguous
    /// data) is processed in memory order and the result keeps its strides, as
    /// PyTorch does; any other layout gives a contiguous result.
    pub fn map_to<F: Element>(&self, f: impl Fn(E) -> F + Sync) -> Tensor<F> {
        let data = &self.storage;
        if let Some(range) = self.layout.dense_range() {
            let layout = Layout { offset: 0, ..self.layout.clone() };
            return Tensor::build_with_layout(layout, |out| {
                crate::kernels::simd::map_into(out, &data[range], f)
            });
        }
        Tensor::build(self.shape(), |out| {
            walk(self.shape(), [self.strides()], [self.layout.offset], |[i]| out.push(f(data[i])))
        })
    }

    /// Element-wise closeness as NumPy's `allclose`: same shape and
    /// `|a - b| <= atol + rtol·|b|` everywhere (NaNs are never close).
    pub fn allclose(&self, other: &Tensor<E>, rtol: f64, atol: f64) -> bool {
        self.shape() == other.shape()
            && self.iter().zip(other.iter()).all(|(a, b)| {
                let (a, b) = (a.to_f64(), b.to_f64());
                (a - b).abs() <= atol + rtol * b.abs()
            })
    }
}

impl<E: Element> PartialEq for Tensor<E> {
    /// Equal when shapes and all elements are equal (layouts may differ).
    fn eq(&self, other: &Self) -> bool {
        self.shape() == other.shape() && self.iter().eq(other.iter())
    }
}
