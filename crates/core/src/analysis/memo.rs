//! What is worked out from a word, kept by the word as written: the
//! builder's memos of folded words (fingerprints) and of index forms
//! (analysis) are both this map, each with its own bound.

use std::collections::HashMap;

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
        // Looked up before inserting, so that a word kept costs no copy of
        // it (an entry would need an owned key).
        let new = !self.0.contains_key(word);
        if new {
            self.0.insert(word.into(), make());
        }
        (&self.0[word], new)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}
