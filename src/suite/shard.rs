//! `--shard K/N`: a deterministic part of the benchmarks, by a hash of each name, so that adding a
//! benchmark never moves the others to another shard (each lands by its own name alone).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let wrong = || format!("invalid shard `{text}`: write K/N with 1 ≤ K ≤ N, e.g. 2/4");
        let (k, n) = text.split_once('/').ok_or_else(wrong)?;
        let index: u32 = k.trim().parse().map_err(|_| wrong())?;
        let count: u32 = n.trim().parse().map_err(|_| wrong())?;
        if index == 0 || count == 0 || index > count {
            return Err(wrong());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the benchmark named `name` runs in this shard.
    pub fn contains(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// FNV-1a, 64-bit: fixed across Rust versions and platforms, unlike std's `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("bench-{i}")).collect()
    }

    #[test]
    fn parses_k_of_n_and_rejects_the_rest() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_benchmark_is_in_exactly_one_shard() {
        for count in 1..=5 {
            for name in names(50) {
                let homes = (1..=count)
                    .filter(|&index| Shard { index, count }.contains(&name))
                    .count();
                assert_eq!(homes, 1, "{name} in {homes} of {count} shards");
            }
        }
    }

    #[test]
    fn adding_a_benchmark_moves_no_other() {
        let count = 4;
        let shard_of =
            |name: &str| (1..=count).find(|&index| Shard { index, count }.contains(name));
        let before: Vec<_> = names(40).iter().map(|n| shard_of(n)).collect();
        let mut more = names(40);
        more.push("a-new-benchmark".into());
        let after: Vec<_> = more[..40].iter().map(|n| shard_of(n)).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn shards_are_roughly_balanced() {
        let count = 4;
        for index in 1..=count {
            let n = names(400)
                .iter()
                .filter(|n| Shard { index, count }.contains(n))
                .count();
            assert!((60..=140).contains(&n), "shard {index} has {n} of 400");
        }
    }
}
