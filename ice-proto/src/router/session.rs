//! One client connection's session: who it is, what it may reach, and its routing table.

use std::net::SocketAddr;
use std::time::Instant;

use super::config::Filters;
use super::routing_table::RoutingTable;
use crate::proxy::ProxyData;
use crate::{Context, Identity};

/// How a session was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// `createSession(userId, password)`.
    Password,
    /// `createSessionFromSecureConnection()`.
    Ssl,
}

/// What the router knows of a client connection, for the `_con.*` context entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// `tcp`, `ssl`, `ws`, `wss`, …
    pub transport: String,
    /// The router's address of the connection.
    pub local: Option<SocketAddr>,
    /// The client's address.
    pub remote: Option<SocketAddr>,
    /// The negotiated TLS cipher (`ssl` connections).
    pub cipher: Option<String>,
    /// The PEM of the client's certificate (`ssl` connections whose client sent one).
    pub peer_cert: Option<String>,
}

impl ConnectionInfo {
    /// The `_con.*` entries glacier2router adds with `Glacier2.AddConnectionContext`.
    pub fn context(&self) -> Context {
        let mut c = Context::new();
        c.insert("_con.type".to_owned(), self.transport.clone());
        if let Some(a) = self.remote {
            c.insert("_con.remoteAddress".to_owned(), a.ip().to_string());
            c.insert("_con.remotePort".to_owned(), a.port().to_string());
        }
        if let Some(a) = self.local {
            c.insert("_con.localAddress".to_owned(), a.ip().to_string());
            c.insert("_con.localPort".to_owned(), a.port().to_string());
        }
        if let Some(cipher) = &self.cipher {
            c.insert("_con.cipher".to_owned(), cipher.clone());
        }
        if let Some(pem) = &self.peer_cert {
            c.insert("_con.peerCert".to_owned(), pem.clone());
        }
        c
    }
}

/// What the caller supplies to finish creating a session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The user id (password sessions) or subject DN (SSL sessions).
    pub user_id: String,
    /// How it was authenticated.
    pub kind: SessionKind,
    /// The category of its callback identities (unguessable; from a CSPRNG), when the router
    /// has server endpoints.
    pub category: Option<String>,
    /// The session manager's session, if any (destroyed with the session).
    pub session_proxy: Option<ProxyData>,
    /// The SessionControl object registered for it, if any.
    pub control: Option<Identity>,
    /// Its `_con.*` entries.
    pub connection_context: Context,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user id or subject DN.
    pub user_id: String,
    /// How it was authenticated.
    pub kind: SessionKind,
    /// The category routing callbacks to it.
    pub category: Option<String>,
    /// The session manager's session.
    pub session_proxy: Option<ProxyData>,
    /// Its SessionControl object.
    pub control: Option<Identity>,
    /// Its `_con.*` context entries.
    pub connection_context: Context,
    /// Its accept filters (the static ones, plus the user's category, plus what
    /// SessionControl changed).
    pub filters: Filters,
    /// Its routing table.
    pub routing_table: RoutingTable,
    pub(super) last_activity: Instant,
    pub(super) generation: u64,
}

impl Session {
    /// A number that tells this session from an earlier or later one of the same connection.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When the session was last used by its client.
    pub fn last_activity(&self) -> Instant {
        self.last_activity
    }
}
