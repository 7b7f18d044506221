//! Problems found in a config file: all of them at once, each with its place in the file.

use std::fmt;

pub use super::yaml::Position;

/// One problem in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as it was given, e.g. `memgate.yml`.
    pub file: String,
    /// Where in the file; absent when the problem is the file as a whole (unreadable, say).
    pub position: Option<Position>,
    /// What is wrong and what would be right, a lowercase fragment.
    pub message: String,
}

impl ConfigError {
    /// The 1-based line, if the problem has one.
    pub fn line(&self) -> Option<usize> {
        self.position.map(|p| p.line)
    }
}

impl fmt::Display for ConfigError {
    /// `memgate.yml:12:7: unknown key …`, or `memgate.yml: …` without a position.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found in a config file, in file order; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    errors: Vec<ConfigError>,
}

impl ConfigErrors {
    /// Sorts by position (problems without one last) and drops exact repeats.
    ///
    /// # Panics
    /// If `errors` is empty: there is always at least one problem.
    pub(crate) fn new(mut errors: Vec<ConfigError>) -> Self {
        assert!(!errors.is_empty(), "ConfigErrors without an error");
        errors.sort_by_key(|e| (e.position.is_none(), e.position));
        errors.dedup();
        ConfigErrors { errors }
    }

    pub fn errors(&self) -> &[ConfigError] {
        &self.errors
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.errors.iter()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always false; here for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for ConfigErrors {
    /// One problem per line, no trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: Option<usize>, message: &str) -> ConfigError {
        ConfigError {
            file: "memgate.yml".into(),
            position: line.map(|line| Position { line, column: 3 }),
            message: message.into(),
        }
    }

    #[test]
    fn displays_one_per_line_in_file_order() {
        let errors = ConfigErrors::new(vec![
            error(None, "whole file"),
            error(Some(12), "b"),
            error(Some(2), "a"),
            error(Some(2), "a"),
        ]);
        assert_eq!(
            errors.to_string(),
            "memgate.yml:2:3: a\nmemgate.yml:12:3: b\nmemgate.yml: whole file"
        );
        assert_eq!(errors.len(), 3);
        assert_eq!(errors.errors()[1].line(), Some(12));
    }
}
