//! From each query word's matches to a ranked hit list: one word's
//! matches merged from its dictionary words, the documents with every word
//! (galloping through the lists) or, for partial results, with any, exact
//! scores with proximity only for documents that can still reach the top,
//! and the order of the rest.

use super::engine::{Hit, Scored, TermMatch};
use super::query::Query;
use super::rank::{self, PROXIMITY_WEIGHT};
use std::borrow::Cow;
use std::sync::Arc;

/// Where a word occurs in a document: the expansion and its posting index.
pub(super) type Occ = (u16, u32);

/// One document a query word matched: its best score, and where its
/// occurrences start in [`TermDocs::occ`] (positions are read only for the
/// documents that survive the AND).
#[derive(Clone, Copy)]
pub(super) struct Row {
    pub(super) doc: u32,
    pub(super) score: f32,
    pub(super) start: u32,
}

/// One query word's matches: documents ascending, their occurrences, what
/// matched, and the entries the occurrences point into; and the expansions
/// that are heads whose tails are not loaded.
pub(super) struct TermDocs {
    pub(super) rows: Vec<Row>,
    pub(super) occ: Vec<Occ>,
    pub(super) matched: TermMatch,
    pub(super) entries: Vec<Arc<Scored>>,
    pub(super) tails: Vec<TailOf>,
}

/// An expansion of a query word whose entry is a head, its tail not loaded
/// (see [`crate::bundle::postings`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct TailOf {
    pub(super) expansion: u16,
    /// The highest score a document of the tail can have for the word.
    pub(super) bound: f32,
    /// Whether the tail holds positions (a word's does, a stem's not).
    pub(super) positions: bool,
    /// The tail shard it is in.
    pub(super) shard: crate::bundle::Span,
}

/// How many of `hits`, ranked from what is loaded while some words' tails
/// are not (see [`crate::bundle::postings`]), rank first with the tails as
/// well, in the same order: the leading hits whose scores the tails cannot
/// change and that no other document can reach.
///
/// A document's score for a word is the best over the word's expansions,
/// with proximity and phrases from their positions. A tail's documents
/// score at most its `bound` for the word. So a document seen in the
/// heads is *known* for a word when every tail it could be in can neither
/// raise its score (the bound is below it) nor add positions that count
/// (a stem's tail holds none; a lone word without phrases reads none); any
/// other document scores at most the sum over the words of its score or
/// the bounds, plus the proximity bonus at its highest. The leading hits
/// known for every word and scoring above every such sum are decided.
pub(super) fn settled(q: &Query, per_term: &[Arc<TermDocs>], hits: &[Hit]) -> usize {
    let n = per_term.len();
    let positions_count = n > 1 || !q.phrases.is_empty();
    // Per word, the highest bound of its tails (none: the word is whole).
    let bound = |t: &TermDocs| t.tails.iter().map(|x| x.bound).reduce(f32::max);
    let highest = |most: &[f32]| -> f32 {
        let sum: f32 = most.iter().sum();
        sum + most
            .windows(2)
            .map(|p| PROXIMITY_WEIGHT * p[0].min(p[1]))
            .sum::<f32>()
    };
    // The best any document not decided can score: one seen in no head…
    let unseen: Option<Vec<f32>> = per_term.iter().map(|t| bound(t)).collect();
    let mut reach = unseen.map_or(f32::NEG_INFINITY, |m| highest(&m));
    // …or in some: every document seen, in document order (each word's
    // rows ascend), with each word's score at most.
    let mut known: Vec<u32> = Vec::new();
    let mut at = vec![0usize; n];
    let mut most = vec![0f32; n];
    while let Some(doc) = (per_term.iter().zip(&at))
        .filter_map(|(t, &r)| t.rows.get(r).map(|row| row.doc))
        .min()
    {
        let (mut all_known, mut possible) = (true, true);
        for (w, t) in per_term.iter().enumerate() {
            if t.rows.get(at[w]).is_some_and(|row| row.doc == doc) {
                let (m, k) = t.at_most(at[w], positions_count);
                (most[w], at[w]) = (m, at[w] + 1);
                all_known &= k;
            } else {
                all_known = false;
                match bound(t) {
                    Some(b) => most[w] = b,
                    // Not in a whole word's documents: no match.
                    None => possible = false,
                }
            }
        }
        if all_known {
            known.push(doc);
        } else if possible {
            reach = reach.max(highest(&most));
        }
    }
    let decided = |h: &Hit| h.score > reach && known.binary_search(&h.doc).is_ok();
    hits.iter()
        .take(RANKED_EXACTLY)
        .take_while(|h| decided(h))
        .count()
}

