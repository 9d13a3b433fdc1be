//! `bench scale`: the whole side-by-side for several corpus sizes in one
//! run. For each size it generates the corpus (and its HTML twin for
//! Pagefind, up to 100,000 articles), builds it with Broadsheet and with
//! Pagefind, one tool at a time, measuring wall time, peak memory, files and
//! bytes written; then measures both sites in headless Chromium (see
//! [`crate::browser`]), on loopback and again with a round trip of
//! [`RTT`] on every request. It prints Markdown tables and draws an SVG
//! plot.
//!
//! Pagefind is told each page's language (`<html lang>`); Broadsheet is
//! told the corpus's languages (`--languages`, those of the seeds) and
//! detects each article's among them. Its build detecting among every
//! language it knows is timed too, and reported beside it.
//!
//! Corpora and sites stay in the work folder, so a second run reuses the
//! corpora and rebuilds the sites.

use crate::browser::{self, Figures};
use anyhow::{bail, Context, Result};
use broadsheet_core::numbers::thousands;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Pagefind runs up to this size (at 100,000 pages it needs about 8 GB).
const PAGEFIND_MAX: usize = 100_000;

/// Builds at most this size are run [`REPEATS`] times per tool, in turn,
/// and the median kept: a build of a second or less varies by a third
/// from run to run on these machines.
const REPEAT_MAX: usize = 10_000;
const REPEATS: usize = 3;

/// The round trip of the browser's second measurement at each size: about
/// a reader's to a CDN's edge on a good connection (loopback has none).
const RTT: Duration = Duration::from_millis(40);

/// The queries: two frequent German words cold, then two others.
const QUERY: &str = "Wissenschaft Technologie";
const NEXT: &str = "digitale Transformation";

/// What one build cost and wrote.
#[derive(Debug, Clone, Copy)]
pub struct Build {
    pub secs: f64,
    pub peak_mb: f64,
    pub files: u64,
    pub bytes: u64,
}

/// Everything measured at one corpus size.
struct Row {
    articles: usize,
    /// Told the corpus's languages (`--languages`), as Pagefind is told
    /// each page's (`<html lang>`): the site measured in the browser.
    broadsheet: Build,
    /// Detecting among every language it knows (no `--languages`).
    any_language: Build,
    pagefind: Option<Build>,
    browser: (Figures, Option<Figures>),
    /// The same with a round trip of [`RTT`] on every request.
    browser_rtt: (Figures, Option<Figures>),
}

/// Removes the previous run's outputs before either tool builds, and waits
/// until the kernel forgets them. On ext4 without a journal (as on the
/// benchmark machines) a new file skips every inode freed in the last 60 s
/// (300 s while its inode table is dirty: hence the `sync`), reading each
/// one's inode block to check: right after a large folder is deleted,
/// creating files costs several times more. Removing the old output just
/// before one tool's build charged that tool for it.
fn settle(outputs: &[PathBuf]) -> Result<()> {
    let mut removed = false;
    for dir in outputs.iter().filter(|d| d.exists()) {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing `{}`", dir.display()))?;
        removed = true;
    }
    if removed {
        let _ = Command::new("sync").status();
        eprintln!("waiting 61 s for the kernel to reuse the removed files' inodes freely");
        std::thread::sleep(std::time::Duration::from_secs(61));
    }
    Ok(())
}

/// Runs a command to completion; its wall time and peak resident memory
/// (from `wait4`, so the child's own, not this process's).
fn run_measured(cmd: &mut Command) -> Result<(f64, f64)> {
    let started = Instant::now();
    let child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; the pid is our
    // child's, reaped here and nowhere else (`Child` is not waited on).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let secs = started.elapsed().as_secs_f64();
    if pid < 0 {
        bail!("waiting for {cmd:?}: {}", std::io::Error::last_os_error());
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        bail!("{cmd:?} failed (wait status {status})");
    }
    // Linux reports ru_maxrss in kilobytes.
    Ok((secs, usage.ru_maxrss as f64 / 1024.0))
}

/// Builds `corpus` into `out` with Broadsheet, told its `languages` if
/// given.
fn build_broadsheet(
    broadsheet: &Path,
    corpus: &Path,
    out: &Path,
    languages: Option<&str>,
) -> Result<Build> {
    let mut cmd = Command::new(broadsheet);
    cmd.arg("build")
        .arg(corpus)
        .arg("--out")
        .arg(out)
        .arg("--quiet");
    if let Some(l) = languages {
        cmd.arg("--languages").arg(l);
    }
    let (secs, peak_mb) = run_measured(&mut cmd)?;
    let (files, bytes) = tree(out)?;
    Ok(Build {
        secs,
        peak_mb,
        files,
        bytes,
    })
}

