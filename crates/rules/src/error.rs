//! Why a payroll could not be computed at all.

/// Why a payroll could not be computed at all.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A user needs the `default` overtime rule and there is none.
    #[error(
        "user {user} needs overtime rule `{wanted}`, which is not configured, and there is no `default` rule to fall back to; configured rules: {configured}"
    )]
    NoDefaultRule {
        /// The user.
        user: String,
        /// The rule name the user has.
        wanted: String,
        /// The configured names, comma-separated (or "none").
        configured: String,
    },
}
