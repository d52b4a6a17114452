//! Progress that works with and without a terminal (no `stty`; a log line per 10% otherwise).

use std::io::{IsTerminal, Write};
use std::time::Instant;

pub struct Progress {
    label: String,
    total: usize,
    done: usize,
    tty: bool,
    last_decile: usize,
    start: Instant,
}

impl Progress {
    pub fn new(label: impl Into<String>, total: usize) -> Self {
        Self { label: label.into(), total: total.max(1), done: 0, tty: std::io::stderr().is_terminal(), last_decile: 0, start: Instant::now() }
    }

    /// Advances by `n` steps; `status` is shown next to the count (e.g. the running loss).
    pub fn advance(&mut self, n: usize, status: &str) {
        self.done = (self.done + n).min(self.total);
        let secs = self.start.elapsed().as_secs_f64();
        let line = format!("{} {}/{} {:.0}s {status}", self.label, self.done, self.total, secs);
        let mut err = std::io::stderr();
        if self.tty {
            let _ = write!(err, "\r{line:<100}");
            if self.done == self.total {
                let _ = writeln!(err);
            }
        } else {
            let decile = self.done * 10 / self.total;
            if decile > self.last_decile || self.done == self.total {
                self.last_decile = decile;
                let _ = writeln!(err, "{line}");
            }
        }
    }
}
