//! memgate: a memory-budget gate for CI.
//!
//! Data flow (see docs/architecture.md): config → plan → measure → verdict → results → reporters.
//! Every module below the CLI is usable as a library; I/O stays at the edges.

pub mod budget_suggest;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod config;
pub mod github;
pub mod measure;
pub mod merge;
pub mod report;
pub mod results;
pub mod shard;
pub mod stats;
#[doc(hidden)] // fixtures for tests and benches; see its doc comment
pub mod testing;
pub mod text_safety;
pub mod units;
pub mod verdict;
pub mod worktree;
