//! The gate: a benchmark's figures held to its budgets ([`verdict`]) and to the base's figures
//! ([`compare`]), and budgets suggested from what was measured ([`suggest`]). Pure: results in,
//! verdicts and text out.

pub mod compare;
pub mod suggest;
pub mod verdict;
