//! The character arithmetic of partitioned listings: from the sort keys seen at both ends
//! of an `orderBy=email` listing, which characters can follow a prefix (see the proof in
//! the parent module). Pure functions, no I/O; returns `None` whenever the bounds cannot
//! pin the range (non-ASCII, an unwritable character in range, a bound outside the prefix).
use std::collections::BTreeSet;

/// Characters allowed unquoted in an address's local part (RFC 5322 `atext`), minus those
/// a search prefix cannot carry.
const ATEXT_PUNCT: &str = "!#$%&+-/=?^_`{|}~";
/// Characters that may appear in an address but cannot be written in a prefix clause.
const UNWRITABLE: &str = "'*\"";

type Fold = fn(char) -> char;

/// The orders Google might compare keys in: raw ASCII, or case-folded either way.
const FOLDS: [Fold; 3] = [
    |c| c,
    |c| c.to_ascii_lowercase(),
    |c| c.to_ascii_uppercase(),
];

fn folded(f: Fold, s: &str) -> Vec<char> {
    s.chars().map(f).collect()
}

/// Every spelling of `prefix` a case-insensitive search for it matches (ASCII letters).
fn case_variants(prefix: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for c in prefix.chars() {
        let mut spellings = vec![c.to_ascii_lowercase(), c.to_ascii_uppercase()];
        spellings.dedup();
        out = out
            .iter()
            .flat_map(|p| spellings.iter().map(move |s| format!("{p}{s}")))
            .collect();
    }
    out
}

/// Whether `c` can be the character after `prefix` in an address (lower-cased).
fn possible(c: char, at_start: bool) -> bool {
    c.is_ascii_alphanumeric() || ATEXT_PUNCT.contains(c) || (!at_start && (c == '.' || c == '@'))
}

/// The lower-case characters that can follow `prefix` in the sort key of any item whose
/// key starts with `prefix` (case-insensitively) and lies between the ascending page's last
/// item and the descending page's last item.
///
/// `lows[i]` / `highs[i]` are the addresses of one item of the ascending / descending page,
/// any of which may be its sort key: the lower bound is the largest of the items' smallest
/// addresses, the upper bound the smallest of their largest, which is what the ordering
/// guarantees without knowing which address Google sorts by. The bounds are computed under
/// each of [`FOLDS`] and the results united.
pub fn next_chars(prefix: &str, lows: &[Vec<&str>], highs: &[Vec<&str>]) -> Option<Vec<char>> {
    let n = prefix.chars().count();
    let mut raw: BTreeSet<char> = BTreeSet::new();
    for f in FOLDS {
        let lo = lows
            .iter()
            .filter_map(|es| es.iter().map(|e| folded(f, e)).min())
            .max()?;
        let hi = highs
            .iter()
            .filter_map(|es| es.iter().map(|e| folded(f, e)).max())
            .min()?;
        for p in case_variants(prefix) {
            let p = folded(f, &p);
            // Keys as short as the prefix cannot be addresses; treat them as unpinned.
            if lo.len() <= n || hi.len() <= n {
                return None;
            }
            let (lh, hh) = (&lo[..n], &hi[..n]);
            if lh > &p[..] || hh < &p[..] {
                continue; // under this order no key in range starts with this spelling
            }
            // Both bounds must start with the prefix: otherwise the range after it is
            // unbounded on that side and could hold characters no clause can name.
            if lh != &p[..] || hh != &p[..] {
                return None;
            }
            let (a, b) = (lo[n], hi[n]);
            if !a.is_ascii() || !b.is_ascii() {
                return None;
            }
            raw.extend(
                (0u8..=127)
                    .map(char::from)
                    .filter(|&x| a <= f(x) && f(x) <= b),
            );
        }
    }
    if raw.iter().any(|c| UNWRITABLE.contains(*c)) {
        return None;
    }
    let out: BTreeSet<char> = raw
        .into_iter()
        .filter(|&c| possible(c, n == 0))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some(out.into_iter().collect())
}

/// The first-character partitions for the smallest and largest sort keys, or `None` when
/// partitioning cannot be exact (non-ASCII bounds, an unwritable character in range).
pub fn partition_chars(lo: &str, hi: &str) -> Option<Vec<char>> {
    next_chars("", &[vec![lo]], &[vec![hi]])
}

#[cfg(test)]
mod tests {
    use super::{next_chars, partition_chars};

    fn s(v: Option<Vec<char>>) -> String {
        v.map(|v| v.into_iter().collect())
            .unwrap_or_else(|| "<plain>".into())
    }

    #[test]
    fn covers_the_range_under_every_plausible_order() {
        assert_eq!(
            s(partition_chars("adam@x", "zed@x")),
            "abcdefghijklmnopqrstuvwxyz"
        );
        assert_eq!(s(partition_chars("bob@x", "bob@x")), "b");
        // Digits up to letters: the punctuation in between cannot start an address, except
        // `=`, `?`, `^`, `_` and the backtick which are atext; in raw ASCII order `0..c`
        // also spans the upper-case letters, whose (case-insensitive) partitions are a-z.
        assert_eq!(
            s(partition_chars("0@x", "c@x")),
            "0123456789=?^_`abcdefghijklmnopqrstuvwxyz"
        );
        // "Zed" before "amy" only happens in raw ASCII order (case-folded orders would put
        // it last), and there only `Z [ \ ] ^ _ \` a` can start a key in between.
        assert_eq!(s(partition_chars("Zed@x", "amy@x")), "^_`az");
        assert_eq!(s(partition_chars("'quote@x", "z@x")), "<plain>");
        assert_eq!(s(partition_chars("é@x", "z@x")), "<plain>");
    }

    #[test]
    fn second_characters_include_the_at_sign_and_dots() {
        let lows = [vec!["a@x"]];
        let highs = [vec!["ab@x"]];
        // '@' (a one-letter local part) up to 'b': in raw ASCII order that spans the
        // upper-case letters (so every letter) and `^ _ \``; '.' sorts before '@'.
        assert_eq!(
            s(next_chars("a", &lows, &highs)),
            "@^_`abcdefghijklmnopqrstuvwxyz"
        );
        assert_eq!(
            s(next_chars("m", &[vec!["mo@x"]], &[vec!["mu@x"]])),
            "opqrstu"
        );
    }

    #[test]
    fn uses_the_tightest_bound_any_address_allows() {
        // The first item's only address is outside the prefix, the second pins it.
        let lows = [vec!["anna@x"], vec!["anna@x", "mia@x"], vec!["mo@x"]];
        let highs = [vec!["zoe@x"], vec!["mu@x"]];
        assert_eq!(s(next_chars("m", &lows, &highs)), "opqrstu");
        // A device that might sort by either of its addresses bounds by the wider one.
        let lows = [vec!["anna@x", "mo@x"]];
        assert_eq!(s(next_chars("m", &lows, &highs)), "<plain>");
        let highs = [vec!["mu@x", "zoe@x"]];
        assert_eq!(s(next_chars("m", &[vec!["mo@x"]], &highs)), "<plain>");
        assert_eq!(
            s(next_chars("m", &[vec!["m'x@x"]], &[vec!["mz@x"]])),
            "<plain>"
        );
    }
}
