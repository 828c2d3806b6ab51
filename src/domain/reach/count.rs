//! Counting, for many roots at once, the tasks that wait on each: bits passed down
//! the topological order and added up in bit-sliced counters.

use super::wait_graph::WaitGraph;
use crate::domain::TaskKey;

/// Memory for one pass of a [`WaitingCounter`]: bounds the bits a task gets. Small
/// enough for a pass's bits to stay in a server's last-level cache while they are
/// ORed along the edges (passes of 64 MiB were slower, not faster).
pub(super) const PASS_BYTES: usize = 16 << 20;

/// Tasks a [`WaitingCounter`] adds up at once: what [`Counters::add`] takes.
const BLOCK: usize = 16;

/// Counts how many tasks wait on each of a list of roots, directly or not,
/// counting a task reached along several paths once.
///
/// Each task gets a bit per root; walking the tasks in topological order, every
/// task passes its bits on to the tasks waiting on it, so a task ends up with the
/// bits of every root above it. Roots are taken `64 × words` at a time (a pass),
/// with words as `pass_bytes` allows, up to 64 (4,096 roots). A root's count is
/// then how many tasks hold its bit, and where tasks wait on thousands of roots
/// each, those bits number hundreds of millions: rather than visit every set bit,
/// each block of [`BLOCK`] tasks is added into bit-sliced counters ([`Counters`]),
/// a few bitwise operations per word for 64 roots at once. The cost is a pass's
/// words ORed along the edges of the tasks it reaches, plus those tasks' words
/// added up, where one breadth-first search per root would revisit shared
/// descendants for every root.
///
/// One buffer serves every pass, and every call, so that [`rank_roots`](super::rank_roots) can count
/// a pass at a time: a task's bits are cleared once it has passed them on and been
/// counted, and blocks of tasks no root of the pass reaches are skipped.
pub(super) struct WaitingCounter<'g> {
    graph: &'g WaitGraph,
    /// Words of bits a task gets in a pass: 64 roots each.
    words: usize,
    /// `words` a row; all zero between passes.
    bits: Vec<u64>,
    /// Whether a root of the pass reaches the row: exactly the rows with bits set.
    reached: Vec<bool>,
}

impl<'g> WaitingCounter<'g> {
    /// A counter for up to `most` roots at a time, with passes of at most
    /// `pass_bytes` of bits.
    pub(super) fn new(graph: &'g WaitGraph, pass_bytes: usize, most: usize) -> Self {
        let rows = graph.len();
        let words = (pass_bytes / (rows.max(1) * 8))
            .clamp(1, 64)
            .min(most.div_ceil(64).max(1));
        Self {
            graph,
            words,
            bits: vec![0; rows * words],
            reached: vec![false; rows],
        }
    }

    /// How many roots one pass counts.
    pub(super) fn roots_per_pass(&self) -> usize {
        64 * self.words
    }

    /// How many tasks wait on each of `roots`, in the same order.
    pub(super) fn count(&mut self, roots: &[TaskKey]) -> Vec<usize> {
        let graph = self.graph;
        let rows = graph.len();
        let mut counts = vec![0; roots.len()];
        if rows == 0 {
            return counts;
        }
        let (bits, reached) = (&mut self.bits, &mut self.reached);
        let per_pass = 64 * self.words;
        for (pass, counts) in roots.chunks(per_pass).zip(counts.chunks_mut(per_pass)) {
            // The last pass may need fewer words a row.
            let stride = pass.len().div_ceil(64);
            let mut counters = Counters::new(stride, rows);
            for (bit, root) in pass.iter().enumerate() {
                if let Some(row) = graph.row(root) {
                    bits[row * stride + bit / 64] |= 1 << (bit % 64);
                    reached[row] = true;
                }
            }
            for start in (0..rows).step_by(BLOCK) {
                let end = (start + BLOCK).min(rows);
                if !reached[start..end].contains(&true) {
                    continue;
                }
                for row in start..end {
                    if !reached[row] {
                        continue;
                    }
                    // Topological order puts every waiter after what it waits on, so
                    // a row's bits are complete when the walk gets to it.
                    let (done, rest) = bits.split_at_mut((row + 1) * stride);
                    let from = &done[row * stride..];
                    for to in graph.waiters_of(row) {
                        let to = *to as usize;
                        let Some(into) = to
                            .checked_sub(row + 1)
                            .and_then(|skip| rest.get_mut(skip * stride..(skip + 1) * stride))
                        else {
                            continue;
                        };
                        for (into, word) in into.iter_mut().zip(from) {
                            *into |= *word;
                        }
                        reached[to] = true;
                    }
                }
                // Only earlier rows write to a row, so the block's bits are final.
                let block = &mut bits[start * stride..end * stride];
                counters.add(block);
                block.fill(0);
                reached[start..end].fill(false);
            }
            debug_assert!(
                bits.iter().all(|word| *word == 0),
                "every pass clears its bits"
            );
            for (bit, count) in counts.iter_mut().enumerate() {
                // A root's own bit is set on itself.
                *count = counters.count(bit / 64, bit % 64).saturating_sub(1);
            }
        }
        counts
    }
}

