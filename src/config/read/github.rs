//! The `github:` section: when to comment on a pull request, and as whom.

use super::keys::Section;
use super::{Entry, Reader};
use crate::config::did_you_mean::nearest;
use crate::config::model::{CommentPolicy, GithubConfig};
use crate::config::yaml::Kind;

impl Reader<'_> {
    pub(super) fn github(&mut self, entry: &Entry) -> GithubConfig {
        let entries = self.entries(
            entry.value,
            Section::Github,
            "a mapping (such as `comment: on-change`)",
            "github",
        );
        let mut github = GithubConfig::default();
        for e in &entries {
            match e.key {
                "comment" => {
                    if let Some(policy) = self.comment_policy(e) {
                        github.comment = policy;
                    }
                }
                "comment_author" => github.comment_author = self.string(e, "a GitHub login"),
                _ => {}
            }
        }
        github
    }

    fn comment_policy(&mut self, entry: &Entry) -> Option<CommentPolicy> {
        let names: Vec<&str> = CommentPolicy::ALL.iter().map(|p| p.as_str()).collect();
        let expected = CommentPolicy::CHOICES;
        match &entry.value.kind {
            Kind::Str(s) => match s.parse::<CommentPolicy>() {
                Ok(policy) => Some(policy),
                Err(_) => {
                    let hint = nearest(s, &names)
                        .map(|n| format!(" — did you mean `{n}`?"))
                        .unwrap_or_default();
                    let message = format!(
                        "unknown comment policy `{s}` for `{}`{hint} (expected {expected})",
                        entry.path
                    );
                    self.report(entry.value, message);
                    None
                }
            },
            Kind::Bool(false) => {
                self.expected(
                    entry,
                    &format!("one of {expected} (`never` turns comments off)"),
                );
                None
            }
            _ => {
                self.expected(entry, &format!("one of {expected}"));
                None
            }
        }
    }
}
