//! The gate: a benchmark's figures held to its budgets ([`verdict`], with growth judged only where
//! it can be, [`growth`], and every failure said, [`reason`]) and to the base's figures
//! ([`compare`]), and budgets suggested from what was measured ([`suggest`]). Pure: results in,
//! verdicts and text out.

pub mod compare;
pub mod growth;
pub mod reason;
pub mod suggest;
pub mod verdict;
