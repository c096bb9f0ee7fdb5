//! A tensor's buffer, and the per-thread pool that recycles buffers.
//!
//! A training step makes the same tensors every time — activations, gradients,
//! a 4 MB weight gradient — and drops them a moment later. Left to the
//! allocator, that is a hundred or more heap allocations per step, and large
//! buffers go back to the operating system, so every step pays page faults to
//! get them again. Instead, when the last tensor using a buffer is dropped, the
//! buffer (with its reference count block) goes to its thread's pool, and the
//! next tensor of a size it can hold takes it back: once a training loop has run
//! a step, its later steps find every buffer they need in the pool.
//!
//! The pool keeps buffers by size class: class c holds buffers of at least 2^c
//! elements, and a buffer made for the pool is rounded up to a power of two, so
//! any buffer of a class fits any request of that class. What the pool keeps
//! idle is bounded (per thread and element type) by [`POOL_LIMIT_BYTES`].

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::element::Element;

/// The most bytes of idle buffers one thread keeps per element type.
pub(crate) const POOL_LIMIT_BYTES: usize = 512 << 20;
/// Size classes: up to 2^47 elements.
const CLASSES: usize = 48;

/// The elements behind one or more tensors.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Storage<E: Element>(Vec<E>);

impl<E: Element> Storage<E> {
    /// Wraps a vector.
    pub(crate) fn new(data: Vec<E>) -> Self {
        Storage(data)
    }
}

impl<E: Element> Deref for Storage<E> {
    type Target = Vec<E>;
    fn deref(&self) -> &Vec<E> {
        &self.0
    }
}

impl<E: Element> DerefMut for Storage<E> {
    fn deref_mut(&mut self) -> &mut Vec<E> {
        &mut self.0
    }
}

/// Idle buffers of one element type on one thread. (Public only so that the
/// sealed [`Element`] trait can name it; the module is private.)
pub struct Pool<E: Element> {
    /// `classes[c]`: unshared buffers with capacity ≥ 2^c (and < 2^(c+1) unless
    /// they came from a user's vector).
    classes: [Vec<Arc<Storage<E>>>; CLASSES],
    /// Bytes held, by capacity.
    bytes: usize,
}

impl<E: Element> Pool<E> {
    /// An empty pool.
    pub const fn new() -> Self {
        Pool { classes: [const { Vec::new() }; CLASSES], bytes: 0 }
    }
}

/// The per-thread pool of one element type, as [`Element::with_pool`] keeps it.
pub type ThreadPool<E> = RefCell<Pool<E>>;

/// The class a request for `len` elements is served from: the smallest c with 2^c ≥ len.
fn request_class(len: usize) -> usize {
    len.max(1).next_power_of_two().trailing_zeros() as usize
}

/// An empty, unshared buffer with room for `len` elements: a recycled one when
/// the pool has one of the class, else a new one with capacity rounded up to the
/// class's power of two (so that, recycled, it serves the same requests again).
pub(crate) fn take<E: Element>(len: usize) -> Arc<Storage<E>> {
    let class = request_class(len);
    let recycled = E::with_pool(|pool| {
        let mut pool = pool.borrow_mut();
        let buffer = pool.classes.get_mut(class)?.pop()?;
        pool.bytes -= buffer.capacity() * size_of::<E>();
        Some(buffer)
    })
    .flatten();
    match recycled {
        Some(mut buffer) => {
            Arc::get_mut(&mut buffer).expect("pooled buffers are unshared").clear();
            buffer
        }
        None => Arc::new(Storage(Vec::with_capacity(1 << class))),
    }
}

/// Gives a tensor's buffer back: into the pool when this was its last user and
/// the pool has room, else it is simply dropped (or its count decremented).
pub(crate) fn recycle<E: Element>(mut buffer: Arc<Storage<E>>) {
    let Some(storage) = Arc::get_mut(&mut buffer) else { return };
    let capacity = storage.capacity();
    if capacity == 0 {
        return;
    }
    // The largest class whose requests this buffer can serve.
    let class = (usize::BITS - 1 - capacity.leading_zeros()) as usize;
    let bytes = capacity * size_of::<E>();
    E::with_pool(|pool| {
        let mut pool = pool.borrow_mut();
        if class < CLASSES && pool.bytes + bytes <= POOL_LIMIT_BYTES {
            pool.bytes += bytes;
            pool.classes[class].push(buffer);
        }
    });
}