impl TermDocs {
    /// The most row `r`'s document can score for the word, the tails not
    /// loaded included, and whether its score is that (and its positions
    /// all there, when `positions_count`): whether no tail it may be in can
    /// change it.
    fn at_most(&self, r: usize, positions_count: bool) -> (f32, bool) {
        let row = self.rows[r];
        let end = self
            .rows
            .get(r + 1)
            .map_or(self.occ.len(), |x| x.start as usize);
        let occ = &self.occ[row.start as usize..end];
        let (mut most, mut known) = (row.score, true);
        for x in &self.tails {
            if occ.iter().any(|o| o.0 == x.expansion) {
                continue;
            }
            // It may be in this tail.
            most = most.max(x.bound);
            known &= x.bound < row.score && !(x.positions && positions_count);
        }
        (most, known)
    }

    /// Title and body positions of the word in row `r`'s document,
    /// ascending: the entry's own where one dictionary word matched it (most
    /// documents), merged where several did. Borrowed, not copied: a query
    /// of two frequent words reads them for thousands of documents.
    fn positions(&self, r: usize) -> Positions<'_> {
        let end = self
            .rows
            .get(r + 1)
            .map_or(self.occ.len(), |n| n.start as usize);
        let at = |&(x, i): &Occ| {
            let e = &self.entries[x as usize].entry;
            (e.title_positions(i as usize), e.body_positions(i as usize))
        };
        match &self.occ[self.rows[r].start as usize..end] {
            [one] => {
                let (title, body) = at(one);
                (Cow::Borrowed(title), Cow::Borrowed(body))
            }
            occ => {
                let mut title: Vec<u32> = Vec::new();
                let mut body: Vec<u32> = Vec::new();
                for o in occ {
                    let (t, b) = at(o);
                    merge_into(&mut title, t);
                    merge_into(&mut body, b);
                }
                (Cow::Owned(title), Cow::Owned(body))
            }
        }
    }
}

/// One dictionary word's matches, in document order: document, score,
/// posting index; tagged with the expansion it came from.
pub(super) type Run = (u16, Vec<(u32, f32, u32)>);

/// Merges one word's runs of matches (one per dictionary word, each in
/// document order, tagged with its expansion) into rows in document order.
/// A document several dictionary words matched keeps the best score and
/// every occurrence, the earliest run's first.
///
/// A frequent word's runs cover much of the bundle (tens of thousands of
/// documents each at 100,000 articles): those are merged by a counting sort
/// over the documents they span, linear in their length. Runs spread thin
/// over a wide span are merged by a heap of their heads instead, `n log k`,
/// so that a few far-apart matches never cost a pass over the span.
pub(super) fn merge_runs(runs: Vec<Run>) -> (Vec<Row>, Vec<Occ>) {
    // One dictionary word (no stem or other form matched): its run is the
    // rows already, one occurrence each.
    if let [(x, run)] = &runs[..] {
        let rows = (run.iter().enumerate())
            .map(|(k, &(doc, score, _))| Row {
                doc,
                score,
                start: k as u32,
            })
            .collect();
        return (rows, run.iter().map(|&(.., i)| (*x, i)).collect());
    }
    let total: usize = runs.iter().map(|r| r.1.len()).sum();
    let lo = runs.iter().filter_map(|r| r.1.first()).map(|h| h.0).min();
    let hi = runs.iter().filter_map(|r| r.1.last()).map(|h| h.0).max();
    match (lo, hi) {
        (Some(lo), Some(hi)) if ((hi - lo) as usize) < DENSE_SPAN * total => {
            merge_dense(&runs, lo, hi, total)
        }
        _ => merge_heap(runs, total),
    }
}

/// Runs are merged by counting when the documents they span are fewer than
/// this many times their matches (the counting sort's arrays, 12 bytes a
/// document of the span, stay within a few times the matches' own size).
const DENSE_SPAN: usize = 4;

