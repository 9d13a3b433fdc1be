//! Ranking constants and the BM25F-style term score.

/// BM25 saturation: how quickly more occurrences stop adding score.
pub const K1: f32 = 1.2;
/// BM25 length normalisation strength.
pub const B: f32 = 0.75;
/// A title occurrence counts as this many body occurrences (BM25F field
/// weight): a word in the headline says more about the article.
pub const TITLE_WEIGHT: f32 = 4.0;
/// Factor for documents containing the query word exactly as typed, accents
/// and all, over those that only match after folding.
pub const EXACT_BONUS: f32 = 1.3;
/// Weight of a completion of the word being typed, relative to the word
/// itself; scaled further by how much of the completion was typed.
pub const PREFIX_WEIGHT: f32 = 0.7;
/// Weight of another inflection of the word (same Snowball stem).
pub const STEM_WEIGHT: f32 = 0.8;
/// Weight of a compound the word is the head of (`Umwelt` → `Umweltschutz`),
/// scaled further by how much of the compound the word covers.
pub const COMPOUND_WEIGHT: f32 = 0.5;
/// Weight of a word one edit away (a typo)…
pub const FUZZY1_WEIGHT: f32 = 0.45;
/// …and two edits away.
pub const FUZZY2_WEIGHT: f32 = 0.3;
/// Weight of the proximity bonus for adjacent query words.
pub const PROXIMITY_WEIGHT: f32 = 0.6;

/// Inverse document frequency, BM25's smoothed form (never negative).
pub fn idf(df: u32, n: u32) -> f32 {
    let (df, n) = (df as f32, n as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// Saturated, length-normalised term frequency.
pub fn tf_norm(title_tf: usize, body_tf: usize, len: f32, avg_len: f32) -> f32 {
    let tf = TITLE_WEIGHT * title_tf as f32 + body_tf as f32;
    let norm = 1.0 - B + B * len / avg_len.max(1.0);
    tf * (K1 + 1.0) / (tf + K1 * norm)
}

/// Smallest gap between a position in `a` and a later position in `b`
/// (1 = adjacent), over two ascending lists.
pub fn min_gap(a: &[u32], b: &[u32]) -> Option<u32> {
    let (mut i, mut j, mut best) = (0, 0, None::<u32>);
    while i < a.len() && j < b.len() {
        if b[j] > a[i] {
            let gap = b[j] - a[i];
            best = Some(best.map_or(gap, |g| g.min(gap)));
            i += 1;
        } else {
            j += 1;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idf_prefers_rare_words() {
        assert!(idf(1, 1000) > idf(100, 1000));
        assert!(idf(1000, 1000) > 0.0);
    }

    #[test]
    fn gaps() {
        assert_eq!(min_gap(&[1, 10], &[2, 30]), Some(1));
        assert_eq!(min_gap(&[5], &[1, 9]), Some(4));
        assert_eq!(min_gap(&[5], &[1]), None);
    }
}
