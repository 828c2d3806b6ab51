//! The dependency graph as a picture: a [`Scene`], chosen by the engine under the
//! privacy rule, written as SVG, PNG, Graphviz DOT or lines of text.
//!
//! Pure, like [`crate::domain`]: no store, no I/O. The engine decides what is drawn
//! (`engine/scene.rs`); this module decides only how it looks.
//!
//! - [`Scene`]: the tasks drawn, who waits on whom, the critical path and what was
//!   left out.
//! - `svg`: the layered layout (layout-rs) and its drawing as SVG.
//! - `png`: the SVG rasterised (resvg) with the bundled font.
//! - `dot`: Graphviz DOT, for people who lay it out themselves.
//! - `text`: the bounded text version, also the picture's alt text.

mod dot;
mod png;
mod svg;
mod text;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{Status, Task, TaskKey};

pub use png::{PictureError, Png};

/// Most tasks one picture draws; beyond that it says how many more there are, so
/// that it stays readable in a chat client.
pub const MAX_NODES: usize = 60;

/// Longest title drawn in a box; the rest is cut with "…".
const TITLE_CHARS: usize = 28;

/// How a task is drawn: its state as far as the next person cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Look {
    /// Open and nothing holds it up: someone can start now.
    Ready,
    InProgress,
    /// Waits on an unfinished task.
    Waiting,
    /// Something outside Baton holds it up.
    BlockedOutside,
    Done,
    Cancelled,
}

impl Look {
    /// How `task` looks, given whether it waits on an unfinished task.
    pub fn of(task: &Task, waits_on_open: bool) -> Look {
        match task.status {
            Status::Done => Look::Done,
            Status::Cancelled => Look::Cancelled,
            _ if task.external_blocker.is_some() => Look::BlockedOutside,
            _ if waits_on_open => Look::Waiting,
            Status::InProgress => Look::InProgress,
            Status::Open => Look::Ready,
        }
    }

    /// The word for it in the picture, its legend and the text version.
    pub fn label(self) -> &'static str {
        match self {
            Look::Ready => "ready",
            Look::InProgress => "in progress",
            Look::Waiting => "waiting",
            Look::BlockedOutside => "blocked outside Baton",
            Look::Done => "done",
            Look::Cancelled => "cancelled",
        }
    }

    /// Whether the work is still to do: only that makes a critical path.
    pub fn is_unfinished(self) -> bool {
        !matches!(self, Look::Done | Look::Cancelled)
    }

    /// Fill and border colours.
    fn colours(self) -> (&'static str, &'static str) {
        match self {
            Look::Ready => ("#fef9c3", "#a16207"),
            Look::InProgress => ("#dbeafe", "#1d4ed8"),
            Look::Waiting => ("#f3f4f6", "#6b7280"),
            Look::BlockedOutside => ("#fee2e2", "#b91c1c"),
            Look::Done => ("#dcfce7", "#15803d"),
            Look::Cancelled => ("#ffffff", "#d1d5db"),
        }
    }
}

/// One task as drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub key: TaskKey,
    /// As the reader may see it: a private room's title is already hidden.
    pub title: String,
    /// `@alice`, or `None` when nobody owns it.
    pub owner: Option<String>,
    pub look: Look,
}

impl Node {
    /// `task` as the reader of the picture may see it (see `engine/sight.rs`).
    pub fn new(task: &Task, waits_on_open: bool) -> Node {
        Node {
            key: task.key,
            title: task.title.clone(),
            owner: task.owner.as_ref().map(ToString::to_string),
            look: Look::of(task, waits_on_open),
        }
    }

    /// What its box says: "T-7 · Invoice emails", then "@bob · waiting".
    fn label(&self) -> String {
        format!(
            "{} · {}\n{} · {}",
            self.key,
            self.short_title(),
            self.owner.as_deref().unwrap_or("nobody"),
            self.look.label()
        )
    }

    /// The title cut to fit its box.
    fn short_title(&self) -> String {
        let title = self.title.trim();
        match title.char_indices().nth(TITLE_CHARS) {
            Some((at, _)) => format!("{}…", title[..at].trim_end()),
            None => title.to_owned(),
        }
    }
}

