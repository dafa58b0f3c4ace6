//! Plain types and rules shared by browser and server; no I/O here.
pub mod account;
pub mod dates;
pub mod error;
pub mod form;
pub mod html;
pub mod language;
pub mod link;
pub mod member;
pub mod quiz;
pub mod role;
pub mod training;
