//! One progress bar per collection on a terminal; elsewhere one line per collection when it
//! is done (a nightly job's log); nothing with `--quiet`.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Progress {
    multi: Option<MultiProgress>,
    quiet: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let multi = (!quiet && std::io::stderr().is_terminal()).then(MultiProgress::new);
        Progress { multi, quiet }
    }

    /// A bar for `name`; `len` when the number of items is known (children of N objects).
    pub fn bar(&self, name: &str, len: Option<u64>) -> Bar {
        let bar = self.multi.as_ref().map(|m| {
            let b = match len {
                Some(n) => ProgressBar::new(n).with_style(
                    ProgressStyle::with_template("{prefix:>34} {bar:30} {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{prefix:>34} {spinner} {pos} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                ),
            };
            let b = m.add(b);
            b.set_prefix(name.to_owned());
            b.enable_steady_tick(std::time::Duration::from_millis(200));
            b
        });
        Bar {
            bar,
            name: name.to_owned(),
            count: AtomicU64::new(0),
            log: !self.quiet,
        }
    }

    /// A warning, above the bars.
    pub fn warn(&self, w: &str) {
        if self.quiet {
            return;
        }
        let line = format!("warning: {w}");
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    /// A line above the bars (or on stderr).
    pub fn note(&self, line: &str) {
        if self.quiet {
            return;
        }
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => eprintln!("{line}"),
        }
    }
}

pub struct Bar {
    bar: Option<ProgressBar>,
    name: String,
    count: AtomicU64,
    log: bool,
}

impl Bar {
    pub fn inc(&self, n: u64) {
        self.count.fetch_add(n, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Done: `what` says what was counted (`objects`, `groups`).
    pub fn finish(&self, what: &str) {
        match &self.bar {
            Some(b) => b.finish_with_message(what.to_owned()),
            None if self.log => eprintln!("exported {}: {} {what}", self.name, self.count()),
            None => {}
        }
    }

    /// Stopped by an error or a warning: the bar disappears.
    pub fn abandon(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
