//! `attune`: the command line. Thin: parse, build, run.

use anyhow::Context;
use clap::{Parser, Subcommand};
use server::{config::Config, demo, startup::Application, store::Store, telemetry};

/// mimalloc instead of glibc's allocator: rendering a page allocates and frees many small
/// strings across threads, and a profile of SSR had glibc's malloc and free at about a fifth
/// of the time (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "attune",
    version,
    about = "Attune: the preference center every sender asks before it sends"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site, the sender API and the operations endpoints.
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Seed demo topics and a demo contact; prints a sign-in link on the last line.
    Demo,
    /// Print the unsubscribe, preferences and not-me URLs for a contact, one per line.
    Link {
        /// The contact's ref.
        contact: String,
        /// The topic the message is about; without it, the links cover every optional message.
        #[arg(long)]
        topic: Option<String>,
        /// The channel the message goes out on (email, sms, voice, push).
        #[arg(long, default_value = "email")]
        channel: String,
    },
    /// Manage senders (systems that call the API).
    Sender {
        #[command(subcommand)]
        command: SenderCommand,
    },
    /// Manage topics.
    Topics {
        #[command(subcommand)]
        command: TopicsCommand,
    },
    /// Manage staff users of the console at /staff.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Print every setting's effective value and where it came from (default, file,
    /// environment); secrets are masked.
    Config,
    /// Write a consistent copy of the SQLite database (keys included) to FILE while attune
    /// serves. On Postgres, use pg_dump.
    Backup {
        /// Where to write the copy; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Put a backup in place of the SQLite database. Stop attune first. The event counter moves
    /// past every seq handed out, so webhook receivers never see a number twice.
    Restore {
        /// A file written by `attune backup`.
        file: std::path::PathBuf,
        /// Replace a database that holds contacts and changes.
        #[arg(long)]
        force: bool,
        /// The highest seq any receiver has seen (restoring onto a new machine, where the
        /// replaced database is gone): the next event is numbered above it.
        #[arg(long, value_name = "SEQ")]
        after: Option<i64>,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create a staff user; prints a generated password alone on the last line, unless
    /// --password-stdin reads one line from standard input instead. Refuses an existing address.
    Create {
        email: String,
        /// `admin` (also topics, senders, endpoints, staff) or `agent` (contacts only).
        #[arg(long)]
        role: String,
        /// Read the password (at least 12 characters) from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a staff user: they can no longer sign in, and their sessions end at once.
    Disable { email: String },
}

#[derive(Subcommand)]
enum SenderCommand {
    /// Create a sender (or add a key to an existing one); prints the API key alone on the last line.
    Create { name: String },
    /// Revoke an API key by the prefix shown when it was created (e.g. att_AbCdEfGh).
    Revoke { prefix: String },
}

#[derive(Subcommand)]
enum TopicsCommand {
    /// Create or update the topics in a TOML file (a list of [[topic]] tables).
    Import { file: std::path::PathBuf },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    telemetry::init_logging();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("attune: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load()?;
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(&config).await,
        Command::Demo => seed_demo(&config).await,
        Command::Link {
            contact,
            topic,
            channel,
        } => print_links(&config, &contact, topic.as_deref(), &channel).await,
        Command::Sender {
            command: SenderCommand::Create { name },
        } => create_sender(&config, &name).await,
        Command::Sender {
            command: SenderCommand::Revoke { prefix },
        } => revoke_key(&config, &prefix).await,
        Command::Staff {
            command:
                StaffCommand::Create {
                    email,
                    role,
                    password_stdin,
                },
        } => create_staff(&config, &email, &role, password_stdin).await,
        Command::Staff {
            command: StaffCommand::Disable { email },
        } => disable_staff(&config, &email).await,
        Command::Topics {
            command: TopicsCommand::Import { file },
        } => import_topics(&config, &file).await,
        Command::Config => {
            print_config(&config);
            Ok(())
        }
        Command::Backup { file } => backup(&config, &file).await,
        Command::Restore { file, force, after } => restore(&config, &file, force, after).await,
    }
}

/// `attune config`: one line per setting: name, effective value, source.
fn print_config(config: &Config) {
    let rows = config.describe();
    let width = rows.iter().map(|(name, ..)| name.len()).max().unwrap_or(0);
    for (name, value, source) in rows {
        println!("{name:width$}  {value}  ({})", source.as_str());
    }
}

/// `attune backup FILE`: a consistent copy of the database, taken while attune serves.
async fn backup(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    let seq = store.backup_into(file).await;
    store.close().await;
    let seq = seq?;
    println!(
        "Backed up to {} (events up to seq {seq}). It holds the link-signing keys: keep it as safe as the database.",
        file.display()
    );
    Ok(())
}

/// `attune restore FILE`: put a backup in place, with the event counter past every seq.
async fn restore(
    config: &Config,
    file: &std::path::Path,
    force: bool,
    after: Option<i64>,
) -> anyhow::Result<()> {
    let restored =
        server::store::backup::restore_sqlite(&config.database_url, file, force, after).await?;
    // Connecting brings the restored schema up to date.
    Store::connect(&config.database_url).await?.close().await;
    println!(
        "Restored {} (events up to seq {}); the next event is numbered above {}.",
        file.display(),
        restored.backup_seq,
        restored.counter
    );
    Ok(())
}

/// `attune serve`: build the application and serve until stopped.
async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    tracing::info!(address = %app.state.config.listen, base_url = %app.state.config.base_url, "attune is serving");
    app.run_until_stopped().await
}

/// `attune migrate`: connecting runs the migrations, so connect and close.
async fn migrate(config: &Config) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    store.close().await;
    println!("The database schema is up to date.");
    Ok(())
}

