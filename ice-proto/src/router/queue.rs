//! A buffered router's request queue (glacier2router's `Glacier2.{Client,Server}.Buffered`):
//! requests wait here until the queue is drained, and a oneway request carrying an `_ovrd`
//! context value replaces a queued one with the same value and target (an "override").

use std::collections::VecDeque;

/// What [`RequestQueue::push`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Enqueued<T> {
    /// The request waits at the end of the queue.
    Queued,
    /// The request took the place of an earlier one, returned here (dropped unsent).
    Overrode(T),
}

#[derive(Debug)]
struct Entry<T> {
    override_key: Option<String>,
    target: String,
    twoway: bool,
    item: T,
}

/// Requests of one session in one direction, oldest first.
#[derive(Debug)]
pub struct RequestQueue<T> {
    entries: VecDeque<Entry<T>>,
}

impl<T> Default for RequestQueue<T> {
    fn default() -> Self {
        RequestQueue { entries: VecDeque::new() }
    }
}

impl<T> RequestQueue<T> {
    /// How many requests wait.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Queues `item`, a request to `target` (any string naming the target proxy exactly)
    /// with the `_ovrd` value `override_key`. A non-twoway request with a non-empty override
    /// key replaces, in place, a queued non-twoway request with the same key and target.
    pub fn push(
        &mut self,
        override_key: Option<String>,
        target: String,
        twoway: bool,
        item: T,
    ) -> Enqueued<T> {
        let key = override_key.filter(|k| !k.is_empty());
        if let (Some(k), false) = (&key, twoway) {
            let same = self.entries.iter_mut().find(|e| {
                !e.twoway && e.override_key.as_deref() == Some(k.as_str()) && e.target == target
            });
            if let Some(e) = same {
                return Enqueued::Overrode(std::mem::replace(&mut e.item, item));
            }
        }
        self.entries.push_back(Entry { override_key: key, target, twoway, item });
        Enqueued::Queued
    }

    /// Takes every queued request, oldest first.
    pub fn take_all(&mut self) -> Vec<T> {
        self.entries.drain(..).map(|e| e.item).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_in_place_only_for_the_same_key_and_target_and_never_twoways() {
        let mut q = RequestQueue::default();
        assert_eq!(q.push(Some("k".into()), "a".into(), false, 1), Enqueued::Queued);
        assert_eq!(q.push(None, "a".into(), false, 2), Enqueued::Queued);
        assert_eq!(q.push(Some("k".into()), "b".into(), false, 3), Enqueued::Queued);
        assert_eq!(q.push(Some("k".into()), "a".into(), true, 4), Enqueued::Queued);
        assert_eq!(q.push(Some("k".into()), "a".into(), false, 5), Enqueued::Overrode(1));
        assert_eq!(q.push(Some(String::new()), "a".into(), false, 6), Enqueued::Queued);
        assert_eq!(q.len(), 5);
        assert_eq!(q.take_all(), vec![5, 2, 3, 4, 6]);
        assert!(q.is_empty());
        // Once drained, nothing is left to override.
        assert_eq!(q.push(Some("k".into()), "a".into(), false, 7), Enqueued::Queued);
    }
}
