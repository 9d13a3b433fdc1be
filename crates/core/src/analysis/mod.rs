//! Text analysis shared by the indexer and the query parser.
//!
//! Both sides must turn text into terms in exactly the same way, or a word
//! that is in the index cannot be found. That is why this is one module used
//! by both, and why the property tests check that analysing a document and
//! analysing a query made of its words give the same terms.

mod fold;
mod memo;
mod stem;
mod tokenize;

pub use fold::{fold, normalize, Folds};
pub(crate) use memo::WordMap;
pub use stem::{keeps_first_letter, stem, stem_always, stemmer, STEMMED_LANGS};
pub use tokenize::{for_each_word, tokenize, RawWord, Token};
