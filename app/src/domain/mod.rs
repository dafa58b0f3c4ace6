//! Plain types and rules shared by browser and server; no I/O here.
pub mod account;
pub mod dates;
pub mod form;
pub mod html;
pub mod language;
pub mod role;