/// The build of median time (files and bytes are the same in each), with
/// the highest peak memory of all.
fn median(builds: &[Build]) -> Build {
    let mut sorted = builds.to_vec();
    sorted.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    Build {
        peak_mb: builds.iter().map(|b| b.peak_mb).fold(0.0, f64::max),
        ..sorted[sorted.len() / 2]
    }
}

/// Files and bytes under `dir`.
fn tree(dir: &Path) -> Result<(u64, u64)> {
    let (mut files, mut bytes) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading `{}`", d.display()))? {
            let e = e?;
            let meta = e.metadata()?;
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                files += 1;
                bytes += meta.len();
            }
        }
    }
    Ok((files, bytes))
}

fn pagefind_binary() -> PathBuf {
    std::env::var_os("PAGEFIND")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../bench/quality/node_modules/.bin/pagefind")
        })
}

/// The `broadsheet` binary built next to this one.
fn broadsheet_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe.with_file_name("broadsheet");
    if !bin.is_file() {
        bail!(
            "no `{}`: build it first (cargo build --release -p broadsheet)",
            bin.display()
        );
    }
    Ok(bin)
}

pub fn run(sizes: &[usize], work: &Path, svg: &Path) -> Result<()> {
    let broadsheet = broadsheet_binary()?;
    let pagefind = pagefind_binary();
    if sizes.iter().any(|&n| n <= PAGEFIND_MAX) && !pagefind.is_file() {
        bail!(
            "no Pagefind at `{}`: run `npm ci` in bench/quality or set PAGEFIND",
            pagefind.display()
        );
    }
    std::fs::create_dir_all(work)?;
    let languages = crate::seed_languages(&crate::seed_dir())?;
    let mut rows = Vec::new();
    for &n in sizes {
        let corpus = work.join(format!("c{n}"));
        if !corpus.exists() {
            crate::corpus(n, &corpus, &crate::seed_dir())?;
        }
        let html = work.join(format!("h{n}"));
        let repeats = if n <= REPEAT_MAX { REPEATS } else { 1 };
        // Each build writes a folder of its own (the first is the one
        // measured in the browser), all removed before the first build:
        // see `settle`.
        let nth = |dir: &Path, what: &str, r: usize| match r {
            0 => dir.join(what),
            r => dir.join(format!("{what}.{r}")),
        };
        let outs = |r| nth(work, &format!("o{n}"), r);
        let anys = |r| nth(work, &format!("o{n}-any"), r);
        let pagefinds = |r| nth(&html, "pagefind", r);
        let mut outputs = Vec::new();
        for r in 0..REPEATS {
            outputs.extend([outs(r), anys(r), pagefinds(r)]);
        }
        settle(&outputs)?;
        if n <= PAGEFIND_MAX && !html.exists() {
            crate::html(&corpus, &html)?;
        }
        let (mut told, mut any, mut pf) = (Vec::new(), Vec::new(), Vec::new());
        for r in 0..repeats {
            eprintln!("building {n} articles with Broadsheet, told the languages ({languages})");
            told.push(build_broadsheet(
                &broadsheet,
                &corpus,
                &outs(r),
                Some(&languages),
            )?);
            eprintln!("building {n} articles with Broadsheet, any language");
            any.push(build_broadsheet(&broadsheet, &corpus, &anys(r), None)?);
            if n <= PAGEFIND_MAX {
                eprintln!("building {n} articles with Pagefind");
                let (secs, peak_mb) = run_measured(
                    Command::new(&pagefind)
                        .arg("--site")
                        .arg(&html)
                        .arg("--output-path")
                        .arg(pagefinds(r))
                        .stdout(std::process::Stdio::null()),
                )?;
                let (files, bytes) = tree(&pagefinds(r))?;
                pf.push(Build {
                    secs,
                    peak_mb,
                    files,
                    bytes,
                });
            }
        }
        for (name, builds) in [
            ("Broadsheet", &told),
            ("Broadsheet, any language", &any),
            ("Pagefind", &pf),
        ] {
            let secs: Vec<String> = builds.iter().map(|b| format!("{:.2} s", b.secs)).collect();
            eprintln!("{name}: {}", secs.join(", "));
        }
        let b = median(&told);
        let p = (!pf.is_empty()).then(|| median(&pf));
        let html = p.is_some().then_some(html);
        // The builds leave up to gigabytes of writes for the kernel to
        // flush; flushed now, they do not compete with the browser.
        let _ = Command::new("sync").status();
        eprintln!("measuring {n} articles in Chromium");
        let figures = browser::measure(&outs(0), html.as_deref(), QUERY, NEXT, Duration::ZERO)?;
        eprintln!(
            "measuring {n} articles in Chromium, {} ms a round trip",
            RTT.as_millis()
        );
        let figures_rtt = browser::measure(&outs(0), html.as_deref(), QUERY, NEXT, RTT)?;
        let row = Row {
            articles: n,
            broadsheet: b,
            any_language: median(&any),
            pagefind: p,
            browser: figures,
            browser_rtt: figures_rtt,
        };
        print_row(&row);
        rows.push(row);
    }
    plot(&rows, svg)?;
    eprintln!("plot written to {}", svg.display());
    Ok(())
}