/// `attune demo`: seed the demo data and print a sign-in link on the last line.
async fn seed_demo(config: &Config) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    store.ensure_signing_keys("links").await?;
    let link = demo::seed(&store, &config.base_url).await?;
    store.close().await;
    println!(
        "Demo topics and the demo contact ({}) are ready.",
        demo::DEMO_CONTACT
    );
    println!("Sign in as the demo contact within 15 minutes:");
    println!("{link}");
    Ok(())
}

/// `attune link`: print the unsubscribe, preferences and not-me URLs for a contact.
async fn print_links(
    config: &Config,
    contact: &str,
    topic: Option<&str>,
    channel: &str,
) -> anyhow::Result<()> {
    let reference = app::domain::ContactRef::parse(contact)?;
    let channel = app::domain::Channel::parse(channel)?;
    let store = Store::connect(&config.database_url).await?;
    let contact_id = store
        .contact_id(&reference)
        .await?
        .with_context(|| format!("there is no contact {reference}"))?;
    let topic_id = match topic {
        Some(key) => {
            let key = app::domain::TopicKey::parse(key)?;
            store
                .topic(&key)
                .await?
                .with_context(|| format!("there is no topic {key}"))?
                .id
        }
        None => 0,
    };
    let links = server::links::Links::load(&store, config.base_url.clone()).await?;
    store.close().await;
    let urls = links.urls(&server::links::LinkSubject {
        contact_id,
        topic_id,
        channel: Some(channel.as_str()),
        purpose: None,
    });
    println!(
        "{}\n{}\n{}",
        urls.unsubscribe, urls.preferences, urls.not_me
    );
    Ok(())
}

/// `attune sender create`: print a new API key alone on the last line.
async fn create_sender(config: &Config, name: &str) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    let (_, key) = store.create_sender(name).await?;
    store.close().await;
    println!("Sender {name:?} has a new API key. It is shown only now; store it safely:");
    println!("{key}");
    Ok(())
}

/// `attune sender revoke`: revoke the live key with this prefix.
async fn revoke_key(config: &Config, prefix: &str) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    let revoked = store.revoke_key(prefix).await?;
    store.close().await;
    anyhow::ensure!(revoked, "no live key starts with {prefix:?}");
    println!("Revoked.");
    Ok(())
}

/// `attune staff create`: create a staff user with a given or generated password.
async fn create_staff(
    config: &Config,
    email: &str,
    role: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    use server::staff::users;
    let email = app::domain::Email::parse(email)?;
    let role = users::Role::parse(role)?;
    let (password, generated) = if password_stdin {
        (read_password_from_stdin()?, false)
    } else {
        (users::generate_password(), true)
    };
    let hash = users::hash_password(password.clone()).await?;
    let store = Store::connect(&config.database_url).await?;
    let created = store.create_staff_user(&email, role, &hash).await;
    store.close().await;
    created?;
    if generated {
        println!(
            "Staff user {} ({}) created. The password is shown only now:",
            email.as_str(),
            role.as_str()
        );
        println!("{password}");
    } else {
        println!("Staff user {} ({}) created.", email.as_str(), role.as_str());
    }
    Ok(())
}

/// Read one line from standard input as a password, refusing one that is too short.
fn read_password_from_stdin() -> anyhow::Result<String> {
    use server::staff::users;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    anyhow::ensure!(
        password.chars().count() >= users::MIN_PASSWORD_LEN,
        "the password must be at least {} characters",
        users::MIN_PASSWORD_LEN
    );
    Ok(password)
}

/// `attune staff disable`: disable a staff user by address.
async fn disable_staff(config: &Config, email: &str) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    let id = store.staff_id_by_email(email).await?;
    let done = match id {
        Some(id) => store.set_staff_disabled(id, true).await?,
        None => false,
    };
    store.close().await;
    anyhow::ensure!(done, "there is no staff user with that address");
    println!("Disabled.");
    Ok(())
}

/// `attune topics import`: create or update the topics in a TOML file.
async fn import_topics(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let topics = server::store::parse_topics_toml_checked(&text)?;
    let store = Store::connect(&config.database_url).await?;
    store.upsert_topics(&topics).await?;
    store.close().await;
    println!("Imported {} topics.", topics.len());
    Ok(())
}
