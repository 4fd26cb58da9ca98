//! A simulated network for whole conversations between two [`Connection`]s, with no sockets:
//! virtual time, optional latency, arbitrary chunking of the byte stream, and a link that can
//! be cut. Modelled on quinn-proto's test `Pair`.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ice_proto::connection::{Connection, ConnectionConfig, Event, Side};

/// One direction of the link.
#[derive(Default)]
struct Wire {
    in_transit: VecDeque<(Instant, Bytes)>,
    /// Bytes arrived at the receiver and not yet consumed by it.
    inbuf: BytesMut,
    /// Every byte ever written on this wire, for assertions.
    log: Vec<Bytes>,
}

pub struct Pair {
    pub now: Instant,
    pub client: Connection,
    pub server: Connection,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    pub latency: Duration,
    /// Largest chunk handed to `handle_input` (None: whole arrivals).
    pub max_chunk: Option<usize>,
    rng: u64,
    to_server: Wire,
    to_client: Wire,
    link_up: bool,
    /// Whether each side has been told about EOF.
    eof_sent: bool,
}

impl Pair {
    pub fn new(client: ConnectionConfig, server: ConnectionConfig) -> Pair {
        let now = Instant::now();
        Pair {
            now,
            client: Connection::new(client, now),
            server: Connection::new(server, now),
            client_events: Vec::new(),
            server_events: Vec::new(),
            latency: Duration::from_millis(1),
            max_chunk: None,
            rng: 0x9E37_79B9_7F4A_7C15,
            to_server: Wire::default(),
            to_client: Wire::default(),
            link_up: true,
            eof_sent: false,
        }
    }

    pub fn default_pair() -> Pair {
        Pair::new(ConnectionConfig::new(Side::Client), ConnectionConfig::new(Side::Server))
    }

    /// A pair that has completed validation.
    pub fn connected() -> Pair {
        let mut p = Pair::default_pair();
        p.drive();
        assert!(matches!(p.client_events.first(), Some(Event::Connected)));
        p.client_events.clear();
        p
    }

    pub fn seed(&mut self, seed: u64) {
        self.rng = seed | 1;
    }

    fn next_rand(&mut self) -> u64 {
        // xorshift64: deterministic, good enough for chunk sizes.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// Everything the client has written so far.
    pub fn client_sent(&self) -> Vec<u8> {
        self.to_server.log.iter().flat_map(|b| b.iter().copied()).collect()
    }

    /// Everything the server has written so far.
    pub fn server_sent(&self) -> Vec<u8> {
        self.to_client.log.iter().flat_map(|b| b.iter().copied()).collect()
    }

    /// Puts `bytes` on the wire to the server as if the client's transport wrote them,
    /// bypassing the client's [`Connection`]: a broken or hostile client.
    pub fn inject_to_server(&mut self, bytes: &[u8]) {
        let b = Bytes::copy_from_slice(bytes);
        self.to_server.log.push(b.clone());
        if self.link_up {
            self.to_server.in_transit.push_back((self.now + self.latency, b));
        }
    }

    /// Cuts the link: both sides see EOF once the current step is done.
    pub fn drop_link(&mut self) {
        self.link_up = false;
    }

    /// Runs until nothing more happens without advancing time past pending deliveries (and
    /// the timers due before them).
    pub fn drive(&mut self) {
        for _ in 0..10_000 {
            if !self.step() {
                return;
            }
        }
        panic!("conversation does not settle");
    }

    /// Advances virtual time to `until`, running timers and deliveries on the way.
    pub fn run_until(&mut self, until: Instant) {
        loop {
            self.drive();
            let next = self.next_wakeup();
            match next {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                }
                _ => {
                    self.now = until;
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                    self.drive();
                    return;
                }
            }
        }
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    fn next_wakeup(&self) -> Option<Instant> {
        [
            self.client.poll_timeout(),
            self.server.poll_timeout(),
            self.to_server.in_transit.front().map(|(t, _)| *t),
            self.to_client.in_transit.front().map(|(t, _)| *t),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// One round: transmit, deliver what is due (advancing time to the next delivery if
    /// nothing else is happening), collect events. Returns whether anything happened.
    pub fn step(&mut self) -> bool {
        let mut progress = false;
        let now = self.now;
        while let Some(t) = self.client.poll_transmit() {
            progress = true;
            for c in &t.chunks {
                self.to_server.log.push(c.clone());
                if self.link_up {
                    self.to_server.in_transit.push_back((now + self.latency, c.clone()));
                }
            }
            self.client.handle_written(now);
        }
        while let Some(t) = self.server.poll_transmit() {
            progress = true;
            for c in &t.chunks {
                self.to_client.log.push(c.clone());
                if self.link_up {
                    self.to_client.in_transit.push_back((now + self.latency, c.clone()));
                }
            }
            self.server.handle_written(now);
        }
        if !self.link_up && !self.eof_sent {
            self.eof_sent = true;
            self.to_server.in_transit.clear();
            self.to_client.in_transit.clear();
            self.client.handle_eof(now);
            self.server.handle_eof(now);
            progress = true;
        }
        // Deliver the next pending bytes, moving time forward to their arrival.
        let due = [
            self.to_server.in_transit.front().map(|(t, _)| *t),
            self.to_client.in_transit.front().map(|(t, _)| *t),
        ]
        .into_iter()
        .flatten()
        .min();
        // A timer due before the next delivery runs first, as it would on a real network.
        let timer =
            [self.client.poll_timeout(), self.server.poll_timeout()].into_iter().flatten().min();
        if let (Some(t), Some(timer)) = (due, timer) {
            if timer < t {
                self.now = self.now.max(timer);
                self.client.handle_timeout(self.now);
                self.server.handle_timeout(self.now);
                return true;
            }
        }
        if let Some(t) = due {
            self.now = self.now.max(t);
            let now = self.now;
            while self.to_server.in_transit.front().is_some_and(|(t, _)| *t <= now) {
                if let Some((_, b)) = self.to_server.in_transit.pop_front() {
                    self.to_server.inbuf.extend_from_slice(&b);
                }
            }
            while self.to_client.in_transit.front().is_some_and(|(t, _)| *t <= now) {
                if let Some((_, b)) = self.to_client.in_transit.pop_front() {
                    self.to_client.inbuf.extend_from_slice(&b);
                }
            }
            self.feed(true);
            self.feed(false);
            progress = true;
        }
        // A peer that closed its transport: the other side sees EOF.
        let closed_pair = (self.client.is_closed(), self.server.is_closed());
        if self.link_up && (closed_pair.0 || closed_pair.1) {
            self.link_up = false;
            progress = true;
        }
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
            progress = true;
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
            progress = true;
        }
        progress
    }

    /// Hands arrived bytes to one side, in chunks of at most `max_chunk`.
    fn feed(&mut self, to_server: bool) {
        let now = self.now;
        let pending = if to_server {
            std::mem::take(&mut self.to_server.inbuf)
        } else {
            std::mem::take(&mut self.to_client.inbuf)
        };
        let mut rest = Bytes::from(pending);
        let mut buf = BytesMut::new();
        while !rest.is_empty() {
            let n = match self.max_chunk {
                Some(max) => 1 + (self.next_rand() as usize % max.max(1)),
                None => rest.len(),
            }
            .min(rest.len());
            buf.extend_from_slice(&rest.split_to(n));
            let conn = if to_server { &mut self.server } else { &mut self.client };
            conn.handle_input(now, &mut buf);
        }
        // Keep any partial message for the next delivery.
        if to_server {
            self.to_server.inbuf = buf;
        } else {
            self.to_client.inbuf = buf;
        }
    }
}
