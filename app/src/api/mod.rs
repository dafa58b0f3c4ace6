//! Server functions: Guildhall's public HTTP API under `/api/`. Each checks who is calling
//! in its own body, then hands the work to `crate::server`.
pub mod accounts;
pub mod admin;
pub mod certificates;
pub mod error;
#[cfg(feature = "ssr")]
mod form;
pub mod forum;
pub mod quiz;
pub mod training;

pub use error::ApiError;
#[cfg(feature = "ssr")]
use form::finish_form;
