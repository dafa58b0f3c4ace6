//! One file per page; a folder for an area whose pages outgrow one file (forum/).
pub mod account;
pub mod admin;
pub mod admin_certificate_batch;
pub mod admin_certificates;
pub mod auth;
pub mod certificates;
pub mod conduct;
pub mod forum;
pub mod home;
pub mod moderation;
pub mod not_found;
pub mod quiz;
pub mod training;
pub mod verify;

use leptos::prelude::*;

use crate::domain::form::FormInput;

/// What the member typed into `form` before a plain (no-JavaScript) submission was refused.
pub fn form_input(form: &'static str) -> Resource<FormInput> {
    Resource::new(
        || (),
        move |_| crate::server::request::take_form_input(form),
    )
}
