//! Which flavour of the app is running (release, dev, test) and therefore which identifier it uses.
//!
//! The identifier names the platform data folder, the WebView's storage and (later) the keyring service, so
//! giving each flavour its own identifier is what keeps a debug build or a test run away from the user's real
//! database and secrets.

use serde::Serialize;

/// The identifier of the release build; `tauri.conf.json` carries the same value.
pub const RELEASE_IDENTIFIER: &str = "app.brightrun.desktop";

/// Environment variable that selects the test flavour (`BRIGHTRUN_ENV=test`) or the dev flavour (`dev`).
pub const ENV_VAR: &str = "BRIGHTRUN_ENV";

/// Environment variable that replaces the platform data folder with a folder of the caller's choice.
pub const DATA_DIR_VAR: &str = "BRIGHTRUN_DATA_DIR";

/// The flavour of a running app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum AppEnvironment {
    /// A release build run by a user.
    Release,
    /// A debug build (`cargo build`, `tauri dev`).
    Dev,
    /// Any build started with `BRIGHTRUN_ENV=test` (end-to-end tests, CI).
    Test,
}

impl AppEnvironment {
    /// Reads `BRIGHTRUN_ENV` and the build profile of this binary.
    pub fn detect() -> Self {
        let requested = std::env::var(ENV_VAR).ok();
        Self::resolve(requested.as_deref(), cfg!(debug_assertions))
    }

    /// Decides the flavour from the requested value and whether this is a debug build.
    ///
    /// A release flavour can never be requested: a debug build must not be able to open the user's real data.
    pub fn resolve(requested: Option<&str>, debug_build: bool) -> Self {
        match requested.map(str::trim) {
            Some("test") => Self::Test,
            Some("dev") => Self::Dev,
            Some(other) if !other.is_empty() => {
                tracing::warn!(
                    value = other,
                    "ignoring unknown {ENV_VAR}; expected `test` or `dev`"
                );
                Self::by_profile(debug_build)
            }
            _ => Self::by_profile(debug_build),
        }
    }

    fn by_profile(debug_build: bool) -> Self {
        if debug_build {
            Self::Dev
        } else {
            Self::Release
        }
    }

    /// The app identifier for this flavour: the release identifier with a `.dev` or `.test` suffix.
    pub fn identifier(self) -> String {
        match self {
            Self::Release => RELEASE_IDENTIFIER.to_owned(),
            Self::Dev => format!("{RELEASE_IDENTIFIER}.dev"),
            Self::Test => format!("{RELEASE_IDENTIFIER}.test"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_builds_are_dev_and_release_builds_are_release() {
        assert_eq!(AppEnvironment::resolve(None, true), AppEnvironment::Dev);
        assert_eq!(AppEnvironment::resolve(None, false), AppEnvironment::Release);
        assert_eq!(AppEnvironment::resolve(Some(""), false), AppEnvironment::Release);
    }

    #[test]
    fn test_flavour_wins_over_the_build_profile() {
        assert_eq!(AppEnvironment::resolve(Some("test"), false), AppEnvironment::Test);
        assert_eq!(
            AppEnvironment::resolve(Some(" test "), true),
            AppEnvironment::Test
        );
        assert_eq!(AppEnvironment::resolve(Some("dev"), false), AppEnvironment::Dev);
    }

    #[test]
    fn release_cannot_be_requested_from_a_debug_build() {
        assert_eq!(
            AppEnvironment::resolve(Some("release"), true),
            AppEnvironment::Dev
        );
    }

    #[test]
    fn every_flavour_has_its_own_identifier() {
        let ids = [AppEnvironment::Release, AppEnvironment::Dev, AppEnvironment::Test]
            .map(AppEnvironment::identifier);
        assert_eq!(ids[0], "app.brightrun.desktop");
        assert_eq!(ids[1], "app.brightrun.desktop.dev");
        assert_eq!(ids[2], "app.brightrun.desktop.test");
    }
}
