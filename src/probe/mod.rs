//! One attempt against one target: resolve → connect → TLS → startup and
//! authentication → `SELECT 1` → Terminate, each stage timed and bounded by the
//! attempt's deadline. Several hosts are tried in order, as libpq does.

mod cn;
pub mod resolve;
pub mod session;
pub mod sniff;
pub mod tls;
pub mod watch;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpStream, UnixStream};
use tokio::time::Instant;
use tokio_util::either::Either;

use crate::classify;
use crate::outcome::{Attempt, Failure, ServerFacts, Stage, Stages, Step};
use crate::settings::client::TlsPlan;
use crate::settings::spec::{ConnSpec, Endpoint, Host, SessionAttrs};

/// A connected socket, TCP or Unix, checked to speak PostgreSQL.
pub type Socket = watch::Watched<Either<TcpStream, UnixStream>>;

/// Runs attempts; holds what lives across them (the resolver and its cache).
#[derive(Default)]
pub struct Prober {
    resolver: resolve::Resolver,
    /// Whether attempts record their route (doctor reads it; `wait`'s attempts,
    /// made many times a second, skip the bookkeeping).
    records_route: bool,
}

/// A session that passed `SELECT 1`, handed to an [`Inspect`] before it closes.
pub struct Ready<'a> {
    /// The open client.
    pub client: &'a tokio_postgres::Client,
    /// What the session has shown so far.
    pub facts: &'a ServerFacts,
    /// The target.
    pub spec: &'a ConnSpec,
    /// End of the attempt: every query must finish by then.
    pub deadline: Instant,
}

impl Ready<'_> {
    /// Runs one simple-protocol query under the attempt's deadline and returns its
    /// rows as text.
    pub async fn rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, tokio_postgres::Error> {
        use tokio_postgres::SimpleQueryMessage;
        let messages =
            match tokio::time::timeout_at(self.deadline, self.client.simple_query(sql)).await {
                Ok(result) => result?,
                Err(_) => return Ok(Vec::new()),
            };
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    /// The first row of [`Ready::rows`] (empty when there is none).
    pub async fn row(&self, sql: &str) -> Result<Vec<Option<String>>, tokio_postgres::Error> {
        Ok(self.rows(sql).await?.into_iter().next().unwrap_or_default())
    }
}

/// Work done on a ready session before it closes (gates, doctor facts). A failure
/// makes the attempt fail with it.
#[allow(async_fn_in_trait)] // pgready runs on one thread; no Send bound is needed
pub trait Inspect {
    /// Inspects the session; may return what identifies the cluster and database.
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure>;
}

/// No inspection: `SELECT 1` is the whole check.
impl Inspect for () {
    async fn inspect(&self, _ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        Ok(None)
    }
}

/// An inspection through a reference.
impl<I: Inspect> Inspect for &I {
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        (**self).inspect(ready).await
    }
}

/// Two inspections in order; the first failure ends the pair, and the identity is
/// the first one found.
impl<A: Inspect, B: Inspect> Inspect for (A, B) {
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        let first = self.0.inspect(ready).await?;
        let second = self.1.inspect(ready).await?;
        Ok(first.or(second))
    }
}

/// One attempt's fixed inputs.
struct Job<'a, I> {
    spec: &'a ConnSpec,
    deadline: Instant,
    inspect: &'a I,
    route: RefCell<Vec<Step>>,
    records_route: bool,
}

impl<I> Job<'_, I> {
    /// The route to record into, when this attempt records one.
    fn route(&self) -> Option<&RefCell<Vec<Step>>> {
        self.records_route.then_some(&self.route)
    }
}

impl Prober {
    /// A prober whose attempts record the names they resolved and the addresses
    /// they dialled ([`Attempt::route`]).
    pub fn recording_routes() -> Self {
        Prober {
            records_route: true,
            ..Prober::default()
        }
    }

    /// One attempt over every host of `spec`, in order; the first host that is
    /// ready (and passes `inspect`) wins. `deadline` bounds the whole attempt.
    pub async fn attempt<I: Inspect>(
        &self,
        spec: &ConnSpec,
        require_writable: bool,
        deadline: Instant,
        inspect: &I,
    ) -> Attempt {
        let attrs = match (spec.session_attrs, require_writable) {
            (SessionAttrs::Any, true) => SessionAttrs::ReadWrite,
            (attrs, _) => attrs,
        };
        let job = Job {
            spec,
            deadline,
            inspect,
            route: RefCell::default(),
            records_route: self.records_route,
        };
        let mut stages = Stages::default();
        let mut result = self.over_hosts(&job, attrs, &mut stages).await;
        if attrs == SessionAttrs::PreferStandby && result.is_err() {
            // libpq's second pass: no standby answered, so any server will do.
            result = self.over_hosts(&job, SessionAttrs::Any, &mut stages).await;
        }
        Attempt {
            stages,
            route: job.route.into_inner(),
            ..Attempt::of(result)
        }
    }

