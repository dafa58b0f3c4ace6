//! The `guildhall` binary's library half: configuration, the HTTP router and its security
//! layers. Integration tests build the same router.
pub mod config;
pub mod page_cache;
pub mod router;
pub mod security;
