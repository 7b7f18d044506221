//! Reporters: each reads only [`Results`](crate::results::Results) and returns text or bytes, so
//! that `memgate report` can render again what `check` wrote.
//!
//! Each builds one [`view::SuiteView`] (what every report shows, derived once) and renders it;
//! [`text`] holds the phrases several reports write and [`escape`] every way user text is made
//! safe or short. The Markdown comment and the HTML page share their opening lines
//! ([`headline`]); the Markdown embeds [`mermaid`] charts and the HTML page [`chart`]'s SVG.

pub mod answer;
pub mod breakdown;
pub mod chart;
pub mod escape;
#[cfg(test)]
mod fixtures;
pub mod headline;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod sites;
pub mod stderr_tail;
pub mod terminal;
pub mod text;
pub mod view;
