//! Configuration (DESIGN §8): defaults that work on a laptop, an optional `attune.toml`, and
//! `ATTUNE_*` / `DATABASE_URL` environment variables over both.

use anyhow::{bail, Context};
use std::{net::SocketAddr, path::PathBuf};
use url::Url;

mod settings;
pub use settings::{masked, Given, Source, SETTINGS};

/// Everything `attune` needs to know about its surroundings, after defaults and overrides.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The public origin every link is built on; never taken from a request's `Host`.
    pub base_url: Url,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub mail_url: String,
    pub webhook_allow_private: bool,
    /// Sign-in link requests allowed per client IP address per 15 minutes.
    pub sign_in_limit_per_ip: i64,
    /// A directory to serve the compiled site (`pkg/attune.{js,wasm,css}` and public files)
    /// from instead of the copy inside the binary (development).
    pub site_root: Option<PathBuf>,
    /// The waits between webhook attempts; after the last one fails the delivery is failed.
    pub webhook_retry_schedule: Vec<std::time::Duration>,
    /// The waits between attempts to send a mail (`ATTUNE_MAIL_RETRY_SCHEDULE`).
    pub mail_retry_schedule: Vec<std::time::Duration>,
    /// SQLite: commit concurrent changes together (one disk flush for many changes).
    pub group_commit: bool,
    /// Password checks (Argon2, ~20 MiB and tens of milliseconds each) run at once at most;
    /// a sign-in beyond that is answered 503 at once instead of queueing.
    pub password_checks: usize,
    /// Proxies whose `X-Forwarded-For` names the client (`ATTUNE_TRUSTED_PROXIES`, CIDRs).
    pub trusted_proxies: Vec<crate::http::cidr::Cidr>,
    /// Where `/metrics` is served instead of the main address (`ATTUNE_METRICS_LISTEN`).
    pub metrics_listen: Option<SocketAddr>,
    /// A connection must send a request's headers within this long, and is closed after sitting
    /// idle this long between requests (`ATTUNE_HEADER_TIMEOUT`, default 10 s).
    pub header_timeout: std::time::Duration,
    /// Verifies the SMS and voice provider's webhooks (`ATTUNE_SMS_AUTH_TOKEN`); without it the
    /// `/inbound/*` routes answer 404.
    pub sms_auth_token: Option<String>,
    /// The provider account whose deliveries are accepted (`ATTUNE_SMS_ACCOUNT_SID`, `AC` and 32
    /// hex digits); when set, a delivery naming another account, or none, changes nothing.
    pub sms_account_sid: Option<String>,
    /// The organisation's name in replies to texts (`ATTUNE_ORG_NAME`; default: the base URL's
    /// host).
    pub org_name: String,
    /// The From of every mail Attune sends (`ATTUNE_MAIL_FROM`; default: the organisation's
    /// name at `no-reply@` the base URL's host).
    pub mail_from: lettre::message::Mailbox,
    /// What each setting was given, and where (`attune config`).
    pub given: Given,
    /// The domain of the `mailto:` List-Unsubscribe address (`ATTUNE_INBOUND_MAIL_DOMAIN`);
    /// without it decisions carry only the HTTPS one and `/inbound/mail` answers 404.
    pub inbound_mail_domain: Option<String>,
    /// Where Attune's own SMTP listener for those mails binds (`ATTUNE_SMTP_LISTEN`; off).
    pub smtp_listen: Option<SocketAddr>,
    /// How far that listener's clients may go; fixed (DESIGN §9), not read from the
    /// environment.
    pub smtp_limits: crate::inbound::smtp::conn::Limits,
}

/// The default waits between webhook attempts: about two and a half days in all, ten attempts.
pub const DEFAULT_RETRY_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h,14h,20h";
/// Mail is tried again sooner (a sign-in link is wanted now), for about a day in all (DESIGN §7).
pub const DEFAULT_MAIL_RETRY_SCHEDULE: &str = "5s,30s,2m,10m,30m,1h,2h,4h,6h,10h";

