//! The backend's settings, read once per request from the runtime's environment (Workers
//! vars and secrets, or the process environment).

/// Settings the routes need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where the contract is mounted, without a trailing slash (default `/api`).
    pub base_path: String,
    /// Origins allowed to call from a browser (`GUICHET_ALLOWED_ORIGINS`, comma-separated).
    pub allowed_origins: Vec<String>,
}

impl Config {
    /// Reads the settings through `lookup` (an environment variable getter).
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Config {
        let base_path = lookup("GUICHET_BASE_PATH")
            .map(|p| p.trim().trim_end_matches('/').to_owned())
            .filter(|p| !p.is_empty())
            .map_or_else(
                || "/api".to_owned(),
                |p| {
                    if p.starts_with('/') {
                        p
                    } else {
                        format!("/{p}")
                    }
                },
            );
        let allowed_origins = lookup("GUICHET_ALLOWED_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        Config {
            base_path,
            allowed_origins,
        }
    }

    /// True when a browser at `origin` may read our answers.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_normalization() {
        let config = Config::from_env(|_| None);
        assert_eq!(config.base_path, "/api");
        assert!(config.allowed_origins.is_empty());

        let config = Config::from_env(|name| match name {
            "GUICHET_BASE_PATH" => Some("pay/".into()),
            "GUICHET_ALLOWED_ORIGINS" => Some(" https://shop.ci/ , http://localhost:5173,".into()),
            _ => None,
        });
        assert_eq!(config.base_path, "/pay");
        assert!(config.allows_origin("https://shop.ci"));
        assert!(config.allows_origin("http://localhost:5173"));
        assert!(!config.allows_origin("https://evil.example"));
    }
}
