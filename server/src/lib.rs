//! The `guildhall` binary's library half: configuration, the HTTP router and its security
//! layers, and the listener that holds client connections. Integration tests build the same router.
pub mod config;
pub mod connections;
pub mod deadline;
pub mod forms;
pub mod metrics;
pub mod page_cache;
pub mod router;
pub mod security;