/// [`merge_runs`] by a counting sort over the documents `lo..=hi`.
fn merge_dense(runs: &[Run], lo: u32, hi: u32, total: usize) -> (Vec<Row>, Vec<Occ>) {
    let span = (hi - lo) as usize + 1;
    // start[d]: where document lo + d's occurrences begin.
    let mut start = vec![0u32; span + 1];
    for (_, run) in runs {
        for &(doc, ..) in run {
            start[(doc - lo) as usize + 1] += 1;
        }
    }
    for d in 0..span {
        start[d + 1] += start[d];
    }
    let mut next = start.clone();
    let mut best = vec![f32::NEG_INFINITY; span];
    let mut occ: Vec<Occ> = vec![(0, 0); total];
    // Runs in order, so a document's occurrences keep the earliest first.
    for (x, run) in runs {
        for &(doc, score, i) in run {
            let d = (doc - lo) as usize;
            occ[next[d] as usize] = (*x, i);
            next[d] += 1;
            best[d] = best[d].max(score);
        }
    }
    let rows = (0..span)
        .filter(|&d| start[d + 1] > start[d])
        .map(|d| Row {
            doc: lo + d as u32,
            score: best[d],
            start: start[d],
        })
        .collect();
    (rows, occ)
}

/// [`merge_runs`] by a k-way merge over a heap of the runs' heads.
fn merge_heap(runs: Vec<Run>, total: usize) -> (Vec<Row>, Vec<Occ>) {
    use std::cmp::Reverse;
    let mut rows: Vec<Row> = Vec::with_capacity(total);
    let mut occ: Vec<Occ> = Vec::with_capacity(total);
    let mut at = vec![0usize; runs.len()];
    let mut heads: std::collections::BinaryHeap<Reverse<(u32, usize)>> = runs
        .iter()
        .enumerate()
        .filter_map(|(k, r)| r.1.first().map(|h| Reverse((h.0, k))))
        .collect();
    // The smallest head is replaced in place by its run's next document
    // (one sift instead of a pop and a push), or popped when its run ends.
    while let Some(mut head) = heads.peek_mut() {
        let Reverse((doc, k)) = *head;
        let (x, run) = &runs[k];
        let (_, score, i) = run[at[k]];
        match rows.last_mut() {
            Some(last) if last.doc == doc => last.score = last.score.max(score),
            _ => rows.push(Row {
                doc,
                score,
                start: occ.len() as u32,
            }),
        }
        occ.push((*x, i));
        at[k] += 1;
        match run.get(at[k]) {
            Some(next) => *head = Reverse((next.0, k)),
            None => {
                std::collections::binary_heap::PeekMut::pop(head);
            }
        }
    }
    (rows, occ)
}

/// Merges the ascending list `add` into the ascending list `into`, without
/// duplicates: a linear merge, where sorting the concatenation would cost
/// `n log n` for every document of every query.
fn merge_into(into: &mut Vec<u32>, add: &[u32]) {
    if add.is_empty() {
        return;
    }
    if into.is_empty() {
        into.extend_from_slice(add);
        return;
    }
    let mut out = Vec::with_capacity(into.len() + add.len());
    let (mut i, mut j) = (0, 0);
    while i < into.len() && j < add.len() {
        let (a, b) = (into[i], add[j]);
        out.push(a.min(b));
        i += usize::from(a <= b);
        j += usize::from(b <= a);
    }
    out.extend_from_slice(&into[i..]);
    out.extend_from_slice(&add[j..]);
    *into = out;
}

/// Whether a result must contain every query word or at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    All,
    /// Any word; documents with more of the words first.
    Any,
    /// Any word, scored by the sum of its words' scores alone: "more like
    /// this", where the words are an article's and no reader chose them.
    Sum,
}

