//! Answers being worked out, shared by everyone who asks for the same one
//! meanwhile.
//!
//! The viewer asks for its first list twice: once as it starts (so that the
//! list's files are on their way while the browser lays out and paints the
//! viewer, see [`crate::worker::Source::begin`]), and once when the list's
//! screen mounts. Without this the second would search and
//! make snippets all over again: on a cold page, wasm not yet optimised,
//! tens of milliseconds.

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

/// A shared answer on its way.
type Answer<V> = Shared<LocalBoxFuture<'static, V>>;

/// What was asked and its answer on the way. Few at a time (a list or
/// two), so a list, not a map.
type Table<K, V> = RefCell<Vec<(K, Answer<V>)>>;

/// Answers on their way, by what was asked.
pub struct InFlight<K, V: Clone>(Rc<Table<K, V>>);

impl<K, V: Clone> Default for InFlight<K, V> {
    fn default() -> Self {
        InFlight(Rc::default())
    }
}

impl<K: PartialEq + Clone + 'static, V: Clone + 'static> InFlight<K, V> {
    /// The answer to `asked`: the one on its way, or `start()`'s. An answer
    /// is forgotten once it is in, so asking again later works it out anew
    /// (keeping answers is the caller's business).
    pub fn join<F>(&self, asked: &K, start: impl FnOnce() -> F) -> impl Future<Output = V>
    where
        F: Future<Output = V> + 'static,
    {
        let on_its_way = self.0.borrow().iter().find(|(k, _)| k == asked).cloned();
        if let Some((_, answer)) = on_its_way {
            return answer;
        }
        // Weak: a forgotten table does not outlive its owner through here.
        let table = Rc::downgrade(&self.0);
        let (key, work) = (asked.clone(), start());
        let answer = async move {
            let answer = work.await;
            if let Some(table) = table.upgrade() {
                table.borrow_mut().retain(|(k, _)| *k != key);
            }
            answer
        }
        .boxed_local()
        .shared();
        self.0.borrow_mut().push((asked.clone(), answer.clone()));
        answer
    }
}

#[cfg(test)]
impl<K, V: Clone> InFlight<K, V> {
    /// How many answers are on their way.
    fn len(&self) -> usize {
        self.0.borrow().len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::oneshot;
    use std::cell::Cell;
    use std::task::{Context, Poll, Waker};

    fn poll<T>(f: &mut (impl Future<Output = T> + Unpin)) -> Poll<T> {
        f.poll_unpin(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn one_answer_for_everyone_who_asks_while_it_is_on_its_way() {
        let table: InFlight<&str, u32> = InFlight::default();
        let started = Rc::new(Cell::new(0));
        let (send, receive) = oneshot::channel::<u32>();
        let mut receive = Some(receive);
        let mut ask = |k: &'static str| {
            let started = started.clone();
            let receive = receive.take();
            Box::pin(table.join(&k, move || {
                started.set(started.get() + 1);
                async move { receive.expect("started once").await.unwrap_or(0) }
            }))
        };
        let mut first = ask("Bac Ninh");
        let mut second = ask("Bac Ninh");
        assert!(poll(&mut first).is_pending());
        assert!(poll(&mut second).is_pending());
        assert_eq!(started.get(), 1, "worked out once");
        assert_eq!(table.len(), 1);

        send.send(7).unwrap();
        assert_eq!(poll(&mut second), Poll::Ready(7));
        assert_eq!(poll(&mut first), Poll::Ready(7));
        assert!(table.is_empty(), "forgotten once in");
    }

    #[test]
    fn other_questions_and_later_ones_are_worked_out_anew() {
        let table: InFlight<u32, u32> = InFlight::default();
        let started = Rc::new(Cell::new(0));
        let ask = |k: u32| {
            let started = started.clone();
            Box::pin(table.join(&k, move || {
                started.set(started.get() + 1);
                async move { k * 10 }
            }))
        };
        assert_eq!(poll(&mut ask(1)), Poll::Ready(10));
        assert_eq!(poll(&mut ask(2)), Poll::Ready(20));
        assert_eq!(poll(&mut ask(1)), Poll::Ready(10));
        assert_eq!(started.get(), 3);
        assert!(table.is_empty());
    }
}