fn print_row(r: &Row) {
    println!("\n### {} articles\n", thousands(r.articles));
    if browser::http2() {
        println!("{}\n", browser::HTTP2_NOTE);
    }
    println!("| tool | build | peak memory | files | output |");
    println!("| --- | --- | --- | --- | --- |");
    let line = |name: &str, b: &Build| {
        // Hundredths for builds of seconds, where tenths hide a fifth.
        let digits = if b.secs < 10.0 { 2 } else { 1 };
        println!(
            "| {name} | {:.digits$} s | {:.0} MB | {} | {:.1} MB |",
            b.secs,
            b.peak_mb,
            thousands(b.files as usize),
            b.bytes as f64 / 1e6
        )
    };
    line("Broadsheet", &r.broadsheet);
    line("Broadsheet, any language", &r.any_language);
    if let Some(p) = &r.pagefind {
        line("Pagefind 1.6", p);
        let ratio = |name: &str, b: &Build| {
            println!(
                "| {name} | {:.2}× | {:.2}× | {:.2}× | {:.2}× |",
                b.secs / p.secs,
                b.peak_mb / p.peak_mb,
                b.files as f64 / p.files as f64,
                b.bytes as f64 / p.bytes as f64
            )
        };
        ratio("ratio", &r.broadsheet);
        ratio("ratio, any language", &r.any_language);
    }
    println!();
    print!("{}", browser::table(&r.browser.0, r.browser.1.as_ref()));
    println!("\nAt {} ms a round trip:\n", RTT.as_millis());
    print!(
        "{}",
        browser::table(&r.browser_rtt.0, r.browser_rtt.1.as_ref())
    );
}