/// Ranks documents from the query words' matches: with every word (AND,
/// phrases checked, proximity bonus) or with any (see [`Mode`]).
pub(super) fn combine(q: &Query, per_term: &[Arc<TermDocs>], mode: Mode) -> Vec<Hit> {
    let mut hits = Vec::new();
    match mode {
        Mode::Any | Mode::Sum => {
            // Accumulate per document (dense: document numbers are small
            // and every posting is visited once): summed score, words matched.
            let size = per_term
                .iter()
                .filter_map(|t| t.rows.last().map(|r| r.doc as usize + 1))
                .max()
                .unwrap_or(0);
            let mut acc = vec![(0f32, 0u32); size];
            for t in per_term {
                for r in &t.rows {
                    let a = &mut acc[r.doc as usize];
                    a.0 += r.score;
                    a.1 += 1;
                }
            }
            let words = per_term.len() as f32;
            hits.extend(acc.into_iter().enumerate().filter(|(_, a)| a.1 > 0).map(
                |(doc, (sum, n))| {
                    let coverage = n as f32 / words;
                    let weight = match mode {
                        Mode::Sum => 1.0,
                        _ => coverage * coverage,
                    };
                    Hit {
                        doc: doc as u32,
                        score: sum * weight,
                    }
                },
            ));
        }
        // One word: each of its documents has every word, as it is; no
        // walk through the others' lists (that walk, a search per
        // document, was most of `combine` in a warm one-word query).
        Mode::All if per_term.len() == 1 => {
            hits.extend(per_term[0].rows.iter().map(|r| Hit {
                doc: r.doc,
                score: r.score,
            }));
        }
        Mode::All => {
            let n = per_term.len();
            // Walk the rarest word's documents; keep those with every word,
            // with each word's row and score (`n` per document). Each
            // word's rows are walked once, galloping, in document order.
            let rarest = (0..n).min_by_key(|&i| per_term[i].rows.len()).unwrap_or(0);
            let mut docs: Vec<u32> = Vec::new();
            let mut rows: Vec<usize> = Vec::new();
            let mut scores: Vec<f32> = Vec::new();
            let mut cursors = vec![0usize; n];
            'docs: for &Row { doc, .. } in &per_term[rarest].rows {
                let at = rows.len();
                for (t, c) in per_term.iter().zip(&mut cursors) {
                    *c = gallop(&t.rows, *c, doc);
                    match t.rows.get(*c) {
                        Some(r) if r.doc == doc => {
                            rows.push(*c);
                            scores.push(r.score);
                        }
                        _ => {
                            rows.truncate(at);
                            scores.truncate(at);
                            continue 'docs;
                        }
                    }
                }
                docs.push(doc);
            }
            let of = |k: usize| (&rows[k * n..(k + 1) * n], &scores[k * n..(k + 1) * n]);
            if !q.phrases.is_empty() {
                // A phrase decides which documents match: every one's
                // positions are read.
                for (k, &doc) in docs.iter().enumerate() {
                    let (r, s) = of(k);
                    if let Some(score) = exact_score(q, per_term, r, s) {
                        hits.push(Hit { doc, score });
                    }
                }
            } else {
                hits = top_ranked(
                    &docs,
                    |k| {
                        let s = of(k).1;
                        let sum: f32 = s.iter().sum();
                        let bound = sum
                            + s.windows(2)
                                .map(|w| PROXIMITY_WEIGHT * w[0].min(w[1]))
                                .sum::<f32>();
                        (sum, bound)
                    },
                    |k| {
                        let (r, s) = of(k);
                        exact_score(q, per_term, r, s).unwrap_or(0.0)
                    },
                );
            }
        }
    }
    rank(hits)
}

/// Score buckets the hits below the top [`RANKED_EXACTLY`] are ordered by.
const TAIL_BUCKETS: usize = 1024;

/// Orders hits, given in ascending document order, best first. The first
/// [`RANKED_EXACTLY`] exactly: by score, ties newest first. The rest, which
/// a reader reaches only by paging far, by score to within
/// 1/[`TAIL_BUCKETS`] of the best of them, newest first within that. Only
/// the top is sorted; the tail is placed by a stable counting sort, which
/// keeps the document order it came in within each bucket: linear passes
/// where sorting tens of thousands of hits of a frequent word was a third
/// of a warm query's time.
fn rank(hits: Vec<Hit>) -> Vec<Hit> {
    debug_assert!(hits.windows(2).all(|w| w[0].doc < w[1].doc));
    // One integer key: scores are never negative, so their bits order
    // like their values; documents make every key distinct.
    let key = |h: &Hit| (u64::from(!h.score.to_bits()) << 32) | u64::from(h.doc);
    if hits.len() <= RANKED_EXACTLY {
        let mut hits = hits;
        hits.sort_unstable_by_key(key);
        return hits;
    }
    // The top are the hits whose key is at most the RANKED_EXACTLY-th
    // smallest.
    let mut keys: Vec<u64> = hits.iter().map(key).collect();
    let cut = *keys.select_nth_unstable(RANKED_EXACTLY - 1).1;
    let mut out = Vec::with_capacity(hits.len());
    out.extend(hits.iter().filter(|h| key(h) <= cut));
    out.sort_unstable_by_key(key);
    let tail = || hits.iter().filter(|h| key(h) > cut);
    let top = tail().map(|h| h.score).fold(0.0f32, f32::max);
    if top <= 0.0 {
        out.extend(tail());
        return out;
    }
    let last = (TAIL_BUCKETS - 1) as f32;
    // Bucket 0 holds the best.
    let bucket =
        |h: &Hit| TAIL_BUCKETS - 1 - ((h.score / top * last) as usize).min(TAIL_BUCKETS - 1);
    let mut at = vec![0usize; TAIL_BUCKETS + 1];
    for h in tail() {
        at[bucket(h) + 1] += 1;
    }
    for b in 0..TAIL_BUCKETS {
        at[b + 1] += at[b];
    }
    let head = out.len();
    out.resize(hits.len(), Hit { doc: 0, score: 0.0 });
    for h in tail() {
        let b = bucket(h);
        out[head + at[b]] = *h;
        at[b] += 1;
    }
    out
}