/// One counter per bit of `columns` words, kept bit-sliced: bit `b` of plane `p`
/// of a column is bit `p` of that column's counter `b`, so adding a word to 64
/// counters is a binary addition done with bitwise operations on whole planes.
///
/// Rows of words come in [`BLOCK`] at a time and first go through a tree of
/// carry-save adders (Harley–Seal): the low four planes each take pairs of rows and
/// leave half as many rows of carries for the next, a full adder per word, and
/// only the one row of carries left at the end ripples into the higher planes.
/// That makes a dense word cost a handful of operations, shared by 64 counters
/// and over all of a row's words at once, where counting its set bits one by one
/// costs a step per bit.
#[derive(Debug, Clone)]
struct Counters {
    columns: usize,
    /// Plane `p` of column `c`, of weight `2^p`, is `planes[p * columns + c]`.
    planes: Vec<u64>,
    /// The rows of carries between the levels of the tree: 8, 4, 2 and 1.
    carries: Vec<u64>,
    /// A last block of fewer than [`BLOCK`] rows, padded with zeros.
    padded: Vec<u64>,
}

impl Counters {
    /// Counters for `columns` words a row that never overflow while they count
    /// at most `most` rows.
    fn new(columns: usize, most: usize) -> Self {
        // Bits for `most`, and at least the four planes of the tree.
        let planes = ((usize::BITS - most.leading_zeros()) as usize).max(4) + 1;
        Self {
            columns,
            planes: vec![0; planes * columns],
            carries: vec![0; (BLOCK - 1) * columns],
            padded: vec![0; BLOCK * columns],
        }
    }

    /// Adds up to [`BLOCK`] rows of words, row after row.
    fn add(&mut self, block: &[u64]) {
        let columns = self.columns;
        let block = if block.len() == BLOCK * columns {
            block
        } else {
            let (rows, zeros) = self.padded.split_at_mut(block.len().min(BLOCK * columns));
            rows.copy_from_slice(&block[..rows.len()]);
            zeros.fill(0);
            &self.padded
        };
        let (twos, rest) = self.carries.split_at_mut(8 * columns);
        let (fours, rest) = rest.split_at_mut(4 * columns);
        let (eights, sixteens) = rest.split_at_mut(2 * columns);
        let (ones, rest) = self.planes.split_at_mut(columns);
        let (plane_twos, rest) = rest.split_at_mut(columns);
        let (plane_fours, rest) = rest.split_at_mut(columns);
        let (plane_eights, high) = rest.split_at_mut(columns);
        carry_save_rows(ones, block, twos);
        carry_save_rows(plane_twos, twos, fours);
        carry_save_rows(plane_fours, fours, eights);
        carry_save_rows(plane_eights, eights, sixteens);
        for (column, carry) in sixteens.iter().enumerate() {
            let mut carry = *carry;
            for plane in high.iter_mut().skip(column).step_by(columns) {
                if carry == 0 {
                    break;
                }
                let next = *plane & carry;
                *plane ^= carry;
                carry = next;
            }
            debug_assert_eq!(carry, 0, "the counters hold every count");
        }
    }

    /// Counter `bit` of column `column`.
    fn count(&self, column: usize, bit: usize) -> usize {
        self.planes
            .iter()
            .skip(column)
            .step_by(self.columns)
            .enumerate()
            .map(|(weight, plane)| (((plane >> bit) & 1) as usize) << weight)
            .sum()
    }
}

/// Adds the rows of `from`, two at a time, into `plane` with a full adder per bit
/// (`plane + a + b == sum + 2 × carry`), leaving the sum in `plane` and a row of
/// carries in `into` for each pair.
fn carry_save_rows(plane: &mut [u64], from: &[u64], into: &mut [u64]) {
    let columns = plane.len();
    for (pair, carries) in from
        .chunks_exact(2 * columns)
        .zip(into.chunks_exact_mut(columns))
    {
        let (a, b) = pair.split_at(columns);
        for (((sum, carry), a), b) in plane.iter_mut().zip(carries).zip(a).zip(b) {
            let half = a ^ b;
            *carry = (a & b) | (half & *sum);
            *sum ^= half;
        }
    }
}
