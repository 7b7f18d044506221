//! Reporters: each reads only [`Results`](crate::results::Results) and returns text or bytes, so
//! that `memgate report` can render again what `check` wrote.

pub mod chart;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod terminal;
