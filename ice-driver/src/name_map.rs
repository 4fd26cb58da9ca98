//! A table keyed by facet or category name that keeps the empty name apart.
//!
//! The empty name (the default facet; the default servant for any category) is the one looked
//! up on nearly every dispatch, and comparing two empty `String`s with `==` is slow on some
//! machines (see `ice_proto::text`): kept apart, it is found without a string comparison.

use foldhash::HashMap;

/// Values keyed by name, the empty name held in a field of its own.
pub(crate) struct NameMap<T> {
    empty: Option<T>,
    named: HashMap<String, T>,
}

impl<T> Default for NameMap<T> {
    fn default() -> Self {
        NameMap { empty: None, named: HashMap::default() }
    }
}

impl<T> NameMap<T> {
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        if name.is_empty() {
            self.empty.as_ref()
        } else {
            self.named.get(name)
        }
    }

    pub(crate) fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn insert(&mut self, name: &str, value: T) -> Option<T> {
        if name.is_empty() {
            self.empty.replace(value)
        } else {
            self.named.insert(name.to_owned(), value)
        }
    }

    pub(crate) fn remove(&mut self, name: &str) -> Option<T> {
        if name.is_empty() {
            self.empty.take()
        } else {
            self.named.remove(name)
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.empty.is_none() && self.named.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::NameMap;

    #[test]
    fn empty_and_other_names_are_kept_apart() {
        let mut map = NameMap::default();
        assert!(map.is_empty());
        assert_eq!(map.insert("", 1), None);
        assert_eq!(map.insert("a", 2), None);
        assert_eq!(map.get(""), Some(&1));
        assert_eq!(map.get("a"), Some(&2));
        assert!(!map.contains_key("b"));
        assert_eq!(map.insert("", 3), Some(1));
        assert_eq!(map.remove(""), Some(3));
        assert!(!map.is_empty());
        assert_eq!(map.remove("a"), Some(2));
        assert!(map.is_empty());
    }
}