/// The first index at or after `from` whose document is not below `doc`:
/// exponential then binary search, so walking a long list for the
/// documents of a short one costs the short one's length times a log.
fn gallop(rows: &[Row], from: usize, doc: u32) -> usize {
    // Every row before `lo` is below `doc`; the steps double until one
    // lands at or past it.
    let (mut lo, mut step) = (from, 1);
    while lo + step < rows.len() && rows[lo + step].doc < doc {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step + 1).min(rows.len());
    lo + rows[lo.min(hi)..hi].partition_point(|r| r.doc < doc)
}

/// Results ranked exactly, proximity and all; below them, documents that
/// cannot reach them rank by their words' scores alone. Reading positions
/// is most of a query's cost, and a frequent pair of words is in tens of
/// thousands of documents: only those that could still make the top are
/// read. The first [`RANKED_EXACTLY`] hits are thus exactly what reading
/// every document would rank first, in the same order; the tail beneath is
/// ordered without proximity for documents that never came close.
const RANKED_EXACTLY: usize = 200;

/// Ranks documents `k` of `docs` by `exact(k)`, visiting them by the upper
/// bound `bounds(k).1` on it until no remaining document can enter the top
/// [`RANKED_EXACTLY`]; the rest keep the lower bound `bounds(k).0`. The
/// hits come back in the order of `docs`.
fn top_ranked(
    docs: &[u32],
    bounds: impl Fn(usize) -> (f32, f32),
    exact: impl Fn(usize) -> f32,
) -> Vec<Hit> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    // Highest bound first, ties in the order of `docs`, by one integer key
    // (scores are never negative, so their bits order like their values);
    // a heap, as only the documents visited need ordering.
    let mut scores = Vec::with_capacity(docs.len());
    let mut order: BinaryHeap<u64> = (0..docs.len())
        .map(|k| {
            let (lo, hi) = bounds(k);
            scores.push(lo);
            (u64::from(hi.to_bits()) << 32) | u64::from(u32::MAX - k as u32)
        })
        .collect();
    let mut best: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
    while let Some(top) = order.pop() {
        let hi = (top >> 32) as u32;
        if best.len() >= RANKED_EXACTLY && best.peek().is_some_and(|t| hi < t.0) {
            // Nothing left can reach the top: the rest keep their lower bound.
            break;
        }
        let k = (u32::MAX - top as u32) as usize;
        let s = exact(k);
        best.push(Reverse(s.to_bits()));
        if best.len() > RANKED_EXACTLY {
            best.pop();
        }
        scores[k] = s;
    }
    docs.iter()
        .zip(scores)
        .map(|(&doc, score)| Hit { doc, score })
        .collect()
}

/// A document's score for all the query's words (`scores`, at `rows`),
/// with the proximity bonus of each pair of neighbouring words; `None` when
/// a phrase of the query is not in it.
fn exact_score(
    q: &Query,
    per_term: &[Arc<TermDocs>],
    rows: &[usize],
    scores: &[f32],
) -> Option<f32> {
    let pos: Vec<Positions> = rows
        .iter()
        .zip(per_term)
        .map(|(&r, t)| t.positions(r))
        .collect();
    if q.phrases.iter().any(|r| !phrase_matches(&pos[r.clone()])) {
        return None;
    }
    let mut score: f32 = scores.iter().sum();
    for (pair, ms) in pos.windows(2).zip(scores.windows(2)) {
        let gap = [
            rank::min_gap(&pair[0].0, &pair[1].0),
            rank::min_gap(&pair[0].1, &pair[1].1),
        ]
        .into_iter()
        .flatten()
        .min();
        if let Some(g) = gap {
            score += PROXIMITY_WEIGHT * ms[0].min(ms[1]) / g as f32;
        }
    }
    Some(score)
}

