//! What the engine remembers between queries: decoded term entries, each
//! recent word's matches, recent answers, recently shown articles' words.
//!
//! A reader types a query a letter at a time, goes back, asks for the
//! next page or another order: most of what a keystroke needs, the last
//! one worked out. Each memory is bounded, so a long session's memory
//! stays flat, and none ever changes an answer, only how soon it comes.
//! They sit behind mutexes because the engine answers through `&self`
//! (the shells share it); a memory is locked only to look up or store,
//! never while the work it saves is done.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere cannot leave a memory half-updated in a way that
    // matters: every update is a single insert or removal.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The last `limit` values stored, by key, least recently used dropped
/// first. For a handful of entries a linear scan beats hashing the keys
/// (whole queries, query words with their filters). Public for the viewer,
/// which keeps its latest rendered answers in one.
pub struct Recent<K, V> {
    limit: usize,
    items: Mutex<VecDeque<(K, V)>>,
}

impl<K: PartialEq, V: Clone> Recent<K, V> {
    pub fn new(limit: usize) -> Recent<K, V> {
        Recent {
            limit,
            items: Mutex::new(VecDeque::with_capacity(limit)),
        }
    }

    /// The value stored for `key`, which becomes the most recently used.
    pub fn get(&self, key: &K) -> Option<V> {
        let mut items = lock(&self.items);
        let at = items.iter().position(|(k, _)| k == key)?;
        let item = items.remove(at)?;
        let value = item.1.clone();
        items.push_back(item);
        Some(value)
    }

    /// Stores `value` for `key` (replacing an older one), dropping the
    /// least recently used beyond the limit.
    pub fn put(&self, key: K, value: V) {
        let mut items = lock(&self.items);
        if let Some(at) = items.iter().position(|(k, _)| *k == key) {
            items.remove(at);
        }
        while !items.is_empty() && items.len() >= self.limit {
            items.pop_front();
        }
        if self.limit > 0 {
            items.push_back((key, value));
        }
    }

    pub(crate) fn clear(&mut self) {
        self.items
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Values by file and offset, bounded by their total weight: once a value
/// would take it over the bound, it starts afresh. Decoded term entries,
/// weighed in postings: a query touches a few entries, and keeping them
/// is what makes the next keystroke decode nothing.
pub(crate) struct ByOffset<F, V> {
    limit: usize,
    inner: Mutex<Weighed<F, V>>,
}

/// Values by file and offset; and their total weight.
type Weighed<F, V> = (HashMap<(F, u64), V>, usize);

impl<F: Copy + Eq + std::hash::Hash, V: Clone> ByOffset<F, V> {
    pub(crate) fn new(limit: usize) -> ByOffset<F, V> {
        ByOffset {
            limit,
            inner: Mutex::default(),
        }
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    pub(crate) fn get(&self, file: F, offset: u64) -> Option<V> {
        lock(&self.inner).0.get(&(file, offset)).cloned()
    }

    pub(crate) fn put(&self, file: F, offset: u64, value: V, weight: usize) {
        if weight > self.limit {
            // Kept, it would push out everything else and still overflow.
            return;
        }
        let mut inner = lock(&self.inner);
        if inner.1 + weight > self.limit {
            *inner = Default::default();
        }
        inner.1 += weight;
        inner.0.insert((file, offset), value);
    }

    /// Whether a value of `file` is held.
    #[cfg(test)]
    pub(crate) fn holds_file(&self, file: F) -> bool {
        lock(&self.inner).0.keys().any(|(f, _)| *f == file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_drops_the_least_recently_used() {
        let r = Recent::new(2);
        r.put("a", 1);
        r.put("b", 2);
        assert_eq!(r.get(&"a"), Some(1));
        r.put("c", 3);
        assert_eq!(r.get(&"b"), None, "b was used least recently");
        assert_eq!((r.get(&"a"), r.get(&"c")), (Some(1), Some(3)));
        r.put("a", 4);
        assert_eq!(
            r.get(&"a"),
            Some(4),
            "a key stored again replaces its value"
        );
        let none = Recent::new(0);
        none.put("a", 1);
        assert_eq!(none.get(&"a"), None);
    }

    #[test]
    fn by_offset_starts_afresh_over_its_bound() {
        let m = ByOffset::new(10);
        m.put("f", 1, 'a', 6);
        m.put("g", 1, 'b', 4);
        assert_eq!((m.get("f", 1), m.get("g", 1)), (Some('a'), Some('b')));
        m.put("f", 2, 'c', 1);
        assert_eq!((m.get("f", 1), m.get("f", 2)), (None, Some('c')));
        m.put("h", 0, 'd', 11);
        assert_eq!(m.get("h", 0), None, "heavier than the bound: not kept");
        assert_eq!(m.get("f", 2), Some('c'), "nor pushes anything out");
    }
}
