//! Broadsheet's benchmark harness, and what it shares with the browser
//! tests: a headless Chromium to drive.

pub mod chromium;
