//! Everything that runs only on the server: the database, sessions, passwords, rate limits.
//! The only place that touches sqlx or the disk.
pub mod accounts;
pub mod cache;
pub mod certificates;
pub mod content;
pub mod db;
pub mod error;
pub mod forum;
pub mod identity;
pub mod passwords;
pub mod quiz;
pub mod rate_limit;
pub mod request;
pub mod sessions;
pub mod spreadsheet;
pub mod state;
pub mod training;

pub use error::AppError;
pub use state::{AppState, Settings};
