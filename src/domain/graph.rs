//! The dependency graph: which task waits on which, kept a DAG.

use std::fmt;

use petgraph::algo::astar;
use petgraph::graphmap::DiGraphMap;

use super::TaskKey;

/// A part of the dependency graph, with an edge `task → blocker` for every
/// "task depends on blocker".
///
/// The engine loads only the part a change can touch (the blockers reachable from
/// a new blocker), so the cost of a change follows its neighbourhood, not the graph.
#[derive(Debug, Default, Clone)]
pub struct DependencyGraph {
    depends_on: DiGraphMap<TaskKey, ()>,
}

/// Adding a dependency would make a task wait on itself. The path reads
/// "depends on": `T-3 → T-7 → T-3`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("that would make a cycle: {}", self.spelled())]
pub struct Cycle {
    pub path: Vec<TaskKey>,
}

impl Cycle {
    /// The cycle written out, `T-1 → T-2 → T-1`.
    pub fn spelled(&self) -> String {
        self.path
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

impl fmt::Display for DependencyGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (task, blocker, ()) in self.depends_on.all_edges() {
            writeln!(f, "{task} → {blocker}")?;
        }
        Ok(())
    }
}

impl DependencyGraph {
    /// A graph holding the given `(task, blocker)` edges.
    pub fn from_edges(edges: impl IntoIterator<Item = (TaskKey, TaskKey)>) -> Self {
        Self {
            depends_on: DiGraphMap::from_edges(edges),
        }
    }

    /// Adds edges loaded from the store (already known to keep the graph a DAG).
    pub fn extend(&mut self, edges: impl IntoIterator<Item = (TaskKey, TaskKey)>) {
        for (task, blocker) in edges {
            self.depends_on.add_edge(task, blocker, ());
        }
    }

    /// Records that `task` depends on `blocker`, refusing an edge that would close a
    /// cycle and naming the cycle.
    ///
    /// # Errors
    /// [`Cycle`] when `blocker` already (transitively) depends on `task`, or when a
    /// task would depend on itself.
    pub fn add_dependency(&mut self, task: TaskKey, blocker: TaskKey) -> Result<(), Cycle> {
        if let Some(path) = self.path(blocker, task) {
            let mut cycle = Vec::with_capacity(path.len() + 1);
            cycle.push(task);
            cycle.extend(path);
            return Err(Cycle { path: cycle });
        }
        self.depends_on.add_edge(task, blocker, ());
        Ok(())
    }

    /// The shortest "depends on" path from `from` to `to`, both included.
    fn path(&self, from: TaskKey, to: TaskKey) -> Option<Vec<TaskKey>> {
        if from == to {
            return Some(vec![from]);
        }
        if !self.depends_on.contains_node(from) || !self.depends_on.contains_node(to) {
            return None;
        }
        astar(&self.depends_on, from, |n| n == to, |_| 1u32, |_| 0).map(|(_, path)| path)
    }

    /// A cycle somewhere in the graph, if there is one (for whole-graph checks such
    /// as an import; one pass over the graph).
    pub fn find_cycle(&self) -> Option<Cycle> {
        let node = petgraph::algo::toposort(&self.depends_on, None)
            .err()?
            .node_id();
        self.depends_on.neighbors(node).find_map(|blocker| {
            let path = self.path(blocker, node)?;
            let mut cycle = vec![node];
            cycle.extend(path);
            Some(Cycle { path: cycle })
        })
    }

    /// Whether `task` depends on `blocker` directly.
    pub fn depends_directly(&self, task: TaskKey, blocker: TaskKey) -> bool {
        self.depends_on.contains_edge(task, blocker)
    }

    /// The tasks `task` waits on directly.
    pub fn blockers(&self, task: TaskKey) -> impl Iterator<Item = TaskKey> + '_ {
        self.depends_on.neighbors(task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(n: u64) -> TaskKey {
        TaskKey::new(n)
    }

    #[test]
    fn a_two_task_cycle_is_refused_and_spelled_out() {
        let mut graph = DependencyGraph::from_edges([(t(2), t(1))]);
        let cycle = graph.add_dependency(t(1), t(2)).unwrap_err();
        assert_eq!(cycle.spelled(), "T-1 → T-2 → T-1");
        assert!(
            !graph.depends_directly(t(1), t(2)),
            "the graph is unchanged"
        );
    }

    #[test]
    fn a_longer_cycle_names_every_task_on_it() {
        // T-3 depends on T-7, T-7 depends on T-5; now T-5 would depend on T-3.
        let mut graph = DependencyGraph::from_edges([(t(3), t(7)), (t(7), t(5))]);
        let cycle = graph.add_dependency(t(5), t(3)).unwrap_err();
        assert_eq!(cycle.spelled(), "T-5 → T-3 → T-7 → T-5");
    }

    #[test]
    fn a_task_cannot_depend_on_itself() {
        let mut graph = DependencyGraph::default();
        assert_eq!(
            graph.add_dependency(t(4), t(4)).unwrap_err().spelled(),
            "T-4 → T-4"
        );
    }

    #[test]
    fn a_whole_graph_check_finds_a_cycle() {
        let graph =
            DependencyGraph::from_edges([(t(1), t(2)), (t(2), t(3)), (t(3), t(1)), (t(4), t(1))]);
        let cycle = graph.find_cycle().unwrap();
        assert_eq!(cycle.path.len(), 4, "{}", cycle.spelled());
        assert_eq!(cycle.path.first(), cycle.path.last());
        assert!(
            DependencyGraph::from_edges([(t(2), t(1))])
                .find_cycle()
                .is_none()
        );
    }

    #[test]
    fn diamonds_are_fine() {
        let mut graph = DependencyGraph::from_edges([(t(2), t(1)), (t(3), t(1))]);
        graph.add_dependency(t(4), t(2)).unwrap();
        graph.add_dependency(t(4), t(3)).unwrap();
        let mut blockers: Vec<_> = graph.blockers(t(4)).collect();
        blockers.sort();
        assert_eq!(blockers, [t(2), t(3)]);
    }
}
