//! Who payrun is to the Q2 API: the company id and the developer token,
//! from the environment, a token file or the configuration, never shown.

use std::path::Path;

use super::error::IngestError;

/// The developer token. It is only ever written into request bodies:
/// `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct DeveloperToken(pub(super) String);

impl DeveloperToken {
    /// Wraps a token (surrounding whitespace, such as a file's newline, is dropped).
    pub fn new(token: impl Into<String>) -> Self {
        DeveloperToken(token.into().trim().to_owned())
    }
}

impl std::fmt::Debug for DeveloperToken {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("DeveloperToken(<redacted>)")
    }
}

impl std::fmt::Display for DeveloperToken {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Who is asking: the company id and its developer token.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `companyId`.
    pub company_id: String,
    /// `developerToken`.
    pub token: DeveloperToken,
}

/// Environment variable holding the company id.
pub const ENV_COMPANY_ID: &str = "OTC_COMPANY_ID";
/// Environment variable holding the developer token.
pub const ENV_DEVELOPER_TOKEN: &str = "OTC_DEVELOPER_TOKEN";
/// Environment variable holding the endpoint URL.
pub const ENV_BASE_URL: &str = "OTC_BASE_URL";

impl Credentials {
    /// Resolves credentials: `OTC_COMPANY_ID` over `company_id` (from
    /// `company.id`), and `OTC_DEVELOPER_TOKEN` over the contents of
    /// `token_file` (from `company.token_file`; `~/` is the home directory).
    pub fn resolve(
        company_id: Option<&str>,
        token_file: Option<&str>,
    ) -> Result<Self, IngestError> {
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let company_id = env(ENV_COMPANY_ID)
            .or_else(|| company_id.map(str::to_owned))
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                IngestError::Credentials(format!(
                    "no company id: set `company.id` in the config or {ENV_COMPANY_ID}"
                ))
            })?;
        let token = match (env(ENV_DEVELOPER_TOKEN), token_file) {
            (Some(token), _) => token,
            (None, Some(file)) => read_token_file(file)?,
            (None, None) => {
                return Err(IngestError::Credentials(format!(
                    "no developer token: set `company.token_file` in the config or {ENV_DEVELOPER_TOKEN}"
                )));
            }
        };
        let token = DeveloperToken::new(token);
        if token.0.is_empty() {
            return Err(IngestError::Credentials(
                "the developer token is empty".into(),
            ));
        }
        Ok(Credentials {
            company_id: company_id.trim().to_owned(),
            token,
        })
    }
}

/// The token in the file `setting` (`company.token_file`) names. A token
/// pasted where the path goes is not echoed when it cannot be read.
fn read_token_file(setting: &str) -> Result<String, IngestError> {
    let path = expand_home(setting);
    warn_if_shared(&path);
    std::fs::read_to_string(&path).map_err(|e| {
        let named = if looks_like_path(setting) {
            format!("the developer token file {}", path.display())
        } else {
            "the file of the company.token_file setting (value hidden: it does not look like \
             a path)"
                .to_owned()
        };
        IngestError::Credentials(format!("cannot read {named}: {e}"))
    })
}

/// Whether a `token_file` setting looks like a path rather than a pasted
/// secret: it starts with `/`, `~` or `.`, or holds a `/`, and no part of
/// it is a long run of letters and digits such as a token is.
fn looks_like_path(setting: &str) -> bool {
    let path_like = setting.starts_with(['/', '~', '.']) || setting.contains(['/', '\\']);
    let secret_like = setting.split(['/', '\\']).any(|part| {
        part.len() >= 20
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_+=".contains(c))
            && part.chars().any(|c| c.is_ascii_digit())
            && part.chars().any(|c| c.is_ascii_alphabetic())
    });
    path_like && !secret_like
}

/// Warns when a token file can be read by its group or by others.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "the developer token file {} can be read by other users; run `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => Path::new(path).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token pasted where the token file's path goes is not echoed when
    /// the "file" cannot be read; a real path is named.
    #[test]
    fn a_token_file_setting_that_is_a_token_is_not_shown() {
        let resolve = |setting: &str| read_token_file(setting).unwrap_err().to_string();
        let e = resolve("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6");
        assert!(!e.contains("a1b2c3d4"), "{e}");
        assert!(e.contains("value hidden"), "{e}");
        let e = resolve("abc/def+ghi/0123456789abcdefghijklmnop==");
        assert!(!e.contains("0123456789"), "{e}");
        let e = resolve("/nonexistent/payrun/token");
        assert!(e.contains("/nonexistent/payrun/token"), "{e}");
        assert!(looks_like_path("~/.config/payrun/token") && looks_like_path("./token"));
        assert!(
            !looks_like_path("s3cr3ttoken") && !looks_like_path("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==")
        );
    }
}
