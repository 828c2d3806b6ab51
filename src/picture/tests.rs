use resvg::tiny_skia::Pixmap;
use resvg::usvg::roxmltree;

use super::png::SCALE;
use super::*;

fn key(n: u64) -> TaskKey {
    TaskKey::new(n)
}

fn node(n: u64, look: Look) -> Node {
    Node {
        key: key(n),
        title: format!("Task number {n} with a title long enough to be cut"),
        owner: (!n.is_multiple_of(3)).then(|| format!("@person{n}")),
        look,
    }
}

/// A chain 1 ← 2 ← 3 (3 waits on 2, 2 on 1), with 4 also waiting on 1 and 1 done.
fn small() -> Scene {
    let nodes = vec![
        node(1, Look::Done),
        node(2, Look::InProgress),
        node(3, Look::Waiting),
        node(4, Look::Ready),
    ];
    let edges = vec![(key(2), key(1)), (key(3), key(2)), (key(4), key(1))];
    Scene::new("Around T-3".to_owned(), nodes, edges)
}

fn layered(n: u64) -> Scene {
    sample(n)
}

fn texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).expect("the SVG is XML");
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_svg_is_xml_and_names_every_drawn_task() {
    for scene in [small(), layered(60)] {
        let svg = scene.svg();
        let texts = texts(&svg);
        for node in &scene.nodes {
            let key = format!("{} · ", node.key);
            assert!(
                texts.iter().any(|t| t.starts_with(&key)),
                "{} is not drawn: {texts:?}",
                node.key
            );
        }
    }
}

#[test]
fn a_title_with_markup_is_escaped_not_injected() {
    let mut scene = small();
    scene.nodes[0].title = "<script>alert(1)</script> & \"more\"".to_owned();
    let texts = texts(&scene.svg());
    assert!(
        texts
            .iter()
            .any(|t| t.contains("<script>alert(1)</script> &")),
        "{texts:?}"
    );
}

#[test]
fn the_png_decodes_at_twice_the_svg_size() {
    let scene = small();
    let svg = scene.svg();
    let document = roxmltree::Document::parse(&svg).unwrap();
    let root = document.root_element();
    let width: f32 = root.attribute("width").unwrap().parse().unwrap();
    let height: f32 = root.attribute("height").unwrap().parse().unwrap();

    let png = scene.png().unwrap();
    let pixmap = Pixmap::decode_png(&png).expect("a PNG");

    assert_eq!(pixmap.width(), (width * SCALE).ceil() as u32);
    assert_eq!(pixmap.height(), (height * SCALE).ceil() as u32);
    // Something is drawn on the white: the boxes' colours and the text.
    let coloured = pixmap
        .pixels()
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255))
        .count();
    assert!(
        coloured > pixmap.pixels().len() / 50,
        "{coloured} coloured pixels"
    );
}

#[test]
fn the_critical_path_is_the_longest_chain_of_unfinished_work_to_the_task() {
    let scene = small();
    // T-1 is done, so the chain to T-3 starts at T-2.
    assert_eq!(scene.longest_open_chain_to(key(3)), vec![key(2), key(3)]);
    assert_eq!(scene.longest_open_chain_to(key(1)), Vec::<TaskKey>::new());

    let scene = layered(20);
    let chain = scene.longest_open_chain_to(key(20));
    // 20 waits on 15 and 16, each step goes back four or five: five tasks at most.
    assert_eq!(chain.len(), 5, "{chain:?}");
    assert_eq!(chain.last(), Some(&key(20)));
    for pair in chain.windows(2) {
        assert!(
            scene.edges.contains(&(pair[1], pair[0])),
            "{pair:?} is not an edge"
        );
    }
}

#[test]
fn the_critical_path_through_a_task_goes_on_to_what_waits_on_it() {
    let scene = small();
    assert_eq!(
        scene.longest_open_chain_through(key(2)),
        vec![key(2), key(3)]
    );
    assert_eq!(
        scene.longest_open_chain_through(key(3)),
        vec![key(2), key(3)]
    );
    // T-4 waits only on the finished T-1: no chain of unfinished work.
    assert_eq!(
        scene.longest_open_chain_through(key(4)),
        Vec::<TaskKey>::new()
    );
}

#[test]
fn the_critical_path_is_drawn_in_red() {
    let mut scene = small();
    let red_stroke = r##"stroke="#dc2626" stroke-width="3""##;
    assert!(!scene.svg().contains(red_stroke));
    scene.critical = scene.longest_open_chain_to(key(3));
    let svg = scene.svg();
    assert!(svg.contains(red_stroke), "{svg}");
    assert!(svg.contains("critical path"));
}

#[test]
fn a_scene_draws_at_most_sixty_tasks_and_the_text_stays_a_page() {
    let scene = layered(200);
    assert_eq!(scene.nodes.len(), MAX_NODES);
    assert!(
        scene
            .edges
            .iter()
            .all(|(a, b)| a.number() <= 60 && b.number() <= 60)
    );

    let text = scene.text();
    assert!(text.lines().count() <= 30, "{text}");
    assert!(text.contains("…and 40 more tasks"), "{text}");
    assert!(text.contains("+340 more waiting on T-60"), "{text}");
    assert!(text.contains("Critical path: "), "{text}");
    let path = text
        .lines()
        .find(|l| l.starts_with("Critical path: "))
        .unwrap();
    assert!(path.len() < 120 && path.contains(" → … → "), "{path}");
}

#[test]
fn the_text_names_owner_state_and_what_each_task_waits_on() {
    let text = small().text();
    assert!(text.starts_with("Around T-3\n"), "{text}");
    assert!(
        text.contains("T-3 Task number 3 with a title long enough to be cut — waiting, after T-2"),
        "{text}"
    );
    assert!(text.contains("T-2 Task number 2 with a title long enough to be cut — @person2, in progress, after T-1"), "{text}");
}

#[test]
fn dot_names_every_task_and_edge() {
    let dot = small().dot();
    assert!(dot.starts_with("digraph baton {"), "{dot}");
    assert!(dot.contains("\"T-1\" -> \"T-2\";"), "{dot}");
    assert!(dot.contains("\"T-2\" -> \"T-3\";"), "{dot}");
    assert!(dot.contains("\"T-4\" [label="), "{dot}");
}

#[test]
fn a_lone_task_and_an_empty_scene_still_draw() {
    let lone = Scene::new("Around T-1".to_owned(), vec![node(1, Look::Ready)], vec![]);
    assert!(texts(&lone.svg()).iter().any(|t| t.starts_with("T-1 · ")));
    lone.png().unwrap();
    let empty = Scene::new("Nothing".to_owned(), vec![], vec![]);
    empty.png().unwrap();
}
