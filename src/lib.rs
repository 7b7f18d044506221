//! memgate: a memory-budget gate for CI.
//!
//! The modules follow the pipeline (docs/architecture.md draws it):
//! [`config`] → [`suite`] (plan, setup, baseline, runs) → [`measure`] (one command's tree) →
//! [`gate`] (budgets, regressions) → [`results`] (results.json) → [`report`] and [`github`].
//! [`commands`] is the edge that turns the command line ([`cli`]) into calls of these; every
//! module below it is usable as a library, and I/O stays at the edges.

pub mod cli;
pub mod commands;
pub mod config;
pub mod gate;
pub mod github;
pub mod measure;
pub mod report;
pub mod results;
pub mod suite;
#[doc(hidden)] // fixtures for tests and benches; see its doc comment
pub mod testing;
pub mod units;
