//! The `baton parse` contract (DESIGN §4): one JSON message in, one JSON line out.

use serde::Deserialize;

use super::{ContractLine, Message, parse};
use crate::domain::TaskKey;

/// One input line of `baton parse`.
#[derive(Debug, Deserialize)]
pub struct ContractInput {
    pub text: String,
    pub author: String,
    #[serde(default)]
    pub thread_task: Option<String>,
    #[serde(default)]
    pub dm: bool,
}

/// Parses one input line of `baton parse` into its output line.
///
/// # Errors
/// A line that is not a valid message (bad JSON, a `thread_task` that is not a task
/// key) is an error whose text says why; the caller writes it as `{"error": ...}`
/// and goes on with the next line.
pub fn parse_contract_line(line: &str) -> Result<ContractLine, String> {
    let input: ContractInput =
        serde_json::from_str(line).map_err(|e| format!("not a message: {e}"))?;
    let thread_task = input
        .thread_task
        .as_deref()
        .map(str::parse::<TaskKey>)
        .transpose()
        .map_err(|e| format!("thread_task: {e}"))?;
    let parsed = parse(&Message {
        text: &input.text,
        author: &input.author,
        thread_task,
        dm: input.dm,
    });
    Ok(ContractLine::from(&parsed))
}

/// `baton parse`: one JSON line out for every line in, in order; a line that is
/// not a message gets `{"error": ...}`, so the output stays line for line.
///
/// # Errors
/// When reading `input` or writing `output` fails.
pub fn run_contract(
    mut input: impl std::io::BufRead,
    output: impl std::io::Write,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(output);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        if input.read_until(b'\n', &mut buffer)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buffer);
        if line.trim().is_empty() {
            continue;
        }
        match parse_contract_line(line.trim_end()) {
            Ok(parsed) => serde_json::to_writer(&mut out, &parsed)?,
            Err(error) => serde_json::to_writer(&mut out, &serde_json::json!({ "error": error }))?,
        }
        std::io::Write::write_all(&mut out, b"\n")?;
    }
    std::io::Write::flush(&mut out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_is_an_error_that_says_why() {
        for line in ["", "{", "not json", "{\"text\": 3}", "[]"] {
            let error = parse_contract_line(line).unwrap_err();
            assert!(error.starts_with("not a message"), "{line:?}: {error}");
        }
    }

    #[test]
    fn an_invalid_thread_task_is_an_error() {
        let error =
            parse_contract_line(r#"{"text": "done", "author": "@a", "thread_task": "X-1"}"#)
                .unwrap_err();
        assert!(error.contains("thread_task"), "{error}");
    }

    #[test]
    fn an_unaddressed_message_is_a_none_line() {
        let out = parse_contract_line(r#"{"text": "lunch at 12?", "author": "@bob"}"#).unwrap();
        assert_eq!(out.intent, "none");
    }

    #[test]
    fn optional_fields_default_and_keys_are_written_upper_case() {
        let line = r#"{"text": "done, see https://ci.acme.dev/runs/1.", "author": "@bob", "thread_task": "t-9"}"#;
        let out = parse_contract_line(line).unwrap();
        let json = serde_json::to_value(&out).unwrap_or_default();
        assert_eq!(json["intent"], "done");
        assert_eq!(json["tasks"], serde_json::json!(["T-9"]));
        assert_eq!(
            json["links"],
            serde_json::json!(["https://ci.acme.dev/runs/1"])
        );
    }

    #[test]
    fn an_unknown_verb_is_written_as_help() {
        let out = parse_contract_line(r#"{"text": "!baton dnoe T-4", "author": "@a"}"#).unwrap();
        assert_eq!(out.intent, "help");
    }
}
