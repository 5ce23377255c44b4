//! Substring anchors (`LIKE '%literal%'`): which literals occur in a value, for many literals.
//!
//! An Aho–Corasick automaton cannot be changed once built, so literals live in tiers, as in a
//! logarithmic method: new literals wait in a short list that is searched one by one; a full
//! list becomes a tier; two tiers of similar size are merged into one rebuilt automaton. A
//! literal is thus rebuilt O(log n) times over its life, and a lookup searches O(log n)
//! automata. Removed literals stay in their automaton until the next rebuild and are ignored
//! (they are no longer in `postings`).

use aho_corasick::{AhoCorasick, MatchKind};

use crate::index::{FastMap, Postings};

/// Literals kept outside any automaton at most (each costs one `str::contains` per lookup).
const PENDING_LITERALS: usize = 32;

struct Tier {
    automaton: AhoCorasick,
    literals: Vec<Box<str>>,
}

#[derive(Default)]
pub(crate) struct SubstringIndex {
    postings: FastMap<Box<str>, Postings>,
    pending: Vec<Box<str>>,
    tiers: Vec<Tier>,
    /// Literals still in `pending` or a tier but no longer in `postings`.
    stale: usize,
}

impl SubstringIndex {
    pub fn is_empty(&self) -> bool {
        self.postings.is_empty()
    }

    pub fn insert(&mut self, literal: &str, slot: u32) {
        if let Some(p) = self.postings.get_mut(literal) {
            p.push(slot);
            return;
        }
        let mut p = Postings::default();
        p.push(slot);
        self.postings.insert(literal.into(), p);
        self.pending.push(literal.into());
        if self.pending.len() >= PENDING_LITERALS {
            let literals = std::mem::take(&mut self.pending);
            self.push_tier(literals);
        }
    }

    pub fn remove(&mut self, literal: &str, slot: u32) {
        let Some(p) = self.postings.get_mut(literal) else {
            return;
        };
        p.remove(slot);
        if p.is_empty() {
            self.postings.remove(literal);
            self.stale += 1;
            if self.stale > self.postings.len().max(PENDING_LITERALS) {
                self.rebuild();
            }
        }
    }

    /// Adds the postings of every literal that occurs in `value` to `out` (a literal found
    /// twice may be added twice).
    pub fn probe(&self, value: &str, out: &mut Vec<u32>) {
        for tier in &self.tiers {
            for m in tier.automaton.find_overlapping_iter(value) {
                if let Some(p) = self.postings.get(&tier.literals[m.pattern().as_usize()]) {
                    out.extend(p.iter());
                }
            }
        }
        for literal in &self.pending {
            if value.contains(&**literal)
                && let Some(p) = self.postings.get(literal)
            {
                out.extend(p.iter());
            }
        }
    }

    fn push_tier(&mut self, literals: Vec<Box<str>>) {
        match build(literals) {
            Ok(tier) => self.tiers.push(tier),
            // The automaton is over its size limits: search these one by one instead.
            Err(literals) => self.pending.extend(literals),
        }
        while self.tiers.len() >= 2 {
            let n = self.tiers.len();
            if self.tiers[n - 2].literals.len() > 2 * self.tiers[n - 1].literals.len() {
                break;
            }
            let (Some(a), Some(b)) = (self.tiers.pop(), self.tiers.pop()) else {
                break;
            };
            let merged = self.live(a.literals.into_iter().chain(b.literals));
            match build(merged) {
                Ok(tier) => self.tiers.push(tier),
                Err(literals) => {
                    self.pending.extend(literals);
                    break;
                }
            }
        }
    }

    /// The literals of `it` still in use, once each; counts the dropped ones off `stale`.
    fn live(&mut self, it: impl Iterator<Item = Box<str>>) -> Vec<Box<str>> {
        let mut seen = FastMap::<Box<str>, ()>::default();
        let mut out = Vec::new();
        for literal in it {
            if self.postings.contains_key(&literal) && seen.insert(literal.clone(), ()).is_none() {
                out.push(literal);
            } else {
                self.stale = self.stale.saturating_sub(1);
            }
        }
        out
    }

    fn rebuild(&mut self) {
        let all: Vec<Box<str>> = self.postings.keys().cloned().collect();
        self.tiers.clear();
        self.pending.clear();
        self.stale = 0;
        if all.len() <= PENDING_LITERALS {
            self.pending = all;
        } else {
            self.push_tier(all);
        }
    }
}

fn build(literals: Vec<Box<str>>) -> Result<Tier, Vec<Box<str>>> {
    match AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(literals.iter().map(|l| l.as_bytes()))
    {
        Ok(automaton) => Ok(Tier {
            automaton,
            literals,
        }),
        Err(_) => Err(literals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(ix: &SubstringIndex, v: &str) -> Vec<u32> {
        let mut out = Vec::new();
        ix.probe(v, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn tiers_agree_with_a_plain_scan() {
        let mut ix = SubstringIndex::default();
        let lit = |i: u32| format!("lit{i:04}x");
        for i in 0..1000 {
            ix.insert(&lit(i), i);
        }
        assert!(ix.tiers.len() < 12, "{} tiers", ix.tiers.len());
        for i in (0..1000).step_by(3) {
            ix.remove(&lit(i), i);
        }
        for i in 0..1000u32 {
            let expect: Vec<u32> = if i % 3 == 0 { vec![] } else { vec![i] };
            assert_eq!(found(&ix, &format!("..{}..", lit(i))), expect);
        }
        ix.insert("lit0003x", 5000);
        assert_eq!(found(&ix, "lit0003x"), [5000]);
        assert_eq!(found(&ix, "lit0004xlit0005x"), [4, 5]);
    }
}
