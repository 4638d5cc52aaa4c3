//! GitHub: the pull request comment (`comment`, with its Markdown escaping in `escape`
//! and its trends in `trend`), the artifact that carries a comparison from the
//! benchmark job to the commenting workflow and is read as untrusted (`artifact`), the
//! REST client that posts the comment (`api`), and the data branch the records are
//! published to (`databranch`).

pub mod api;
pub mod artifact;
pub mod comment;
pub mod databranch;
pub mod escape;
pub mod post;
pub mod trend;

#[cfg(test)]
mod workflows_tests;