/// A word's positions in one document: title, body.
type Positions<'a> = (Cow<'a, [u32]>, Cow<'a, [u32]>);

/// True when the words occur consecutively, in title or in body; `words`
/// holds each word's (title, body) positions.
fn phrase_matches(words: &[Positions]) -> bool {
    let adjacent = |field: for<'a> fn(&'a Positions<'a>) -> &'a [u32]| {
        field(&words[0]).iter().any(|&p| {
            words[1..].iter().enumerate().all(|(k, w)| {
                field(w)
                    .binary_search(&p.saturating_add(k as u32 + 1))
                    .is_ok()
            })
        })
    };
    adjacent(|w| &w.0) || adjacent(|w| &w.1)
}

#[cfg(test)]
mod tests {
    use super::{
        gallop, merge_into, merge_runs, rank, top_ranked, Hit, Row, RANKED_EXACTLY, TAIL_BUCKETS,
    };
    use proptest::prelude::*;

    fn best_first(mut hits: Vec<Hit>) -> Vec<(u32, u32)> {
        hits.sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        hits.into_iter()
            .map(|h| (h.doc, h.score.to_bits()))
            .collect()
    }

    proptest! {
        /// Pruned ranking puts first exactly the hits, in exactly the order,
        /// that scoring every document would, and keeps every document.
        #[test]
        fn pruned_ranking_keeps_the_top_exact(
            docs in proptest::collection::vec((0u32..20, 0u32..20, 0u32..20), 0..700)
        ) {
            // Scores on a coarse grid, so that ties occur; lower ≤ exact ≤ upper.
            let scored: Vec<(f32, f32, f32)> = docs
                .iter()
                .map(|&(a, b, c)| {
                    let lo = a as f32 / 4.0;
                    let exact = lo + b as f32 / 8.0;
                    (lo, exact, exact + c as f32 / 8.0)
                })
                .collect();
            let ids: Vec<u32> = (0..docs.len() as u32).map(|d| d * 3).collect();
            let pruned = top_ranked(&ids, |k| (scored[k].0, scored[k].2), |k| scored[k].1);
            let all: Vec<Hit> = ids
                .iter()
                .zip(&scored)
                .map(|(&doc, s)| Hit { doc, score: s.1 })
                .collect();
            let (pruned, all) = (best_first(pruned), best_first(all));
            let top = RANKED_EXACTLY.min(all.len());
            prop_assert_eq!(&pruned[..top], &all[..top]);
            let mut a: Vec<u32> = pruned.iter().map(|h| h.0).collect();
            let mut b: Vec<u32> = all.iter().map(|h| h.0).collect();
            a.sort_unstable();
            b.sort_unstable();
            prop_assert_eq!(a, b);
        }

        /// Ranking puts first exactly what sorting would, and orders the
        /// rest by score to within one bucket, newest first among equals.
        #[test]
        fn ranking_is_exact_at_the_top(
            scores in proptest::collection::vec(0u32..5000, 0..900)
        ) {
            let hits: Vec<Hit> = scores
                .iter()
                .enumerate()
                .map(|(d, &s)| Hit { doc: (d * 7 % 1000) as u32 + d as u32 * 1000, score: s as f32 / 64.0 })
                .collect();
            let ranked = rank(hits.clone());
            let sorted = best_first(hits);
            let got: Vec<(u32, u32)> = ranked.iter().map(|h| (h.doc, h.score.to_bits())).collect();
            let top = RANKED_EXACTLY.min(sorted.len());
            prop_assert_eq!(&got[..top], &sorted[..top]);
            let mut a = got.clone();
            let mut b = sorted.clone();
            a.sort_unstable();
            b.sort_unstable();
            prop_assert_eq!(a, b);
            let tail = &ranked[top..];
            let best = tail.iter().map(|h| h.score).fold(0.0f32, f32::max);
            let slack = best / (TAIL_BUCKETS - 1) as f32;
            for w in tail.windows(2) {
                prop_assert!(w[1].score <= w[0].score + slack, "{:?}", w);
                if w[1].score == w[0].score {
                    prop_assert!(w[0].doc < w[1].doc);
                }
            }
            if let (Some(head), Some(first)) = (ranked[..top].last(), tail.first()) {
                prop_assert!(head.score >= first.score);
            }
        }

        /// Galloping finds what a binary search over the rest finds.
        #[test]
        fn galloping_equals_searching(
            docs in proptest::collection::btree_set(0u32..500, 0..200),
            from in 0usize..200,
            doc in 0u32..520,
        ) {
            let rows: Vec<Row> = docs.iter().map(|&doc| Row { doc, score: 0.0, start: 0 }).collect();
            let from = from.min(rows.len());
            let expected = from + rows[from..].partition_point(|r| r.doc < doc);
            prop_assert_eq!(gallop(&rows, from, doc), expected);
        }

        /// The counting merge and the heap merge agree, on runs dense or
        /// spread over a wide span.
        #[test]
        fn both_merges_agree(
            runs in proptest::collection::vec(
                proptest::collection::btree_map(0u32..200, 0u32..50, 0..40), 0..6),
            stretch in prop_oneof![Just(1u32), Just(3u32), Just(50u32)],
        ) {
            let tagged: Vec<super::Run> = runs
                .iter()
                .enumerate()
                .map(|(x, r)| (x as u16, r.iter().map(|(&d, &s)| (d * stretch, s as f32, d)).collect()))
                .collect();
            let total: usize = tagged.iter().map(|r| r.1.len()).sum();
            let lo = tagged.iter().filter_map(|r| r.1.first()).map(|h| h.0).min();
            let hi = tagged.iter().filter_map(|r| r.1.last()).map(|h| h.0).max();
            let heap = super::merge_heap(tagged.clone(), total);
            // What `merge_runs` chooses (one of these, or a lone run as it
            // is) gives the same rows and occurrences.
            let chosen = merge_runs(tagged.clone());
            let key = |(rows, occ): &(Vec<Row>, Vec<super::Occ>)| {
                (rows.iter().map(|r| (r.doc, r.score.to_bits(), r.start)).collect::<Vec<_>>(), occ.clone())
            };
            prop_assert_eq!(key(&chosen), key(&heap));
            if let (Some(lo), Some(hi)) = (lo, hi) {
                let dense = super::merge_dense(&tagged, lo, hi, total);
                prop_assert_eq!(key(&dense), key(&heap));
            } else {
                prop_assert!(heap.0.is_empty() && heap.1.is_empty());
            }
        }

        /// Merging runs gives each document once, ascending, with its best
        /// score and every occurrence, earlier runs' first.
        #[test]
        fn merged_runs_hold_every_occurrence(
            runs in proptest::collection::vec(
                proptest::collection::btree_map(0u32..100, 0u32..50, 0..40), 0..6)
        ) {
            let tagged: Vec<super::Run> = runs
                .iter()
                .enumerate()
                .map(|(x, r)| (x as u16, r.iter().map(|(&d, &s)| (d, s as f32, d + 1000)).collect()))
                .collect();
            let (rows, occ) = merge_runs(tagged);
            let mut docs: Vec<u32> = runs.iter().flat_map(|r| r.keys().copied()).collect();
            docs.sort_unstable();
            docs.dedup();
            prop_assert_eq!(rows.iter().map(|r| r.doc).collect::<Vec<_>>(), docs);
            for (k, row) in rows.iter().enumerate() {
                let end = rows.get(k + 1).map_or(occ.len(), |n| n.start as usize);
                let expected: Vec<(u16, u32)> = runs
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.contains_key(&row.doc))
                    .map(|(x, _)| (x as u16, row.doc + 1000))
                    .collect();
                prop_assert_eq!(&occ[row.start as usize..end], &expected[..]);
                let best = runs.iter().filter_map(|r| r.get(&row.doc)).max().copied();
                prop_assert_eq!(Some(row.score as u32), best);
            }
        }
    }

    proptest! {
        /// Merging ascending lists gives what sorting and deduplicating
        /// their concatenation gives.
        #[test]
        fn merging_equals_sorting(lists in proptest::collection::vec(
            proptest::collection::btree_set(0u32..200, 0..20), 0..5)
        ) {
            let mut merged = Vec::new();
            let mut all = Vec::new();
            for l in &lists {
                let l: Vec<u32> = l.iter().copied().collect();
                merge_into(&mut merged, &l);
                all.extend(l);
            }
            all.sort_unstable();
            all.dedup();
            prop_assert_eq!(merged, all);
        }
    }
}
