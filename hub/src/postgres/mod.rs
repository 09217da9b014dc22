//! The hub's store on PostgreSQL, for deployments that outgrow one machine: several hub
//! processes share one database, and any of them may serve any request.
//!
//! This module holds what must be right before anything else is built on it: the schema with
//! its migrations, and the change feed whose cursor never skips a change when several
//! processes write at once (`feed`). See `hub/PROTOCOL.md`, "The feed on PostgreSQL".

pub mod feed;
mod schema;

use std::fmt;

pub use feed::{FeedEntry, FeedRow};

/// What went wrong with the database, in terms the hub acts on: the database is away (answer
/// 503 and let the phone retry), or the data or a statement is wrong (a fault to log).
#[derive(Debug)]
pub enum PgError {
    /// The server cannot be reached or went away mid-transaction: nothing was committed.
    Unavailable(String),
    /// The database refused a statement or holds what this version does not understand.
    Failed(String),
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgError::Unavailable(m) => write!(f, "the PostgreSQL server is not available: {m}"),
            PgError::Failed(m) => write!(f, "PostgreSQL: {m}"),
        }
    }
}

impl std::error::Error for PgError {}

impl From<tokio_postgres::Error> for PgError {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.is_closed() || e.as_db_error().is_none() {
            PgError::Unavailable(e.to_string())
        } else {
            PgError::Failed(
                e.as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string()),
            )
        }
    }
}

impl From<deadpool_postgres::PoolError> for PgError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => PgError::Unavailable(other.to_string()),
        }
    }
}

pub type PgResult<T> = std::result::Result<T, PgError>;

/// A pool of connections to the hub's database, migrated to this version's schema.
#[derive(Clone)]
pub struct Pg {
    pool: deadpool_postgres::Pool,
}

impl Pg {
    /// Connects to `url` (`postgres://user@host:port/db`) and brings its schema up to date
    /// (each migration once, in one transaction, whichever process gets there first).
    pub async fn connect(url: &str) -> PgResult<Pg> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| PgError::Failed(format!("not a PostgreSQL URL: {e}")))?;
        let manager = deadpool_postgres::Manager::from_config(
            config,
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| PgError::Failed(e.to_string()))?;
        let pg = Pg { pool };
        schema::migrate(&pg).await?;
        Ok(pg)
    }

    pub(crate) async fn client(&self) -> PgResult<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> PgResult<i32> {
        let c = self.client().await?;
        let row = c.query_one("SELECT max(version) FROM schema_version", &[]).await?;
        Ok(row.get::<_, Option<i32>>(0).unwrap_or(0))
    }
}