/// One line of a plot panel: its name, colour and figure at a corpus size
/// (not every tool ran at every size).
type Series = (&'static str, RGBColor, fn(&Row) -> Option<f64>);

/// Ticks at 1, 2 and 5 times each power of ten between `min` and `max`
/// (every whole multiple where that gives fewer than two): plotters' own
/// log axis labels only whole powers of ten, so a panel spanning less
/// than a decade (cold times of 150 to 900 ms) had a single label.
fn log_ticks(min: f64, max: f64) -> Vec<f64> {
    let at = |steps: &[f64]| {
        let mut ticks = Vec::new();
        let mut decade = 10f64.powi(min.log10().floor() as i32);
        while decade <= max {
            for step in steps {
                let tick = decade * step;
                if (min..=max).contains(&tick) {
                    ticks.push(tick);
                }
            }
            decade *= 10.0;
        }
        ticks
    };
    let ticks = at(&[1.0, 2.0, 5.0]);
    if ticks.len() >= 2 {
        return ticks;
    }
    at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
}

/// Four log-log panels: build time, first-query bytes, cold time to first
/// results, files written; Broadsheet and Pagefind against corpus size
/// (and Broadsheet detecting any language, for the build time).
fn plot(rows: &[Row], svg: &Path) -> Result<()> {
    const LIGHT_RED: RGBColor = RGBColor(240, 150, 150);
    const LIGHT_BLUE: RGBColor = RGBColor(150, 170, 240);
    let panels: [(&str, &[Series]); 4] = [
        (
            "build time (s)",
            &[
                ("Broadsheet", RED, |r| Some(r.broadsheet.secs)),
                ("Broadsheet, any language", LIGHT_RED, |r| {
                    Some(r.any_language.secs)
                }),
                ("Pagefind", BLUE, |r| r.pagefind.map(|p| p.secs)),
            ],
        ),
        (
            "first query: bytes transferred (KB)",
            &[
                ("Broadsheet", RED, |r| Some(r.browser.0.bytes / 1024.0)),
                ("Pagefind", BLUE, |r| {
                    r.browser.1.as_ref().map(|f| f.bytes / 1024.0)
                }),
            ],
        ),
        (
            "cold: first results on screen (ms)",
            &[
                ("Broadsheet", RED, |r| Some(r.browser.0.cold_ms)),
                ("Pagefind", BLUE, |r| {
                    r.browser.1.as_ref().map(|f| f.cold_ms)
                }),
                ("Broadsheet, 40 ms a round trip", LIGHT_RED, |r| {
                    Some(r.browser_rtt.0.cold_ms)
                }),
                ("Pagefind, 40 ms a round trip", LIGHT_BLUE, |r| {
                    r.browser_rtt.1.as_ref().map(|f| f.cold_ms)
                }),
            ],
        ),
        (
            "files written",
            &[
                ("Broadsheet", RED, |r| Some(r.broadsheet.files as f64)),
                ("Pagefind", BLUE, |r| r.pagefind.map(|p| p.files as f64)),
            ],
        ),
    ];
    let root = SVGBackend::new(svg, (960, 720)).into_drawing_area();
    root.fill(&WHITE)?;
    let x_max = rows.iter().map(|r| r.articles).max().unwrap_or(10) as f64 * 1.5;
    let x_min = rows.iter().map(|r| r.articles).min().unwrap_or(1) as f64 / 1.5;
    for (area, (title, series)) in root.split_evenly((2, 2)).iter().zip(panels) {
        let values: Vec<f64> = rows
            .iter()
            .flat_map(|r| series.iter().filter_map(|(_, _, of)| of(r)))
            .filter(|v| *v > 0.0)
            .collect();
        let y_min = values.iter().copied().fold(f64::MAX, f64::min) / 1.5;
        let y_max = values.iter().copied().fold(0.0, f64::max) * 1.5;
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(
                (x_min..x_max).log_scale(),
                (y_min..y_max)
                    .log_scale()
                    .with_key_points(log_ticks(y_min, y_max)),
            )?;
        chart
            .configure_mesh()
            .x_desc("articles")
            .x_label_formatter(&|x| thousands(x.round() as usize))
            .y_label_formatter(&|y| {
                if *y >= 1.0 {
                    format!("{y:.0}")
                } else {
                    format!("{y}")
                }
            })
            .draw()?;
        for &(name, color, of) in series {
            let points: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| of(r).map(|v| (r.articles as f64, v)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
                .label(name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{log_ticks, plot, Build, Row};
    use crate::browser::Figures;

    #[test]
    fn a_log_axis_shorter_than_a_decade_has_ticks() {
        assert_eq!(log_ticks(130.0, 1400.0), [200.0, 500.0, 1000.0]);
        assert_eq!(log_ticks(0.09, 1.2), [0.1, 0.2, 0.5, 1.0]);
        assert_eq!(log_ticks(21.0, 45.0), [30.0, 40.0]);
    }

    /// The cold panel of a run whose times span less than a decade (as
    /// they do up to 100,000 articles) is labelled at 200 and 500 ms, not
    /// only at 1,000.
    #[test]
    fn the_plot_labels_a_narrow_panel() {
        let build = |secs: f64| Build {
            secs,
            peak_mb: 100.0,
            files: 40,
            bytes: 1 << 20,
        };
        let figures = |cold_ms: f64| Figures {
            cold_ms,
            bytes: 300_000.0,
            requests: 20.0,
            next_ms: 50.0,
            warm_ms: 30.0,
            repeat_ms: 2.0,
            blocked_ms: 8.0,
            cold_task_ms: 0.0,
        };
        let rows: Vec<Row> = [(1_000, 190.0, 280.0), (10_000, 210.0, 300.0)]
            .into_iter()
            .map(|(articles, ours, theirs)| Row {
                articles,
                broadsheet: build(0.15),
                any_language: build(0.18),
                pagefind: Some(build(0.7)),
                browser: (figures(ours), Some(figures(theirs))),
                browser_rtt: (figures(ours * 1.8), Some(figures(theirs * 1.9))),
            })
            .collect();
        let dir = std::env::temp_dir().join(format!("bench-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let svg = dir.join("scale.svg");
        plot(&rows, &svg).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        // Each label is a line of its own between its `<text>` tags.
        for label in ["200", "500", "0.2", "0.5"] {
            let line = format!("\n{label}\n");
            assert!(text.contains(&line), "no {label} on an axis of the plot");
        }
    }
}
