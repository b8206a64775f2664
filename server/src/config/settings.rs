//! Every setting in one place (DESIGN §8): its environment name, its default as people read it,
//! whether it is a secret, and what it does. Values come from the environment, from
//! `<NAME>_FILE` (a file holding a secret, as container secrets are mounted), or from
//! `attune.toml`, which takes the same names in lower case (`listen` or `attune_listen`,
//! `database_url`); `attune config` prints where each effective value came from.

use std::collections::BTreeMap;

use anyhow::{bail, Context};

/// One setting.
pub struct Setting {
    pub name: &'static str,
    pub default: &'static str,
    /// Read from `<NAME>_FILE` too, and never printed.
    pub secret: bool,
    pub doc: &'static str,
}

const fn setting(name: &'static str, default: &'static str, doc: &'static str) -> Setting {
    Setting {
        name,
        default,
        secret: false,
        doc,
    }
}

const fn secret(name: &'static str, default: &'static str, doc: &'static str) -> Setting {
    Setting {
        name,
        default,
        secret: true,
        doc,
    }
}

/// Every setting Attune reads, in the order `attune config` prints them.
pub const SETTINGS: &[Setting] = &[
    setting("ATTUNE_LISTEN", "127.0.0.1:3000", "address to bind"),
    setting(
        "ATTUNE_BASE_URL",
        "http://127.0.0.1:3000",
        "public origin of every link",
    ),
    setting("ATTUNE_DATA_DIR", "./data", "SQLite file, mail files"),
    secret(
        "DATABASE_URL",
        "SQLite in the data dir",
        "sqlite://… or postgres://…",
    ),
    secret(
        "ATTUNE_MAIL_URL",
        "file://<data dir>/mail",
        "file://, smtp:// or smtps://",
    ),
    setting(
        "ATTUNE_MAIL_FROM",
        "<org name> <no-reply@host>",
        "From of every mail",
    ),
    setting(
        "ATTUNE_ORG_NAME",
        "the base URL's host",
        "the organisation's name",
    ),
    setting(
        "ATTUNE_WEBHOOK_ALLOW_PRIVATE",
        "false",
        "webhooks to private addresses",
    ),
    setting(
        "ATTUNE_WEBHOOK_RETRY_SCHEDULE",
        super::DEFAULT_RETRY_SCHEDULE,
        "webhook waits",
    ),
    setting(
        "ATTUNE_MAIL_RETRY_SCHEDULE",
        super::DEFAULT_MAIL_RETRY_SCHEDULE,
        "mail waits",
    ),
    setting(
        "ATTUNE_SITE_ROOT",
        "inside the binary",
        "the built site, from disk",
    ),
    setting(
        "ATTUNE_TRUSTED_PROXIES",
        "none",
        "proxies whose X-Forwarded-For counts",
    ),
    setting(
        "ATTUNE_METRICS_LISTEN",
        "none",
        "a separate address for /metrics",
    ),
    setting(
        "ATTUNE_HEADER_TIMEOUT",
        "10s",
        "time to send headers; idle limit",
    ),
    setting(
        "ATTUNE_SIGN_IN_LIMIT_PER_IP",
        "30",
        "sign-in links per client per 15 min",
    ),
    setting(
        "ATTUNE_PASSWORD_CHECKS",
        "the number of cores",
        "staff password checks at once",
    ),
    setting(
        "ATTUNE_GROUP_COMMIT",
        "true",
        "SQLite: commit changes together",
    ),
    secret(
        "ATTUNE_SMS_AUTH_TOKEN",
        "none",
        "verifies the SMS/voice provider",
    ),
    setting(
        "ATTUNE_SMS_ACCOUNT_SID",
        "none",
        "the provider account accepted",
    ),
    setting(
        "ATTUNE_INBOUND_MAIL_DOMAIN",
        "none",
        "domain of the mailto: unsubscribe",
    ),
    setting("ATTUNE_SMTP_LISTEN", "off", "Attune's own SMTP listener"),
];

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Environment,
    /// The file named by `<NAME>_FILE`.
    SecretFile,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Environment => "environment",
            Source::SecretFile => "environment (_FILE)",
        }
    }
}

/// The value each setting was given, and where.
#[derive(Debug, Default, Clone)]
pub struct Given(BTreeMap<&'static str, (String, Source)>);

impl Given {
    /// Gathers the settings from the environment (which wins), `<NAME>_FILE` for secrets, and
    /// the file's table. A key the file has that is no setting is refused by name.
    pub fn gather(
        file: &toml::Table,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Given> {
        let mut from_file = BTreeMap::new();
        for (key, value) in file {
            let Some(s) = SETTINGS
                .iter()
                .find(|s| file_keys(s.name).iter().any(|k| k == key))
            else {
                bail!("attune.toml: {key:?} is not a setting (see `attune config` for every name)");
            };
            let text = match value {
                toml::Value::String(v) => v.clone(),
                toml::Value::Integer(_) | toml::Value::Boolean(_) => value.to_string(),
                _ => bail!("attune.toml: {key} must be a string, a number or true/false"),
            };
            from_file.insert(s.name, text);
        }
        let mut given = BTreeMap::new();
        for s in SETTINGS {
            let file_var = format!("{}_FILE", s.name);
            let value = if let Some(v) = env(s.name) {
                Some((v, Source::Environment))
            } else if let Some(path) = env(&file_var).filter(|_| s.secret) {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("{file_var}: reading {path}"))?;
                Some((
                    text.trim_end_matches(['\n', '\r']).to_owned(),
                    Source::SecretFile,
                ))
            } else {
                from_file.remove(s.name).map(|v| (v, Source::File))
            };
            if let Some(value) = value {
                given.insert(s.name, value);
            }
        }
        Ok(Given(given))
    }

    /// The value given for `name`, if any.
    pub fn get(&self, name: &str) -> Option<String> {
        debug_assert!(
            SETTINGS.iter().any(|s| s.name == name),
            "{name} is read but not declared in SETTINGS"
        );
        self.0.get(name).map(|(v, _)| v.clone())
    }

    /// Where the value of `name` came from.
    pub fn source(&self, name: &str) -> Source {
        self.0.get(name).map_or(Source::Default, |(_, s)| *s)
    }
}

/// The keys the file takes for a setting: `listen` and `attune_listen` for `ATTUNE_LISTEN`.
fn file_keys(name: &str) -> [String; 2] {
    let lower = name.to_ascii_lowercase();
    let short = lower.strip_prefix("attune_").unwrap_or(&lower).to_owned();
    [short, lower]
}

/// A secret as `attune config` shows it: a URL keeps its scheme, host and path with any
/// password hidden; anything else shows only that it is set.
pub fn masked(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut url) if url.has_host() => {
            if url.password().is_some() {
                let _ = url.set_password(Some("****"));
            }
            url.set_query(None);
            url.to_string()
        }
        _ if value.starts_with("sqlite:") => value.to_owned(),
        _ => "**** (set)".to_owned(),
    }
}
