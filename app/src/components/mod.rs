//! View pieces shared by several pages. Islands (the only parts shipped to the browser) are
//! marked `#[island]`.
#[cfg(feature = "ssr")]
pub mod account_forms;
pub mod auth_forms;
#[cfg(feature = "ssr")]
pub mod certificate;
pub mod form;
#[cfg(feature = "ssr")]
pub mod layout;
#[cfg(feature = "ssr")]
pub mod page;
#[cfg(feature = "ssr")]
pub mod per_member;
pub mod quiz;
