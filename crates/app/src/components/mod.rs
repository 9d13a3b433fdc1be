//! The viewer's components (Yew function components and hooks).

mod app;
mod article;
mod list;
mod offline;
mod text;

pub use app::{App, AppProps};
pub use list::PAGE;
