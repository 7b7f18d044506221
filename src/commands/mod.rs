//! One file per subcommand: each turns parsed arguments into an [`Outcome`](crate::cli::Outcome).

pub mod action;
pub mod check;
pub mod comment;
pub mod compare;
pub mod config;
mod progress;
pub mod report;
pub mod run;
