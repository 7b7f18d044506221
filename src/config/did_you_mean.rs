//! "Did you mean …?": the known word nearest to a misspelt one, for unknown keys and values in
//! `memgate.yml`; unrelated to the budgets that `memgate check` suggests from measurements.

/// The optimal-string-alignment distance between `a` and `b` (Levenshtein plus swaps of two
/// neighbouring characters), counted in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for swaps), the previous one and the current one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The same word for comparing: lowercase, `-` and spaces as `_`.
fn normalize(word: &str) -> String {
    word.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The known word nearest to `word`, if one is near enough to be what was meant: the same word
/// in another case or with `-` for `_`, or one within about a third of its length in edits.
pub(crate) fn nearest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let word = normalize(word);
    let limit = (word.chars().count() / 3).max(1);
    known
        .iter()
        .map(|&k| (edit_distance(&word, &normalize(k)), k))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Whether `word` is `candidate` but for case, `-` or spaces.
pub(crate) fn same_word(word: &str, candidate: &str) -> bool {
    normalize(word) == normalize(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("peak", "peak"), 0);
        assert_eq!(edit_distance("peek", "peak"), 1);
        assert_eq!(edit_distance("paek", "peak"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("wörld", "world"), 1);
    }

    #[test]
    fn nearest_known_key() {
        let budget = ["peak", "steady", "growth", "warn_at", "include_file"];
        assert_eq!(nearest("peek", &budget), Some("peak"));
        assert_eq!(nearest("warn-at", &budget), Some("warn_at"));
        assert_eq!(nearest("warnat", &budget), Some("warn_at"));
        assert_eq!(nearest("Include_File", &budget), Some("include_file"));
        assert_eq!(nearest("stedy", &budget), Some("steady"));
        assert_eq!(nearest("groth", &budget), Some("growth"));
        assert_eq!(nearest("colour", &budget), None);
        assert_eq!(nearest("x", &budget), None);
        let top = ["version", "defaults", "setup", "benchmarks", "github"];
        assert_eq!(nearest("benchmark", &top), Some("benchmarks"));
        assert_eq!(nearest("default", &top), Some("defaults"));
        assert_eq!(nearest("versoin", &top), Some("version"));
    }

    #[test]
    fn same_words() {
        assert!(same_word("Warn-At", "warn_at"));
        assert!(!same_word("warnat", "warn_at"));
    }
}
