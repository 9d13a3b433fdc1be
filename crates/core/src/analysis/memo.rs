//! What is worked out from a word, kept by the word as written: the
//! builder's memos of folded words (fingerprints) and of index forms
//! (analysis) are both this map, each with its own bound.

use hashbrown::hash_map::{EntryRef, HashMap};

/// Values by word. Unbounded itself: its owner clears it when it holds
/// what the owner allows.
pub(crate) struct WordMap<V>(HashMap<Box<str>, V, foldhash::fast::RandomState>);

impl<V> Default for WordMap<V> {
    fn default() -> Self {
        WordMap(HashMap::default())
    }
}

impl<V> WordMap<V> {
    /// The value of `word`, made by `make` the first time; and whether it
    /// was made now.
    pub(crate) fn get_or_insert_with(
        &mut self,
        word: &str,
        make: impl FnOnce() -> V,
    ) -> (&V, bool) {
        // One hash and probe whether the word is kept or not, and a copy of
        // it only when it is new: std's `entry` would want an owned key for
        // every lookup, and its `get`-then-`insert` hashed a kept word twice.
        match self.0.entry_ref(word) {
            EntryRef::Occupied(e) => (e.into_mut(), false),
            EntryRef::Vacant(e) => (e.insert_with_key(word.into(), make()), true),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}
