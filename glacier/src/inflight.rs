//! Client requests forwarded to back ends and not answered yet, by client connection: when a
//! client goes away they are cancelled, so a back end that never answers holds nothing of
//! gone clients.

use foldhash::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ice_driver::Connection;

const SHARDS: usize = 16;

/// The back-end invocation of one forwarded request, once started: its attempt (a request
/// refused unsent by a closing connection is sent again, as attempt 1), connection and key.
type Started = Option<(u32, Connection, u64)>;

#[derive(Default)]
pub(crate) struct InFlight {
    shards: [Mutex<HashMap<u64, HashMap<u64, Started>>>; SHARDS],
    next: AtomicU64,
}

impl InFlight {
    fn shard(&self, client: u64) -> std::sync::MutexGuard<'_, HashMap<u64, HashMap<u64, Started>>> {
        let i = (client as usize) % SHARDS;
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request of the client connection `client` is about to be forwarded; returns its
    /// number. Nothing is kept for a client already gone.
    pub(crate) fn begin(&self, client: &Connection) -> u64 {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        if !client.is_closed() {
            self.shard(client.id()).entry(client.id()).or_default().insert(seq, None);
        }
        seq
    }

    /// Request `seq` went out on `backend` as invocation `key`. If it is not known any more,
    /// either it was answered already or its client is gone: cancelling is right in the
    /// second case and does nothing in the first.
    /// A later attempt's record is never replaced by an earlier one's, whichever comes last.
    pub(crate) fn started(
        &self,
        client: u64,
        seq: u64,
        attempt: u32,
        backend: &Connection,
        key: u64,
    ) {
        let known = match self.shard(client).get_mut(&client).and_then(|m| m.get_mut(&seq)) {
            Some(slot) => {
                if slot.as_ref().is_none_or(|(a, _, _)| *a <= attempt) {
                    *slot = Some((attempt, backend.clone(), key));
                }
                true
            }
            None => false,
        };
        if !known {
            backend.cancel_invocation(key);
        }
    }

    /// Request `seq` is answered (or failed).
    pub(crate) fn end(&self, client: u64, seq: u64) {
        let mut shard = self.shard(client);
        if let Some(m) = shard.get_mut(&client) {
            m.remove(&seq);
            if m.is_empty() {
                shard.remove(&client);
            }
        }
    }

    /// `client` is gone: its requests still waiting for back ends are cancelled.
    pub(crate) fn client_gone(&self, client: u64) {
        let gone = self.shard(client).remove(&client).unwrap_or_default();
        for (_, connection, key) in gone.into_values().flatten() {
            connection.cancel_invocation(key);
        }
    }

    /// How many forwarded requests wait for a back end.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .values()
                    .map(HashMap::len)
                    .sum::<usize>()
            })
            .sum()
    }
}