    async fn over_hosts<I: Inspect>(
        &self,
        job: &Job<'_, I>,
        attrs: SessionAttrs,
        stages: &mut Stages,
    ) -> Result<ServerFacts, Failure> {
        let mut failures: Vec<(String, Failure)> = Vec::new();
        for endpoint in &job.spec.endpoints {
            let deadline = job
                .spec
                .connect_timeout
                .map_or(job.deadline, |t| job.deadline.min(Instant::now() + t));
            match self.one_host(job, endpoint, attrs, deadline, stages).await {
                Ok(facts) => return Ok(facts),
                Err(f) => failures.push((endpoint.label(), f)),
            }
        }
        Err(most_telling(failures))
    }

    async fn one_host<I: Inspect>(
        &self,
        job: &Job<'_, I>,
        endpoint: &Endpoint,
        attrs: SessionAttrs,
        deadline: Instant,
        stages: &mut Stages,
    ) -> Result<ServerFacts, Failure> {
        let label = endpoint.label();
        let tls_name = match &endpoint.host {
            Host::Tcp(name) => name.as_str(),
            Host::Unix(_) => "",
        };
        let session = session::Session {
            spec: job.spec,
            tls_name,
            label: &label,
            attrs,
            deadline,
        };
        let mut failed: Option<(TlsPlan, session::Ended)> = None;
        for &plan in &job.spec.tls.plans {
            if let Some((previous, ended)) = failed {
                if !session::falls_back(previous, &ended) {
                    return Err(ended.failure);
                }
                failed = Some((previous, ended));
            }
            let socket = self
                .open(endpoint, &label, deadline, stages, job.route())
                .await?;
            match session.run(socket, plan, stages, job.inspect).await {
                Ok(facts) => return Ok(facts),
                Err(mut ended) => {
                    ended.failure = direct_tls_hint(job.spec, ended.failure);
                    failed = Some((plan, first_cause(failed.map(|(_, e)| e), ended)));
                }
            }
        }
        Err(failed.map_or_else(
            || classify::timeout(Stage::Connect, &label, Duration::ZERO),
            |(_, ended)| ended.failure,
        ))
    }

    /// Resolves (for TCP) and connects, recording both stages.
    async fn open(
        &self,
        endpoint: &Endpoint,
        label: &str,
        deadline: Instant,
        stages: &mut Stages,
        route: Option<&RefCell<Vec<Step>>>,
    ) -> Result<Socket, Failure> {
        if let Some(addr) = endpoint.addr {
            // libpq's hostaddr: dialled as given, no resolution.
            let started = Instant::now();
            let socket = connect_any(&[addr], endpoint.port, label, deadline, route).await;
            stages.add(Stage::Connect, started.elapsed());
            return Ok(watched(Either::Left(socket?)));
        }
        match &endpoint.host {
            Host::Unix(dir) => {
                let path = dir.join(format!(".s.PGSQL.{}", endpoint.port));
                let started = Instant::now();
                let socket = bounded(Stage::Connect, label, deadline, UnixStream::connect(&path))
                    .await
                    .and_then(|s| s.map_err(|e| classify::connect(label, &e, true)));
                stages.add(Stage::Connect, started.elapsed());
                record(route, || Step::Dialled {
                    to: path.display().to_string(),
                    result: socket.as_ref().map(|_| ()).map_err(Clone::clone),
                });
                Ok(watched(Either::Right(socket?)))
            }
            Host::Tcp(name) => {
                let started = Instant::now();
                let addrs = bounded(Stage::Resolve, name, deadline, self.resolver.lookup(name))
                    .await
                    .and_then(|a| a.map_err(|e| classify::resolve(name, &e)));
                stages.add(Stage::Resolve, started.elapsed());
                record(route, || Step::Resolved {
                    name: name.clone(),
                    result: addrs.clone(),
                });
                let started = Instant::now();
                let socket = connect_any(&addrs?, endpoint.port, label, deadline, route).await;
                stages.add(Stage::Connect, started.elapsed());
                Ok(watched(Either::Left(socket?)))
            }
        }
    }
}

/// Appends the step `make` builds, when a route is being recorded.
fn record(route: Option<&RefCell<Vec<Step>>>, make: impl FnOnce() -> Step) {
    if let Some(route) = route {
        route.borrow_mut().push(make());
    }
}

/// Of a refusal and the fallback after it, the one to report: `allow`'s TLS try
/// after a plaintext refusal fails on a server without TLS, but the refusal (a
/// wrong password, a missing database) is the cause; libpq prints both.
fn first_cause(earlier: Option<session::Ended>, later: session::Ended) -> session::Ended {
    match earlier {
        Some(earlier) if later.failure.class == crate::class::Class::TlsUnsupported => earlier,
        _ => later,
    }
}

