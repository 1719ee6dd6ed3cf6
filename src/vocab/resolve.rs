//! Why a host name gave no address, as the classifier and doctor read it.

/// Why a name did not resolve.
#[derive(Debug)]
pub enum ResolveError {
    /// The name does not exist, or has no address records.
    NotFound,
    /// The resolver could not get an answer (timeout, SERVFAIL, no server).
    Unavailable(String),
}
