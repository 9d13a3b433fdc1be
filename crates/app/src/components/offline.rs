//! The reader's view of offline reading: how much "save everything" would
//! download, its progress, and the notice that a new build is available.

use crate::offline::{Event, Worker};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OfflineProps {
    /// The service worker's URL.
    pub url: AttrValue,
}

#[derive(Clone, PartialEq, Default)]
struct State {
    /// The worker's latest report on saving; `None` before it answers.
    save: Option<Event>,
    updated: bool,
}

#[component]
pub fn OfflineBar(props: &OfflineProps) -> Html {
    let state = use_state(State::default);
    let worker = use_mut_ref(|| None::<Rc<Worker>>);
    {
        let state = state.clone();
        let worker = worker.clone();
        use_effect_with(props.url.clone(), move |url| {
            // Reports arrive one by one; keep the latest state in a cell the
            // callback can read, since `state` is a snapshot.
            let current = Rc::new(std::cell::RefCell::new(State::default()));
            let registered = Worker::register(url, move |event| {
                let mut next = current.borrow().clone();
                match event {
                    Event::Updated => next.updated = true,
                    other => next.save = Some(other),
                }
                *current.borrow_mut() = next.clone();
                state.set(next);
            });
            *worker.borrow_mut() = registered.map(Rc::new);
            move || drop(worker.borrow_mut().take())
        });
    }
    let save = {
        let worker = worker.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(w) = worker.borrow().as_ref() {
                w.save_all();
            }
        })
    };
    let reload = Callback::from(|_: MouseEvent| {
        let _ = gloo::utils::window().location().reload();
    });

    let update = state.updated.then(|| {
        html! {
            <div class="update" role="status">
                { "New articles are available. " }
                <button type="button" class="reload" onclick={reload}>{ "Reload" }</button>
            </div>
        }
    });
    let save = match &state.save {
        None => html! {},
        Some(Event::Status { saved: true, .. }) | Some(Event::Saved) => html! {
            <p class="offline-state saved">{ "All articles are saved for offline reading." }</p>
        },
        Some(Event::Status { bytes, .. }) => html! {
            <button type="button" class="save-offline" onclick={save}>
                { format!("Save all articles for offline reading ({})", size(*bytes)) }
            </button>
        },
        Some(Event::Progress { done, total }) => {
            // A whole number (an integer, not a float: see `size`).
            let percent = if *total > 0.0 {
                (done / total * 100.0).clamp(0.0, 100.0) as u32
            } else {
                0
            };
            html! {
                <p class="offline-state saving" aria-live="polite">
                    <progress max="100" value={percent.to_string()}></progress>
                    { format!(" Saving for offline reading… {percent} % of {}", size(*total)) }
                </p>
            }
        }
        Some(Event::Failed(e)) => html! {
            <p class="offline-state failed" role="alert">
                { format!("Saving for offline reading failed: {e}. ") }
                <button type="button" class="save-offline" onclick={save}>{ "Try again" }</button>
            </p>
        },
        Some(Event::Updated) => html! {},
    };
    html! {
        <footer class="offline">
            { for update }
            { save }
        </footer>
    }
}

/// `3.9 GB`, `12.3 MB` or `456 KB`. Integer arithmetic only: formatting
/// a float would pull Rust's float printing (about 20 KB) into the wasm.
fn size(bytes: f64) -> String {
    const MB: u64 = 1024 * 1024;
    const GB: u64 = 1024 * MB;
    let bytes = bytes.max(0.0) as u64;
    // In tenths, rounded; a size that rounds up to the next unit is shown
    // in it (1023.96 MB is 1.0 GB, not 1024.0 MB).
    let tenths = |unit: u64| (bytes * 10 + unit / 2) / unit;
    if tenths(MB) >= 10 * 1024 {
        let t = tenths(GB);
        format!("{}.{} GB", t / 10, t % 10)
    } else if bytes >= MB {
        let t = tenths(MB);
        format!("{}.{} MB", t / 10, t % 10)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_in_the_unit_they_reach() {
        let cases = [
            (0.0, "0 KB"),
            (1.0, "1 KB"),
            (1023.0, "1 KB"),
            (1025.0, "2 KB"),
            (1048575.0, "1024 KB"),
            (1048576.0, "1.0 MB"),
            (1572864.0, "1.5 MB"),
            (123456789.0, "117.7 MB"),
            (1073689395.0, "1023.9 MB"),
            (1073689396.0, "1.0 GB"),
            (4_197_000_000.0, "3.9 GB"),
        ];
        for (bytes, text) in cases {
            assert_eq!(super::size(bytes), text, "{bytes}");
        }
    }
}