/// Tasks beside a drawn one that did not fit in the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct More {
    /// The drawn task they are next to.
    pub key: TaskKey,
    pub count: usize,
    /// They wait on `key` (else `key` waits on them).
    pub waiting: bool,
}

impl More {
    /// "+340 more waiting on T-12".
    pub fn sentence(&self) -> String {
        if self.waiting {
            format!("+{} more waiting on {}", self.count, self.key)
        } else {
            format!("+{} more that {} waits on", self.count, self.key)
        }
    }
}

/// What one picture shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scene {
    /// The first line: what the picture is of.
    pub heading: String,
    /// At most [`MAX_NODES`], in the order they were chosen (nearest first).
    pub nodes: Vec<Node>,
    /// `(waiting, blocker)` between drawn tasks, sorted, each once.
    pub edges: Vec<(TaskKey, TaskKey)>,
    /// The longest chain of unfinished work, from its first blocker to the last
    /// task waiting: drawn in red.
    pub critical: Vec<TaskKey>,
    pub more: Vec<More>,
}

impl Scene {
    /// A scene of `nodes` (cut to [`MAX_NODES`]) and the `edges` among them.
    pub fn new(heading: String, mut nodes: Vec<Node>, edges: Vec<(TaskKey, TaskKey)>) -> Scene {
        nodes.truncate(MAX_NODES);
        let drawn: BTreeSet<TaskKey> = nodes.iter().map(|n| n.key).collect();
        let mut edges: Vec<(TaskKey, TaskKey)> = edges
            .into_iter()
            .filter(|(waiting, blocker)| drawn.contains(waiting) && drawn.contains(blocker))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        Scene {
            heading,
            nodes,
            edges,
            critical: Vec::new(),
            more: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// How many tasks were left out, in all.
    pub fn left_out(&self) -> usize {
        self.more.iter().map(|m| m.count).sum()
    }

    pub fn node(&self, key: TaskKey) -> Option<&Node> {
        self.nodes.iter().find(|n| n.key == key)
    }

    /// The longest chain of unfinished drawn tasks that ends at `key` (each
    /// waiting on the one before), first blocker first; empty when `key` is
    /// finished or not drawn. The graph is acyclic (Baton refuses cycles); a
    /// task met twice on one walk ends it all the same.
    pub fn longest_open_chain_to(&self, key: TaskKey) -> Vec<TaskKey> {
        let (blockers, _) = self.open_links();
        if !self.is_open(key) {
            return Vec::new();
        }
        chain_to(key, &blockers, &mut BTreeMap::new(), &mut BTreeSet::new())
    }

    /// The longest chain of unfinished drawn tasks through `key`: the longest
    /// one to it, then the longest one of tasks waiting on it. Shorter than two
    /// tasks, it is no path at all: empty.
    pub fn longest_open_chain_through(&self, key: TaskKey) -> Vec<TaskKey> {
        if !self.is_open(key) {
            return Vec::new();
        }
        let (blockers, waiters) = self.open_links();
        let mut chain = chain_to(key, &blockers, &mut BTreeMap::new(), &mut BTreeSet::new());
        let downstream = chain_to(key, &waiters, &mut BTreeMap::new(), &mut BTreeSet::new());
        chain.extend(downstream.iter().rev().skip(1));
        if chain.len() < 2 {
            chain.clear();
        }
        chain
    }

    fn is_open(&self, key: TaskKey) -> bool {
        self.node(key).is_some_and(|n| n.look.is_unfinished())
    }

    /// For each unfinished drawn task, its unfinished blockers and waiters.
    fn open_links(&self) -> (Links, Links) {
        let mut blockers = Links::new();
        let mut waiters = Links::new();
        for (waiting, blocker) in &self.edges {
            if self.is_open(*waiting) && self.is_open(*blocker) {
                blockers.entry(*waiting).or_default().push(*blocker);
                waiters.entry(*blocker).or_default().push(*waiting);
            }
        }
        (blockers, waiters)
    }

    /// Whether `waiting → blocker` is a step of the critical path.
    fn is_critical_edge(&self, waiting: TaskKey, blocker: TaskKey) -> bool {
        self.critical
            .windows(2)
            .any(|pair| pair[0] == blocker && pair[1] == waiting)
    }

    fn is_critical(&self, key: TaskKey) -> bool {
        self.critical.contains(&key)
    }

    /// The picture as SVG; it contains every drawn key as text.
    pub fn svg(&self) -> String {
        svg::draw(self)
    }

    /// The picture as PNG.
    ///
    /// # Errors
    /// When the SVG cannot be rasterised (a bug, reported rather than hidden).
    pub fn png(&self) -> Result<Vec<u8>, PictureError> {
        Ok(png::rasterise(&self.svg())?.bytes)
    }

    /// The graph in Graphviz DOT.
    pub fn dot(&self) -> String {
        dot::write(self)
    }

    /// The text version: the heading, a bounded page of lines and a count of the
    /// rest. It is also the picture's alt text.
    pub fn text(&self) -> String {
        text::write(self)
    }
}

/// Each task's neighbours one way: its blockers, or what waits on it.
type Links = BTreeMap<TaskKey, Vec<TaskKey>>;

/// The longest chain ending at `key` over `blockers`, memoised in `longest`.
fn chain_to(
    key: TaskKey,
    blockers: &Links,
    longest: &mut Links,
    on_walk: &mut BTreeSet<TaskKey>,
) -> Vec<TaskKey> {
    if let Some(known) = longest.get(&key) {
        return known.clone();
    }
    on_walk.insert(key);
    let mut best: Vec<TaskKey> = Vec::new();
    for blocker in blockers.get(&key).into_iter().flatten() {
        if on_walk.contains(blocker) {
            continue;
        }
        let chain = chain_to(*blocker, blockers, longest, on_walk);
        if chain.len() > best.len() {
            best = chain;
        }
    }
    on_walk.remove(&key);
    best.push(key);
    longest.insert(key, best.clone());
    best
}

/// An SVG this module drew, as PNG: adapters keep the SVG and rasterise it when
/// they deliver.
///
/// # Errors
/// See [`Scene::png`].
pub fn png_from_svg(svg: &str) -> Result<Png, PictureError> {
    png::rasterise(svg)
}

/// A scene of `n` made-up tasks (drawn: at most [`MAX_NODES`]) in layers of
/// five, each waiting on two of the layer above, with its critical path and 340
/// more waiting on the last: what `baton bench run` times and the tests draw.
pub fn sample(n: u64) -> Scene {
    let key = TaskKey::new;
    let nodes = (1..=n)
        .map(|k| Node {
            key: key(k),
            title: format!("Task number {k} with a title long enough to be cut"),
            owner: (!k.is_multiple_of(3)).then(|| format!("@person{k}")),
            look: if k <= 5 {
                Look::InProgress
            } else {
                Look::Waiting
            },
        })
        .collect();
    let mut edges = Vec::new();
    for k in 6..=n {
        edges.push((key(k), key(k - 5)));
        edges.push((key(k), key(k - 4 - (k % 2))));
    }
    let mut scene = Scene::new(format!("{n} tasks"), nodes, edges);
    let last = key(n.min(MAX_NODES as u64));
    scene.critical = scene.longest_open_chain_to(last);
    scene.more.push(More {
        key: last,
        count: 340,
        waiting: true,
    });
    scene
}

/// The formats `baton graph --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Svg,
    Png,
    Dot,
    Text,
}

impl Format {
    /// The picture of `scene` in this format.
    ///
    /// # Errors
    /// See [`Scene::png`].
    pub fn write(self, scene: &Scene) -> Result<Vec<u8>, PictureError> {
        Ok(match self {
            Format::Svg => scene.svg().into_bytes(),
            Format::Png => scene.png()?,
            Format::Dot => scene.dot().into_bytes(),
            Format::Text => {
                let mut text = scene.text();
                text.push('\n');
                text.into_bytes()
            }
        })
    }
}
