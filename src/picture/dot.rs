//! The scene in Graphviz DOT, for wikis and tools that lay graphs out themselves.

use std::fmt::Write as _;

use super::Scene;

/// A DOT string literal.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn write(scene: &Scene) -> String {
    let mut dot = String::new();
    let _ = writeln!(dot, "digraph baton {{");
    let _ = writeln!(dot, "  label={};", quoted(&scene.heading));
    let _ = writeln!(dot, "  labelloc=t;");
    let _ = writeln!(
        dot,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans\"];"
    );
    for node in &scene.nodes {
        let (fill, border) = node.look.colours();
        let label = node.label();
        let width = if scene.is_critical(node.key) { 3 } else { 1 };
        let border = if scene.is_critical(node.key) {
            "#dc2626"
        } else {
            border
        };
        let _ = writeln!(
            dot,
            "  {} [label={}, fillcolor=\"{fill}\", color=\"{border}\", penwidth={width}];",
            quoted(&node.key.to_string()),
            quoted(&label)
        );
    }
    for (waiting, blocker) in &scene.edges {
        let style = if scene.is_critical_edge(*waiting, *blocker) {
            " [color=\"#dc2626\", penwidth=3]"
        } else {
            ""
        };
        let _ = writeln!(
            dot,
            "  {} -> {}{style};",
            quoted(&blocker.to_string()),
            quoted(&waiting.to_string())
        );
    }
    for (n, more) in scene.more.iter().enumerate() {
        let id = format!("more{n}");
        let _ = writeln!(
            dot,
            "  {id} [label={}, style=dashed];",
            quoted(&more.sentence())
        );
        let key = quoted(&more.key.to_string());
        if more.waiting {
            let _ = writeln!(dot, "  {key} -> {id} [style=dashed];");
        } else {
            let _ = writeln!(dot, "  {id} -> {key} [style=dashed];");
        }
    }
    dot.push_str("}\n");
    dot
}
