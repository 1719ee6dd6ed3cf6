//! Integration tests: the built `pgready` binary against real PostgreSQL clusters
//! and real faulty peers. Every run is checked for leaked passwords.

mod cases;
mod support;
