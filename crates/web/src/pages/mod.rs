//! One module per page.

pub mod admin;
pub mod dashboard;
pub mod login;
pub mod object;
pub mod partners;
pub mod search;
pub mod submit;
