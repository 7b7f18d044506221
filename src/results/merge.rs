//! `memgate merge`: joins the results of shards into one file, refusing parts that do not belong
//! together (another schema, the same benchmark twice, different base commits).

use std::path::PathBuf;

use crate::results::{BaselineInfo, Results, SCHEMA};

pub fn merge(parts: Vec<(PathBuf, Results)>) -> Result<Results, String> {
    let mut parts = parts.into_iter();
    let (first_path, mut merged) = parts.next().ok_or("no results files to merge")?;
    let mut origin: Vec<(String, PathBuf)> = merged
        .benchmarks
        .iter()
        .map(|b| (b.name.clone(), first_path.clone()))
        .collect();
    check_schema(&first_path, &merged)?;
    for (path, part) in parts {
        check_schema(&path, &part)?;
        let sha = |r: &Results| r.baseline.as_ref().and_then(|b| b.git_sha.clone());
        if sha(&part) != sha(&merged) {
            return Err(format!(
                "{} was compared with base {} but {} with base {}: merge parts of one run",
                path.display(),
                sha(&part).unwrap_or_else(|| "none".into()),
                first_path.display(),
                sha(&merged).unwrap_or_else(|| "none".into()),
            ));
        }
        for benchmark in part.benchmarks {
            if let Some((_, other)) = origin.iter().find(|(name, _)| *name == benchmark.name) {
                return Err(format!(
                    "benchmark `{}` is in both {} and {}: shards must not overlap",
                    benchmark.name,
                    other.display(),
                    path.display()
                ));
            }
            origin.push((benchmark.name.clone(), path.clone()));
            merged.benchmarks.push(benchmark);
        }
        if part.created_at > merged.created_at {
            merged.created_at = part.created_at;
        }
        if let (Some(into), Some(from)) = (merged.baseline.as_mut(), part.baseline) {
            merge_removed(into, from);
        }
    }
    if let Some(baseline) = merged.baseline.as_mut() {
        baseline
            .removed
            .retain(|name| !merged.benchmarks.iter().any(|b| &b.name == name));
    }
    Ok(merged)
}

fn merge_removed(into: &mut BaselineInfo, from: BaselineInfo) {
    for name in from.removed {
        if !into.removed.contains(&name) {
            into.removed.push(name);
        }
    }
}

fn check_schema(path: &std::path::Path, results: &Results) -> Result<(), String> {
    if results.schema == SCHEMA {
        Ok(())
    } else {
        Err(format!(
            "{} has schema `{}`; this memgate reads `{SCHEMA}`",
            path.display(),
            results.schema
        ))
    }
}