/// A server older than 17 (or a pooler) closes a connection that opens with a TLS
/// hello instead of PostgreSQL's SSLRequest: say what direct TLS needs.
fn direct_tls_hint(spec: &ConnSpec, failure: Failure) -> Failure {
    if !(spec.tls.direct && failure.class == crate::class::Class::ConnectionClosed) {
        return failure;
    }
    failure.with_hint("sslnegotiation=direct needs PostgreSQL 17 or later, reached without a pooler in between: drop it from the URL for an older server")
}

/// A fresh connection, sniffed for a non-PostgreSQL peer; the session sets the
/// `require_auth` scanner once it knows whether TLS is asked for.
fn watched(stream: Either<TcpStream, UnixStream>) -> Socket {
    watch::Watched::connection(stream)
}

/// Runs `fut` until `deadline`; a timeout becomes that stage's failure.
pub async fn bounded<F: std::future::Future>(
    stage: Stage,
    what: &str,
    deadline: Instant,
    fut: F,
) -> Result<F::Output, Failure> {
    let started = Instant::now();
    tokio::time::timeout_at(deadline, fut)
        .await
        .map_err(|_| classify::timeout(stage, what, started.elapsed()))
}

/// Tries every resolved address in order; the first that connects wins.
async fn connect_any(
    addrs: &[std::net::IpAddr],
    port: u16,
    label: &str,
    deadline: Instant,
    route: Option<&RefCell<Vec<Step>>>,
) -> Result<TcpStream, Failure> {
    let mut last = None;
    for ip in addrs {
        let addr = SocketAddr::new(*ip, port);
        // Past the deadline the attempt ends; a refusal moves on to the next address.
        let (dialled, at_deadline) =
            match bounded(Stage::Connect, label, deadline, dial(addr)).await {
                Ok(r) => (r.map_err(|e| classify::connect(label, &e, false)), false),
                Err(timeout) => (Err(timeout), true),
            };
        record(route, || Step::Dialled {
            to: addr.to_string(),
            result: dialled.as_ref().map(|_| ()).map_err(Clone::clone),
        });
        match dialled {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(f) if at_deadline => return Err(f),
            Err(f) => last = Some(f),
        }
    }
    Err(last.unwrap_or_else(|| classify::timeout(Stage::Connect, label, Duration::ZERO)))
}

/// Connects to `addr`. A refusal the kernel knows at once (loopback, this host)
/// returns without registering the socket with the runtime: a gate waiting on a
/// port that is not open yet makes one such attempt every ~40 ms, and this skips
/// an epoll add and delete and a wake-up of each (the connect itself, the kernel's
/// SYN and RST, is most of what is left).
async fn dial(addr: SocketAddr) -> std::io::Result<TcpStream> {
    use socket2::{Domain, Protocol, Socket, Type};
    let kind = Type::STREAM.nonblocking().cloexec();
    let socket = Socket::new(Domain::for_address(addr), kind, Some(Protocol::TCP))?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
            if let Some(e) = socket.take_error()? {
                return Err(e);
            }
        }
        Err(e) => return Err(e),
    }
    let stream = TcpStream::from_std(socket.into())?;
    stream.writable().await?;
    match stream.take_error()? {
        Some(e) => Err(e),
        None => Ok(stream),
    }
}

/// With several hosts, the failure that got furthest tells the most (an auth
/// failure on host 2 matters more than a refusal on host 1); the others are named
/// in its message.
fn most_telling(mut failures: Vec<(String, Failure)>) -> Failure {
    let best = failures
        .iter()
        .enumerate()
        .max_by_key(|(i, (_, f))| (f.stage, *i))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let (_, mut chosen) = failures.remove(best);
    if !failures.is_empty() {
        let others: Vec<String> = failures
            .iter()
            .map(|(label, f)| format!("{label}: {}", f.class))
            .collect();
        chosen.message = format!("{} (other hosts: {})", chosen.message, others.join(", "));
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::Class;

    #[test]
    fn furthest_failure_wins() {
        let refused = Failure::new(Class::ConnectionRefused, Stage::Connect, "refused");
        let auth = Failure::new(Class::AuthFailed, Stage::Auth, "bad password");
        let chosen = most_telling(vec![("a:1".into(), refused.clone()), ("b:2".into(), auth)]);
        assert_eq!(chosen.class, Class::AuthFailed);
        assert!(
            chosen.message.contains("a:1: connection_refused"),
            "{}",
            chosen.message
        );
        let chosen = most_telling(vec![
            ("a:1".into(), refused.clone()),
            ("b:2".into(), refused),
        ]);
        assert_eq!(
            chosen.message,
            "refused (other hosts: a:1: connection_refused)"
        );
    }
}
