//! Headless Chromium through ChromeDriver: Debian's `chromium` and
//! `chromium-driver`, never a downloaded browser. Used by the browser tests
//! and by `bench browser`.

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running ChromeDriver. Dropping it kills its process group, Chromium
/// (which ChromeDriver starts) included.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

/// A WebDriver session in a fresh headless Chromium whose profile lives in
/// `profile`. The flags are those Chromium needs on these machines: as root
/// (no sandbox), without a GPU or /dev/shm, and without its background
/// connections, which are refused here.
pub async fn session(profile: &Path) -> Result<(Client, Driver)> {
    session_with(profile, false).await
}

/// [`session`], and with `self_signed`, a browser that accepts any
/// server's certificate: for a benchmark's server over TLS on loopback,
/// whose certificate is made for the run.
pub async fn session_with(profile: &Path, self_signed: bool) -> Result<(Client, Driver)> {
    if !Path::new(CHROMEDRIVER).exists() {
        bail!(
            "{CHROMEDRIVER} is missing: install Debian's chromium and chromium-driver \
             (the README's test command does)"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: see `Driver`.
            .process_group(0)
            .spawn()
            .context("starting chromedriver")?,
    );
    let mut caps = serde_json::Map::new();
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--window-size=1200,900",
    ]
    .map(String::from)
    .into();
    args.push(format!("--user-data-dir={}", profile.display()));
    if self_signed {
        // WebDriver's `acceptInsecureCerts` covers the page's own fetches;
        // the flag also its workers' and the service worker's script.
        args.push("--ignore-certificate-errors".into());
        caps.insert("acceptInsecureCerts".into(), json!(true));
    }
    if let Ok(extra) = std::env::var("BENCH_CHROME_FLAGS") {
        args.extend(extra.split_whitespace().map(String::from));
    }
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    let started = Instant::now();
    loop {
        match ClientBuilder::rustls()?
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return Ok((client, driver)),
            Err(_) if started.elapsed() < Duration::from_secs(20) => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            Err(e) => bail!("could not start a WebDriver session: {e}"),
        }
    }
}
