//! `baton graph`: the picture of the graph written to stdout in every format, as
//! the members of a room may see it, and the README's picture is what it draws.

use resvg::tiny_skia::Pixmap;
use resvg::usvg::roxmltree;

use crate::helpers::baton;

fn database(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("graph.db").display())
}

fn console(url: &str, script: &str) {
    let output = baton(&["console", "--database-url", url], script.as_bytes());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `baton graph ARGS` on `url`: its stdout, failing the test when it fails.
fn graph(url: &str, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["graph", "--database-url", url];
    all.extend_from_slice(args);
    let output = baton(&all, b"");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).expect("the SVG is XML");
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::to_owned))
        .collect()
}

const CHAIN: &str = "\
:as @carol
!baton add Design the billing API for @alice
!baton add Implement billing client for @bob after T-1
!baton add Ship invoices for @carol after T-2
";

#[test]
fn graph_writes_svg_png_dot_and_text_of_the_chain_around_a_task() {
    let dir = tempfile::tempdir().unwrap();
    let url = database(&dir);
    console(&url, CHAIN);

    let svg = String::from_utf8(graph(&url, &["T-2", "--format", "svg"])).unwrap();
    let texts = texts(&svg);
    for key in ["T-1 · ", "T-2 · ", "T-3 · "] {
        assert!(texts.iter().any(|t| t.starts_with(key)), "{key}: {texts:?}");
    }
    assert!(texts.iter().any(|t| t == "@bob · waiting"), "{texts:?}");

    let png = graph(&url, &["T-2", "--format", "png"]);
    let picture = Pixmap::decode_png(&png).expect("a PNG");
    let root = roxmltree::Document::parse(&svg).unwrap();
    let width: f32 = root
        .root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        picture.width(),
        (width * 2.0).ceil() as u32,
        "two pixels a unit"
    );

    let dot = String::from_utf8(graph(&url, &["T-2", "--format", "dot"])).unwrap();
    assert!(
        dot.contains("\"T-1\" -> \"T-2\"") && dot.contains("\"T-2\" -> \"T-3\""),
        "{dot}"
    );

    let text = String::from_utf8(graph(&url, &["T-2"])).unwrap();
    assert!(
        text.starts_with("Around T-2\nCritical path: T-1 → T-2 → T-3\n"),
        "{text}"
    );
    assert!(
        text.contains("T-2 Implement billing client — @bob, waiting, after T-1"),
        "{text}"
    );

    // No task: the room's chains (the only room), by name or not at all.
    let room = String::from_utf8(graph(&url, &["--room", "#general"])).unwrap();
    assert!(
        room.starts_with("#general: the chain that holds up most"),
        "{room}"
    );
    assert_eq!(graph(&url, &[]), room.into_bytes());
}

#[test]
fn graph_explains_what_it_cannot_draw() {
    let dir = tempfile::tempdir().unwrap();
    let url = database(&dir);
    console(
        &url,
        &format!("{CHAIN}:in #ops\n!baton add Rotate the keys\n"),
    );
    for (args, says) in [
        (&["T-9"][..], "there is no task T-9"),
        (
            &["--room", "#nope"][..],
            "no room is called `#nope`; rooms with tasks: ",
        ),
        (
            &[][..],
            "name a task (baton graph T-7) or a room (--room ROOM)",
        ),
        (&["T-1", "--format", "jpeg"][..], "invalid value 'jpeg'"),
    ] {
        let mut all = vec!["graph", "--database-url", &url];
        all.extend_from_slice(args);
        let output = baton(&all, b"");
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_private_rooms_titles_stay_out_of_other_rooms_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let url = database(&dir);
    console(
        &url,
        ":in #secret\n:private\n:as @mia\n!baton add Acquire Initech quietly\n\
         :in #general\n!baton add Announce the merger after T-1\n",
    );

    let general = String::from_utf8(graph(&url, &["T-2", "--format", "svg"])).unwrap();
    assert!(!general.contains("Initech"), "{general}");
    assert!(
        texts(&general).iter().any(|t| t.starts_with("T-1 · ")),
        "T-1 is still drawn"
    );
    let general = String::from_utf8(graph(&url, &["T-2", "--format", "dot"])).unwrap();
    assert!(!general.contains("Initech"), "{general}");

    let secret = String::from_utf8(graph(
        &url,
        &["T-2", "--room", "#secret", "--format", "svg"],
    ))
    .unwrap();
    assert!(
        secret.contains("Initech"),
        "the room's members see it: {secret}"
    );
}

/// The session the README's quickstart pipes into the console.
fn readme_quickstart() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<<'SCRIPT'\n").expect("the quickstart script") + "<<'SCRIPT'\n".len();
    let end = start + readme[start..].find("\nSCRIPT\n").unwrap();
    readme[start..end].to_owned() + "\n"
}

#[test]
fn the_readme_picture_is_what_baton_graph_draws_of_the_quickstart() {
    let dir = tempfile::tempdir().unwrap();
    let url = database(&dir);
    console(&url, &readme_quickstart());

    let drawn = Pixmap::decode_png(&graph(&url, &["T-2", "--format", "png"])).unwrap();
    let shown = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/quickstart-graph.png"
    ))
    .unwrap();
    let shown = Pixmap::decode_png(&shown).unwrap();
    assert_eq!(
        (drawn.width(), drawn.height()),
        (shown.width(), shown.height())
    );
    let different = drawn
        .pixels()
        .iter()
        .zip(shown.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        different * 100 < drawn.pixels().len(),
        "{different} pixels differ: run the README's `baton graph T-2 ... > docs/quickstart-graph.png` again"
    );
}
