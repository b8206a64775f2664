//! How instances tell each other that they committed a change: Postgres `LISTEN`/`NOTIFY`.

use std::time::Duration;

use sqlx::AnyConnection;

/// The Postgres channel on which instances tell each other that they committed a change
/// (`NOTIFY` inside the transaction, so it is heard at commit); the poll stays the fallback.
pub const CHANNEL: &str = "attune_changes";

/// Inside a transaction that changes what decisions read: on Postgres, has the other instances
/// told at commit. Elsewhere (one process per SQLite file) nothing; the poll covers the rest.
pub async fn tell_others_in(conn: &mut AnyConnection) -> sqlx::Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("NOTIFY attune_changes")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Hears other instances' changes on Postgres and rings `heard` for each (a missed one is
/// only later: the poll reads the ledger anyway). Reconnects after a second when the
/// connection is lost; runs until dropped.
pub async fn listen(url: &str, heard: &tokio::sync::Notify) {
    loop {
        match sqlx::postgres::PgListener::connect(url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    while listener.recv().await.is_ok() {
                        heard.notify_one();
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not listen for changes"),
            },
            Err(e) => tracing::warn!(error = %e, "could not connect to listen for changes"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
