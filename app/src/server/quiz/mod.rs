//! Quizzes: the model loaded from markdown, and members' attempts at them.
pub mod attempts;
pub mod model;
pub mod report;
pub mod service;
