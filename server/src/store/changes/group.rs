//! Group commit: on SQLite, changes made at the same moment share one transaction and one
//! commit, each in its own savepoint when one fails, and their ledger rows are written together
//! at the end (`records.rs`).

use super::{records::Rows, write::apply_change_with, ChangeError, ChangeRequest, Committed};

type Reply = tokio::sync::oneshot::Sender<Result<Option<Committed>, ChangeError>>;

/// The group-commit writer: a task that takes every change queued while the previous commit
/// was on its way to disk, applies each in a savepoint of one transaction, commits once, and
/// then answers each caller.
#[derive(Clone)]
pub struct Committer {
    queue: tokio::sync::mpsc::UnboundedSender<(ChangeRequest, Reply)>,
}

/// The most changes one group commit takes.
const GROUP_MAX: usize = 512;

impl Committer {
    pub(crate) fn spawn(
        pool: sqlx::AnyPool,
        outbox: std::sync::Arc<tokio::sync::Notify>,
        read_model: std::sync::Arc<crate::store::read_model::ReadModel>,
    ) -> Committer {
        let (queue, mut jobs) = tokio::sync::mpsc::unbounded_channel::<(ChangeRequest, Reply)>();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(GROUP_MAX);
            while jobs.recv_many(&mut batch, GROUP_MAX).await > 0 {
                let started = std::time::Instant::now();
                let results = commit_group(&pool, &batch).await;
                tracing::debug!(
                    changes = batch.len(),
                    micros = started.elapsed().as_micros() as u64,
                    "group committed"
                );
                // Said before any caller hears back: a decision asked after a change's answer
                // reads the ledger first.
                if results.iter().any(|r| matches!(r, Ok(Some(_)))) {
                    read_model.changed();
                    outbox.notify_one();
                }
                for ((_, reply), result) in batch.drain(..).zip(results) {
                    let _ = reply.send(result);
                }
            }
        });
        Committer { queue }
    }

    pub(super) async fn apply(&self, req: ChangeRequest) -> Result<Option<Committed>, ChangeError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue
            .send((req, reply))
            .map_err(|_| anyhow::anyhow!("the database writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the database writer has stopped"))?
    }
}

/// One transaction for the whole group. Changes rarely fail, so the group is first applied
/// without savepoints (two statements fewer per change); if any change fails, that attempt is
/// rolled back and the group is applied again with one savepoint per change, so that a change
/// that fails rolls back alone. Either way the group's ledger, outbox and delivery rows are
/// written at the end, a statement per table for the whole group. If the commit itself fails,
/// every change in the group fails.
async fn commit_group(
    pool: &sqlx::AnyPool,
    batch: &[(ChangeRequest, Reply)],
) -> Vec<Result<Option<Committed>, ChangeError>> {
    let optimistic = async {
        let mut tx = pool.begin().await?;
        let mut rows = Rows::held();
        let mut results = Vec::with_capacity(batch.len());
        for (req, _) in batch {
            match apply_change_with(&mut tx, req, &mut rows).await {
                Ok(committed) => results.push(committed),
                Err(_) => {
                    tx.rollback().await?;
                    return Ok(None);
                }
            }
        }
        let first = rows.write_held(&mut tx).await?;
        let committing = std::time::Instant::now();
        tx.commit().await?;
        tracing::debug!(
            micros = committing.elapsed().as_micros() as u64,
            "commit written"
        );
        Ok::<_, sqlx::Error>(Some(
            results
                .into_iter()
                .map(|c| Ok(c.map(|c| numbered(c, first))))
                .collect::<Vec<_>>(),
        ))
    };
    let attempt = async {
        if let Some(results) = optimistic.await? {
            return Ok(results);
        }
        let mut tx = pool.begin().await?;
        let mut rows = Rows::held();
        let mut results = Vec::with_capacity(batch.len());
        for (req, _) in batch {
            let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
            let mark = rows.len();
            match apply_change_with(&mut savepoint, req, &mut rows).await {
                Ok(committed) => {
                    savepoint.commit().await?;
                    results.push(Ok(committed));
                }
                Err(e) => {
                    savepoint.rollback().await?;
                    rows.truncate(mark);
                    results.push(Err(e));
                }
            }
        }
        let first = rows.write_held(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(
            results
                .into_iter()
                .map(|r| r.map(|c| c.map(|c| numbered(c, first))))
                .collect(),
        )
    };
    match attempt.await {
        Ok(results) => results,
        Err(e) => {
            tracing::error!(error = %e, changes = batch.len(), "a group commit failed");
            batch
                .iter()
                .map(|_| {
                    Err(ChangeError::Internal(anyhow::anyhow!(
                        "the commit failed: {e}"
                    )))
                })
                .collect()
        }
    }
}

/// A change whose ledger row was held: its `seq` was its place among the group's rows.
fn numbered(committed: Committed, first: i64) -> Committed {
    Committed {
        seq: first + committed.seq,
        ..committed
    }
}
