//! `baton bench parse`: what understanding messages costs, from a cold start.
//!
//! The first message a process parses pays for reading the gates and compiling
//! the patterns it reaches; the rest run on what is compiled. Both are measured
//! in the process, so starting it is not counted (BENCHMARKS.md *Cold start*
//! times whole processes with hyperfine).

use std::hint::black_box;
use std::io::BufRead;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::parser::parse_contract_line;

/// How long parsing took: the first message, and all the others.
#[derive(Debug)]
pub struct ParseTiming {
    pub first: Duration,
    /// Messages after the first.
    pub rest: usize,
    pub rest_took: Duration,
}

impl ParseTiming {
    /// Messages per second after the first (0 when there were none).
    pub fn per_second(&self) -> f64 {
        let seconds = self.rest_took.as_secs_f64();
        if seconds > 0.0 {
            self.rest as f64 / seconds
        } else {
            0.0
        }
    }
}

/// Times `baton parse`'s work (each line decoded and understood, nothing
/// written) on every non-empty line of `input`.
///
/// # Errors
/// When `input` cannot be read or holds no message.
pub fn time_parsing(input: impl BufRead) -> anyhow::Result<ParseTiming> {
    let mut lines = Vec::new();
    for line in input.lines() {
        let line = line.context("cannot read the messages")?;
        if !line.trim().is_empty() {
            lines.push(line);
        }
    }
    let (first, rest) = lines
        .split_first()
        .context("no message to parse: give JSON lines as `baton parse` reads them")?;
    let started = Instant::now();
    black_box(parse_contract_line(black_box(first)).ok());
    let first = started.elapsed();
    let started = Instant::now();
    for line in rest {
        black_box(parse_contract_line(black_box(line)).ok());
    }
    Ok(ParseTiming {
        first,
        rest: rest.len(),
        rest_took: started.elapsed(),
    })
}

/// The timing as `baton bench parse` prints it.
///
/// # Errors
/// When writing fails.
pub fn write_parse_timing(
    timing: &ParseTiming,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "first message: {:.3} ms",
        timing.first.as_secs_f64() * 1e3
    )?;
    writeln!(
        out,
        "then {} messages in {:.3} s: {:.0} messages/s",
        timing.rest,
        timing.rest_took.as_secs_f64(),
        timing.per_second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_message_is_timed_apart_from_the_rest() {
        let input = "{\"text\": \"@baton mine\", \"author\": \"@a\"}\n\n{\"text\": \"done T-1\", \"author\": \"@a\", \"thread_task\": \"T-1\"}\nnot json\n";
        let timing = time_parsing(input.as_bytes()).unwrap();
        assert_eq!(timing.rest, 2);
        let mut out = Vec::new();
        write_parse_timing(&timing, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("first message: "), "{out}");
        assert!(out.contains("then 2 messages in "), "{out}");
    }

    #[test]
    fn no_message_is_an_error_that_says_what_to_give() {
        let error = time_parsing("\n\n".as_bytes()).unwrap_err();
        assert!(error.to_string().contains("JSON lines"), "{error}");
    }
}
