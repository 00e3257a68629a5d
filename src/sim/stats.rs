//! Request accounting: how many requests each route got, with which status, and how many body
//! bytes went out (after gzip), so tests can assert "1,000 pages, no retries lost".

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Total requests served.
    pub requests: u64,
    /// Response body bytes written (compressed size when gzip was negotiated).
    pub bytes_sent: u64,
    /// Route template (e.g. `GET /admin/directory/v1/customer/{customerId}/devices/mobile`) →
    /// status code → count.
    pub by_route: BTreeMap<String, BTreeMap<u16, u64>>,
    /// Route template → every query parameter name clients sent to it, so tests can check
    /// a client against the discovery documents (only documented parameters).
    pub params_by_route: BTreeMap<String, BTreeSet<String>>,
    /// `METHOD /concrete/path` → how many times it was requested, for every request that
    /// is not a GET (token requests aside), so tests can prove no resource was changed twice.
    pub mutations: BTreeMap<String, u64>,
}

impl Stats {
    pub fn record(&mut self, route: &str, status: u16, bytes: u64) {
        self.record_with_params(route, status, bytes, std::iter::empty());
    }

    pub fn record_with_params<'a>(
        &mut self,
        route: &str,
        status: u16,
        bytes: u64,
        params: impl Iterator<Item = &'a str>,
    ) {
        let seen = self.params_by_route.entry(route.to_string()).or_default();
        for p in params {
            if !seen.contains(p) {
                seen.insert(p.to_string());
            }
        }
        self.requests += 1;
        self.bytes_sent += bytes;
        *self
            .by_route
            .entry(route.to_string())
            .or_default()
            .entry(status)
            .or_default() += 1;
    }

    pub fn record_mutation(&mut self, method: &str, path: &str) {
        *self
            .mutations
            .entry(format!("{method} {path}"))
            .or_default() += 1;
    }

    /// Requests to routes containing `needle`, any status.
    pub fn count(&self, needle: &str) -> u64 {
        self.by_route
            .iter()
            .filter(|(route, _)| route.contains(needle))
            .flat_map(|(_, by_status)| by_status.values())
            .sum()
    }

    /// Requests to routes containing `needle` that ended with `status`.
    pub fn count_status(&self, needle: &str, status: u16) -> u64 {
        self.by_route
            .iter()
            .filter(|(route, _)| route.contains(needle))
            .filter_map(|(_, by_status)| by_status.get(&status))
            .sum()
    }
}