/// Runs `f` with an empty scratch buffer from the pool (room for `len`
/// elements) and gives the buffer back afterwards — for a kernel's temporary copy.
pub(crate) fn with_scratch<E: Element, R>(len: usize, f: impl FnOnce(&mut Vec<E>) -> R) -> R {
    let mut buffer = take::<E>(len);
    let result = f(Arc::get_mut(&mut buffer).expect("a buffer from the pool is unshared"));
    recycle(buffer);
    result
}

/// Runs `f` with room for `len` f32 values from the pool, 64-byte aligned and
/// uninitialized (the caller writes every value it reads) — for a kernel's
/// packed operands, whose aligned vector loads then stay within cache lines.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) fn with_aligned_scratch<R>(len: usize, f: impl FnOnce(*mut f32) -> R) -> R {
    let room = len + 16;
    with_scratch(room, |buffer: &mut Vec<f32>| {
        buffer.reserve(room);
        let spare = buffer.spare_capacity_mut().as_mut_ptr() as *mut f32;
        f(spare.wrapping_add(spare.align_offset(64).min(16)))
    })
}

/// Bytes of idle buffers this thread's pool holds (both element types).
/// Buffers still used by a tensor are not counted.
pub fn pooled_bytes() -> usize {
    fn of<E: Element>() -> usize {
        E::with_pool(|pool| pool.borrow().bytes).unwrap_or(0)
    }
    of::<f32>() + of::<f64>()
}

/// Frees every idle buffer of this thread's pool and returns the bytes freed —
/// e.g. when a thread has finished one large job and goes on to smaller ones.
/// Tensors in use are untouched; the pool refills as new tensors are dropped.
pub fn trim_pool() -> usize {
    fn trim<E: Element>() -> usize {
        E::with_pool(|pool| {
            let mut pool = pool.borrow_mut();
            pool.classes.iter_mut().for_each(Vec::clear);
            std::mem::take(&mut pool.bytes)
        })
        .unwrap_or(0)
    }
    trim::<f32>() + trim::<f64>()
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn a_dropped_buffer_serves_the_next_tensor_of_its_class() {
        let a = Tensor::<f32>::zeros(&[1000]);
        let buffer = a.storage.as_ptr();
        drop(a);
        // 600 elements ask for class 2^10, as 1000 did.
        let b = Tensor::<f32>::ones(&[600]);
        assert_eq!(b.storage.as_ptr(), buffer);
        assert!(b.to_vec().iter().all(|&x| x == 1.0));
    }

    #[test]
    fn a_buffer_stays_out_of_the_pool_while_a_view_uses_it() {
        let a = Tensor::<f64>::from_vec((0..1000).map(f64::from).collect(), &[10, 100]);
        let view = a.t();
        let buffer = a.storage.as_ptr();
        drop(a);
        let b = Tensor::<f64>::zeros(&[10, 100]);
        assert_ne!(b.storage.as_ptr(), buffer);
        assert_eq!(view.get(&[99, 9]), 999.0);
        // Once the view goes too, the buffer is free for the next tensor. (The
        // user's vector holds 1000, so it serves the class of up to 512.)
        drop(view);
        let c = Tensor::<f64>::zeros(&[512]);
        assert_eq!(c.storage.as_ptr(), buffer);
    }

    #[test]
    fn the_pool_counts_the_bytes_it_holds() {
        use crate::Element;
        let held = || f64::with_pool(|pool| pool.borrow().bytes).expect("the pool is alive");
        let before = held();
        let a = Tensor::<f64>::zeros(&[3000]);
        let capacity = a.storage.capacity();
        assert_eq!(capacity, 4096, "a new buffer is rounded up to its class");
        drop(a);
        assert_eq!(held(), before + 4096 * 8);
        let _b = Tensor::<f64>::zeros(&[2049]);
        assert_eq!(held(), before);
    }

    #[test]
    fn the_pool_reports_its_size_and_trims_to_nothing() {
        drop(Tensor::<f32>::zeros(&[5000]));
        drop(Tensor::<f64>::zeros(&[300]));
        let held = crate::pooled_bytes();
        assert!(held >= 8192 * 4 + 512 * 8, "both element types are counted: {held}");
        assert_eq!(crate::trim_pool(), held);
        assert_eq!(crate::pooled_bytes(), 0);
        // A tensor in use is untouched, and goes to the emptied pool when dropped.
        let kept = Tensor::<f32>::ones(&[100]);
        assert_eq!(crate::trim_pool(), 0);
        drop(kept);
        assert_eq!(crate::pooled_bytes(), 128 * 4);
    }
}
