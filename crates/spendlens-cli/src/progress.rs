//! Progress on stderr, drawn only when stderr is a terminal: the application layer's progress
//! callbacks as indicatif bars.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `total` steps labelled `what` (a counter when the total is unknown); invisible when
/// stderr is not a terminal.
pub fn bar(total: Option<u64>, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = if total.is_some() { "{msg:>24} [{bar:30}] {pos}/{len} {elapsed}" } else { "{spinner} {msg} {pos} {elapsed}" };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// The bars of one command, a step at a time.
#[derive(Default)]
pub struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl spendlens_app::ingest::Progress for Bars {
    fn start(&self, what: &str, total: Option<u64>) {
        if let Ok(mut current) = self.current.lock() {
            *current = Some(bar(total, what));
        }
    }

    fn advance(&self, done: u64) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(done);
        }
    }

    fn note(&self, text: &str) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.set_message(text.to_string());
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish_and_clear();
        }
    }
}
