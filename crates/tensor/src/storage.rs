//! A tensor's buffer, and a small per-thread pool of large buffers.
//!
//! Training allocates the same large buffers every step (a 1000×1000 weight
//! gradient is 4 MB) and frees them a moment later. Left to the allocator, such
//! buffers go back to the operating system and every step pays page faults to
//! get them again. Instead, a large buffer dropped by the last tensor using it is
//! kept in its thread's pool, and the next large allocation of a size it can hold
//! takes it back. Small buffers go straight to the allocator.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use crate::element::Element;

/// Buffers of at least this many elements are pooled.
const POOLED: usize = 1 << 16;
/// At most this many buffers are kept per thread and element type.
const POOL_SIZE: usize = 16;

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

impl<E: Element> Drop for Storage<E> {
    fn drop(&mut self) {
        if self.0.capacity() >= POOLED {
            let buffer = std::mem::take(&mut self.0);
            E::with_pool(|pool| {
                let mut pool = pool.borrow_mut();
                if pool.len() < POOL_SIZE {
                    pool.push(buffer);
                }
            });
        }
    }
}

/// An empty vector with room for `len` elements: a pooled one when one fits,
/// else a fresh allocation.
pub(crate) fn with_capacity<E: Element>(len: usize) -> Vec<E> {
    if len >= POOLED {
        let reused = E::with_pool(|pool| {
            let mut pool = pool.borrow_mut();
            // The smallest pooled buffer that fits, so big ones stay for big requests.
            let best =
                (0..pool.len()).filter(|&i| pool[i].capacity() >= len).min_by_key(|&i| pool[i].capacity());
            best.map(|i| pool.swap_remove(i))
        });
        if let Some(mut buffer) = reused {
            buffer.clear();
            return buffer;
        }
    }
    Vec::with_capacity(len)
}

/// A per-thread pool of large buffers of one element type.
pub(crate) type Pool<E> = RefCell<Vec<Vec<E>>>;
