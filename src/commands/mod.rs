//! One file per subcommand: each turns parsed arguments into an [`Outcome`](crate::cli::Outcome).

pub mod run;