impl Config {
    /// Reads `attune.toml` (or the file named by `ATTUNE_CONFIG`) if present, then the
    /// environment.
    pub fn load() -> anyhow::Result<Self> {
        let explicit = std::env::var("ATTUNE_CONFIG").ok();
        let path = PathBuf::from(explicit.as_deref().unwrap_or("attune.toml"));
        let file = if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            text.parse::<toml::Table>()
                .with_context(|| format!("in {}", path.display()))?
        } else if explicit.is_some() {
            bail!(
                "ATTUNE_CONFIG names {}, which does not exist",
                path.display()
            );
        } else {
            toml::Table::new()
        };
        Self::resolve(file, |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    /// Builds a configuration from defaults and an environment lookup only, with no file.
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        Self::resolve(toml::Table::new(), env)
    }

    /// Builds a configuration from a file's values and an environment lookup.
    ///
    /// Settings are read in a fixed order, so the first bad one is the one reported.
    fn resolve(
        file: toml::Table,
        raw_env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let given = Given::gather(&file, &raw_env)?;
        let env = |name: &str| given.get(name);

        let listen = parse_listen(env("ATTUNE_LISTEN"))?;
        let metrics_listen = metrics_listen(&env)?;
        let base_url = env("ATTUNE_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into());
        let base_url = parse_base_url(&base_url)?;
        let data_dir = PathBuf::from(env("ATTUNE_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = database_url(env("DATABASE_URL"), &data_dir)?;
        let mail_url = mail_url(env("ATTUNE_MAIL_URL"), &data_dir)?;
        let webhook_allow_private =
            env_bool(&env, "ATTUNE_WEBHOOK_ALLOW_PRIVATE")?.unwrap_or(false);
        let site_root = env("ATTUNE_SITE_ROOT")
            .or_else(|| raw_env("LEPTOS_SITE_ROOT"))
            .map(PathBuf::from);
        let sign_in_limit_per_ip =
            env_positive::<i64>(&env, "ATTUNE_SIGN_IN_LIMIT_PER_IP")?.unwrap_or(30);
        let webhook_retry_schedule = named_schedule(
            "ATTUNE_WEBHOOK_RETRY_SCHEDULE",
            env("ATTUNE_WEBHOOK_RETRY_SCHEDULE"),
            DEFAULT_RETRY_SCHEDULE,
        )?;
        let mail_retry_schedule = named_schedule(
            "ATTUNE_MAIL_RETRY_SCHEDULE",
            env("ATTUNE_MAIL_RETRY_SCHEDULE"),
            DEFAULT_MAIL_RETRY_SCHEDULE,
        )?;
        let group_commit = env_bool(&env, "ATTUNE_GROUP_COMMIT")?.unwrap_or(true);
        let password_checks = env_positive::<usize>(&env, "ATTUNE_PASSWORD_CHECKS")?
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let trusted_proxies = trusted_proxies(&env)?;
        let header_timeout = header_timeout(&env)?;

        let Inbound {
            sms_auth_token,
            sms_account_sid,
            inbound_mail_domain,
            smtp_listen,
        } = inbound(&env)?;
        let org_name = env("ATTUNE_ORG_NAME")
            .unwrap_or_else(|| base_url.host_str().unwrap_or("us").to_owned());
        let mail_from = mail_from(env("ATTUNE_MAIL_FROM"), &org_name, &base_url)?;

        Ok(Config {
            inbound_mail_domain,
            smtp_listen,
            smtp_limits: Default::default(),
            sms_auth_token,
            sms_account_sid,
            org_name,
            mail_from,
            given,
            listen,
            base_url,
            data_dir,
            database_url,
            mail_url,
            webhook_allow_private,
            sign_in_limit_per_ip,
            site_root,
            webhook_retry_schedule,
            mail_retry_schedule,
            group_commit,
            password_checks,
            trusted_proxies,
            metrics_listen,
            header_timeout,
        })
    }

    /// Every setting as `attune config` prints it: name, effective value (secrets masked) and
    /// where it came from.
    pub fn describe(&self) -> Vec<(&'static str, String, Source)> {
        SETTINGS
            .iter()
            .map(|s| {
                let effective = match s.name {
                    "ATTUNE_LISTEN" => Some(self.listen.to_string()),
                    "ATTUNE_BASE_URL" => Some(self.base_url.to_string()),
                    "ATTUNE_DATA_DIR" => Some(self.data_dir.display().to_string()),
                    "DATABASE_URL" => Some(self.database_url.clone()),
                    "ATTUNE_MAIL_URL" => Some(self.mail_url.clone()),
                    "ATTUNE_MAIL_FROM" => Some(self.mail_from.to_string()),
                    "ATTUNE_ORG_NAME" => Some(self.org_name.clone()),
                    _ => self.given.get(s.name),
                };
                let value = match effective {
                    Some(v) if s.secret => masked(&v),
                    Some(v) => v,
                    None => s.default.to_owned(),
                };
                (s.name, value, self.given.source(s.name))
            })
            .collect()
    }

    /// The origin (`scheme://host[:port]`) that same-site requests carry in their `Origin` header.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }

    /// Whether the site is served over plain http on a loopback host, where browsers refuse
    /// `Secure` and `__Host-` cookies.
    pub fn is_plain_http_localhost(&self) -> bool {
        self.base_url.scheme() == "http"
            && matches!(
                self.base_url.host_str(),
                Some("localhost" | "127.0.0.1" | "[::1]")
            )
    }
}

/// The shortest `ATTUNE_SMS_AUTH_TOKEN` taken: Twilio's auth tokens are 32 characters, and a
/// short one could be guessed from one signed request.
pub const MIN_SMS_AUTH_TOKEN_LEN: usize = 16;

/// The settings of the reply paths (DESIGN §3.1).
struct Inbound {
    sms_auth_token: Option<String>,
    sms_account_sid: Option<String>,
    inbound_mail_domain: Option<String>,
    smtp_listen: Option<SocketAddr>,
}

fn inbound(env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Inbound> {
    let sms_auth_token = env("ATTUNE_SMS_AUTH_TOKEN");
    // The token is a secret: the message names the variable, never the value.
    if sms_auth_token
        .as_ref()
        .is_some_and(|t| t.trim().chars().count() < MIN_SMS_AUTH_TOKEN_LEN)
    {
        bail!(
            "ATTUNE_SMS_AUTH_TOKEN must be at least {MIN_SMS_AUTH_TOKEN_LEN} characters \
             (the provider's auth token; Twilio's have 32)"
        );
    }
    let sms_account_sid = env("ATTUNE_SMS_ACCOUNT_SID")
        .map(|sid| {
            let sid = sid.trim().to_owned();
            if crate::inbound::twilio::is_sid(&sid, &["AC"]) {
                Ok(sid)
            } else {
                Err(anyhow::anyhow!(
                    "ATTUNE_SMS_ACCOUNT_SID {sid:?} is not an account SID: AC and 32 hex digits"
                ))
            }
        })
        .transpose()?;
    if sms_account_sid.is_some() && sms_auth_token.is_none() {
        bail!("ATTUNE_SMS_ACCOUNT_SID needs ATTUNE_SMS_AUTH_TOKEN, which verifies that account's webhooks");
    }
    let inbound_mail_domain = env("ATTUNE_INBOUND_MAIL_DOMAIN")
        .map(|d| {
            let d = d.trim().to_ascii_lowercase();
            let valid = !d.is_empty()
                && d.split('.').all(|label| {
                    !label.is_empty()
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
            if valid {
                Ok(d)
            } else {
                Err(anyhow::anyhow!(
                    "ATTUNE_INBOUND_MAIL_DOMAIN {d:?} is not a domain like mail.example.com"
                ))
            }
        })
        .transpose()?;
    let smtp_listen = env("ATTUNE_SMTP_LISTEN")
        .filter(|v| v != "off")
        .map(|v| {
            v.parse::<SocketAddr>().with_context(|| {
                format!("ATTUNE_SMTP_LISTEN {v:?} is not an address like 0.0.0.0:2525")
            })
        })
        .transpose()?;
    if smtp_listen.is_some() && inbound_mail_domain.is_none() {
        bail!(
            "ATTUNE_SMTP_LISTEN needs ATTUNE_INBOUND_MAIL_DOMAIN, the domain its addresses are at"
        );
    }
    Ok(Inbound {
        sms_auth_token,
        sms_account_sid,
        inbound_mail_domain,
        smtp_listen,
    })
}

/// `ATTUNE_LISTEN` (or the file's `listen`), defaulting to 127.0.0.1:3000.
fn parse_listen(listen: Option<String>) -> anyhow::Result<SocketAddr> {
    let listen = listen.unwrap_or_else(|| "127.0.0.1:3000".into());
    listen
        .parse()
        .with_context(|| format!("ATTUNE_LISTEN {listen:?} is not an address like 127.0.0.1:3000"))
}

/// `ATTUNE_METRICS_LISTEN`: a separate address for `/metrics`, if any.
fn metrics_listen(env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<SocketAddr>> {
    env("ATTUNE_METRICS_LISTEN")
        .map(|v| {
            v.parse::<SocketAddr>().with_context(|| {
                format!("ATTUNE_METRICS_LISTEN {v:?} is not an address like 127.0.0.1:9100")
            })
        })
        .transpose()
}

/// `DATABASE_URL`, defaulting to a SQLite file in the data directory; SQLite or Postgres only.
fn database_url(url: Option<String>, data_dir: &std::path::Path) -> anyhow::Result<String> {
    let database_url = match url {
        Some(url) => url,
        None => format!("sqlite://{}?mode=rwc", data_dir.join("attune.db").display()),
    };
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        bail!("DATABASE_URL must start with sqlite: or postgres://");
    }
    Ok(database_url)
}

/// `ATTUNE_MAIL_URL`, defaulting to a mail folder in the data directory.
fn mail_url(url: Option<String>, data_dir: &std::path::Path) -> anyhow::Result<String> {
    let mail_url = url.unwrap_or_else(|| format!("file://{}", data_dir.join("mail").display()));
    if !["file://", "smtp://", "smtps://"]
        .iter()
        .any(|p| mail_url.starts_with(p))
    {
        bail!("ATTUNE_MAIL_URL must start with file://, smtp:// or smtps://");
    }
    Ok(mail_url)
}

/// A true/false variable, if set.
fn env_bool(env: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<Option<bool>> {
    env(name).map(|v| parse_bool(name, &v)).transpose()
}

/// A positive whole-number variable, if set.
fn env_positive<T>(env: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<Option<T>>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    env(name)
        .map(|v| {
            v.parse::<T>()
                .ok()
                .filter(|n| *n > T::from(0))
                .with_context(|| format!("{name} must be a positive number, not {v:?}"))
        })
        .transpose()
}

/// A retry schedule variable, defaulting to `default`; a bad one is refused by name.
fn named_schedule(
    name: &str,
    value: Option<String>,
    default: &str,
) -> anyhow::Result<Vec<std::time::Duration>> {
    let schedule = value.unwrap_or_else(|| default.into());
    parse_schedule(&schedule)
        .with_context(|| format!("{name} {schedule:?} must be waits like {default}"))
}

/// `ATTUNE_TRUSTED_PROXIES`: comma-separated CIDRs, none by default.
fn trusted_proxies(
    env: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<crate::http::cidr::Cidr>> {
    env("ATTUNE_TRUSTED_PROXIES")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(crate::http::cidr::Cidr::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("ATTUNE_TRUSTED_PROXIES: {e}"))
}

/// `ATTUNE_HEADER_TIMEOUT`: one wait of at most 10 minutes, 10 s by default.
fn header_timeout(env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<std::time::Duration> {
    Ok(match env("ATTUNE_HEADER_TIMEOUT") {
        Some(v) => match parse_schedule(&v).ok().as_deref() {
            Some([one]) if *one <= std::time::Duration::from_secs(600) => *one,
            _ => {
                bail!("ATTUNE_HEADER_TIMEOUT must be one wait like 10s, at most 10m, not {v:?}")
            }
        },
        None => std::time::Duration::from_secs(10),
    })
}

/// `ATTUNE_MAIL_FROM` (`Shop <no-reply@shop.example>` or a bare address), or the default: the
/// organisation's name at `no-reply@` the base URL's host (`attune.localhost` when the host is
/// an IP address or has no dot, which no mail system would take).
fn mail_from(
    given: Option<String>,
    org_name: &str,
    base_url: &Url,
) -> anyhow::Result<lettre::message::Mailbox> {
    if let Some(s) = given {
        return s.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "ATTUNE_MAIL_FROM {s:?} is not a mail address like \"Example Shop <no-reply@shop.example>\""
            )
        });
    }
    let host = base_url.host_str().unwrap_or("localhost");
    let domain = match host.contains('.') && host.parse::<std::net::IpAddr>().is_err() {
        true => host,
        false => "attune.localhost",
    };
    let address = format!("no-reply@{domain}")
        .parse()
        .context("the default From address")?;
    Ok(lettre::message::Mailbox::new(
        Some(org_name.to_owned()),
        address,
    ))
}

fn parse_base_url(s: &str) -> anyhow::Result<Url> {
    let url = Url::parse(s).with_context(|| format!("ATTUNE_BASE_URL {s:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        bail!("ATTUNE_BASE_URL must be an http(s) origin such as https://prefs.example.com");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("ATTUNE_BASE_URL must not have a query or fragment");
    }
    // Sessions ride on `Secure` cookies, which a browser keeps over plain http only on a
    // loopback host: anywhere else sign-in would silently never stick.
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        bail!(
            "ATTUNE_BASE_URL {s:?} is plain http on a host that is not this machine: browsers keep no \
             Secure cookies there, so nobody could stay signed in. Serve it over https (a reverse proxy \
             in front is fine) and give the https:// address"
        );
    }
    Ok(url)
}

/// `5s,5m,2h,1d` (also `ms`) into waits; at least one, none zero, each at most a week.
fn parse_schedule(s: &str) -> anyhow::Result<Vec<std::time::Duration>> {
    let waits = s
        .split(',')
        .map(|part| {
            let part = part.trim();
            let split = part
                .find(|c: char| !c.is_ascii_digit())
                .context("a wait needs a unit")?;
            let (n, unit) = part.split_at(split);
            let n: u64 = n.parse().context("a wait starts with a number")?;
            let ms = match unit {
                "ms" => n,
                "s" => n * 1000,
                "m" => n * 60_000,
                "h" => n * 3_600_000,
                "d" => n * 86_400_000,
                _ => bail!("unknown unit {unit:?}"),
            };
            anyhow::ensure!(
                ms > 0 && ms <= 7 * 86_400_000,
                "each wait is between 1 ms and 7 days"
            );
            Ok(std::time::Duration::from_millis(ms))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    anyhow::ensure!(!waits.is_empty() && waits.len() <= 50, "1 to 50 waits");
    Ok(waits)
}

fn parse_bool(name: &str, v: &str) -> anyhow::Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!("{name} must be true or false, not {v:?}"),
    }
}

#[cfg(test)]
mod tests;
