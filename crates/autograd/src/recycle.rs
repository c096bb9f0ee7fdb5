//! Spare vectors, kept per thread so that a training loop's tapes reuse their
//! memory: a dropped tape gives back its node list, backward its bookkeeping,
//! and the next step takes them again instead of allocating. With the tensor
//! buffers' own pool (in `tensor`), a loop's later steps allocate nothing.

use std::any::Any;
use std::cell::RefCell;

/// Spares kept per element type; more are dropped.
const SPARES_PER_TYPE: usize = 8;

thread_local! {
    /// One slot per element type: a `Vec<Vec<T>>` of empty vectors with capacity.
    static SPARES: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// An empty vector: a spare of this thread (keeping its capacity) if there is one.
pub(crate) fn take<T: 'static>() -> Vec<T> {
    SPARES
        .try_with(|spares| {
            let mut spares = spares.borrow_mut();
            spares.iter_mut().find_map(|slot| slot.downcast_mut::<Vec<Vec<T>>>()).and_then(Vec::pop)
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Empties `v` and keeps it (with its capacity) as a spare for [`take`].
pub(crate) fn give<T: 'static>(mut v: Vec<T>) {
    v.clear();
    if v.capacity() == 0 {
        return;
    }
    let _ = SPARES.try_with(|spares| {
        let mut spares = spares.borrow_mut();
        match spares.iter_mut().find_map(|slot| slot.downcast_mut::<Vec<Vec<T>>>()) {
            Some(slot) if slot.len() < SPARES_PER_TYPE => slot.push(v),
            Some(_) => {}
            None => spares.push(Box::new(vec![v])),
        }
    });
}
