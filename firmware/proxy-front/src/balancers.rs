//! The balancers a listener reads PROXY protocol headers from, changeable while it serves.

use postern_metrics::SourcePrefixes;
use std::sync::{Arc, PoisonError, RwLock};

/// Which sources may send a PROXY protocol header to a listener: none (the listener reads
/// no header; every connection is its own client), or a list of prefixes (every connection
/// must come from one of them and start with a header). Clones share the list: a
/// [`Balancers::set`] applies to the connections the listener accepts from then on; those
/// already accepted keep what they were accepted with.
#[derive(Debug, Clone, Default)]
pub struct Balancers(Arc<RwLock<Option<Arc<SourcePrefixes>>>>);

impl Balancers {
    /// Balancers `list`, or none.
    pub fn new(list: Option<SourcePrefixes>) -> Self {
        Self(Arc::new(RwLock::new(list.map(Arc::new))))
    }

    /// Replaces the list for the next connections accepted.
    pub fn set(&self, list: Option<SourcePrefixes>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = list.map(Arc::new);
    }

    /// The list in force now, if any.
    pub fn current(&self) -> Option<Arc<SourcePrefixes>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn a_set_list_is_seen_by_every_clone() {
        let balancers = Balancers::default();
        let listener_side = balancers.clone();
        assert!(listener_side.current().is_none());
        balancers.set(Some(SourcePrefixes::parse(&["10.0.5.0/28"]).expect("prefix")));
        let list = listener_side.current().expect("a list");
        assert!(list.allows(IpAddr::from([10, 0, 5, 2])));
        assert!(!list.allows(IpAddr::from([10, 0, 6, 2])));
        balancers.set(None);
        assert!(listener_side.current().is_none());
    }
}
