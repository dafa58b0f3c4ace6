//! View pieces shared by several pages. Islands (the only parts shipped to the browser) are
//! marked `#[island]`.
pub mod account_forms;
pub mod auth_forms;
pub mod form;
pub mod layout;
pub mod page;
