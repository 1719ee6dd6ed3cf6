//! On a connected socket: TLS per sslmode, startup and authentication through
//! tokio-postgres, `SELECT 1` over the simple query protocol (it works through
//! PgBouncer in transaction mode), the session checks, then a clean Terminate so no
//! backend is left behind.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_postgres::tls::{MakeTlsConnect, NoTls, TlsConnect};
use tokio_postgres::{Config, SimpleQueryMessage};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{self, Observed, TlsFacts};
use super::watch::{Asked, AuthScan};
use super::{bounded, Inspect, Ready, Socket};
use crate::class::Class;
use crate::classify::{self, SessionContext};
use crate::outcome::{Failure, ServerFacts, Stage, Stages};
use crate::settings::client::TlsPlan;
use crate::settings::spec::{ConnSpec, SessionAttrs};

/// A session that ended in a failure, and whether it was encrypted by then.
#[derive(Debug)]
pub struct Ended {
    /// What went wrong.
    pub failure: Failure,
    /// TLS was in use when it did (a server that answers `N` to the SSLRequest
    /// leaves a `prefer` session in plaintext).
    pub tls_in_use: bool,
}

/// Whether a failure under `plan` lets the next plan of the policy run. libpq
/// retries in the other mode once when the server answers the startup with an
/// error (`allow`: plaintext refused, try TLS; `prefer`: TLS refused, e.g. by a
/// `hostnossl`-only pg_hba, try plaintext — only when TLS was in use: a server
/// without TLS already had the plaintext try, as libpq's
/// `select_next_encryption_method` counts it), and `prefer` also when the TLS
/// handshake itself failed.
pub fn falls_back(plan: TlsPlan, ended: &Ended) -> bool {
    let failure = &ended.failure;
    let server_said_no = failure.stage == Stage::Auth && SERVER_ERRORS.contains(&failure.class);
    match plan {
        TlsPlan::Off => server_said_no,
        TlsPlan::Prefer(_) => {
            (server_said_no && ended.tls_in_use)
                || (failure.stage == Stage::Tls
                    && matches!(
                        failure.class,
                        Class::TlsError | Class::TlsUntrusted | Class::ConnectionClosed
                    ))
        }
        TlsPlan::Require(_) => false,
    }
}

/// The classes of an error the server sends in answer to the startup packet.
const SERVER_ERRORS: [Class; 5] = [
    Class::AccessRejected,
    Class::AuthFailed,
    Class::DatabaseMissing,
    Class::TooManyConnections,
    Class::ServerStarting,
];

/// Where and how one session runs.
pub struct Session<'a> {
    /// The target.
    pub spec: &'a ConnSpec,
    /// Host name for TLS (empty for sockets).
    pub tls_name: &'a str,
    /// `host:port` for messages.
    pub label: &'a str,
    /// Which server kind is required.
    pub attrs: SessionAttrs,
    /// End of the attempt.
    pub deadline: Instant,
}

impl Session<'_> {
    /// Runs the session on `socket` under `plan`.
    pub async fn run<I: Inspect>(
        &self,
        socket: Socket,
        plan: TlsPlan,
        stages: &mut Stages,
        inspect: &I,
    ) -> Result<ServerFacts, Ended> {
        let observed = Observed::default();
        let run = self.run_plan(socket, plan, &observed, stages, inspect);
        run.await.map_err(|failure| Ended {
            failure,
            tls_in_use: observed.lock().is_ok_and(|f| f.done_at.is_some()),
        })
    }

    async fn run_plan<I: Inspect>(
        &self,
        socket: Socket,
        plan: TlsPlan,
        observed: &Observed,
        stages: &mut Stages,
        inspect: &I,
    ) -> Result<ServerFacts, Failure> {
        let asked = Asked::default();
        let mut config = self.config();
        let mut socket = socket;
        let scan = |ssl_answer| {
            let rule = self.spec.require_auth.clone();
            Some(AuthScan::new(rule, Arc::clone(&asked), ssl_answer))
        };
        // Below TLS the scanner reads plaintext until the server says `S`; with
        // direct TLS nothing below it is plaintext.
        if self.spec.tls.direct && plan != TlsPlan::Off {
            socket.expect_direct_tls();
        }
        socket.watch(match plan {
            TlsPlan::Off => scan(false),
            _ if self.spec.tls.direct => None,
            _ => scan(true),
        });
        match plan {
            TlsPlan::Off => {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                self.establish(
                    &config,
                    socket,
                    NoTls,
                    plan,
                    (observed, &asked),
                    stages,
                    inspect,
                )
                .await
            }
            TlsPlan::Prefer(verify) | TlsPlan::Require(verify) => {
                config.ssl_mode(match plan {
                    TlsPlan::Prefer(_) => tokio_postgres::config::SslMode::Prefer,
                    _ => tokio_postgres::config::SslMode::Require,
                });
                if self.spec.tls.direct {
                    config.ssl_negotiation(tokio_postgres::config::SslNegotiation::Direct);
                }
                let policy = &self.spec.tls;
                let client_config = tls::client_config(policy, verify, Arc::clone(observed))
                    .map_err(|e| classify::tls_setup(&e.0))?;
                let mut client_config = client_config;
                if policy.direct {
                    // PostgreSQL 17+ takes a direct TLS connection only with this ALPN.
                    client_config.alpn_protocols = vec![b"postgresql".to_vec()];
                }
                let mut maker = MakeRustlsConnect::new(client_config);
                let inner = <MakeRustlsConnect as MakeTlsConnect<Socket>>::make_tls_connect(
                    &mut maker,
                    self.tls_name,
                )
                .unwrap_or_else(|never| match never {});
                let connector = tls::Timed {
                    inner,
                    observed: Arc::clone(observed),
                    scan: scan(false),
                };
                self.establish(
                    &config,
                    socket,
                    connector,
                    plan,
                    (observed, &asked),
                    stages,
                    inspect,
                )
                .await
            }
        }
    }

    fn config(&self) -> Config {
        let spec = self.spec;
        let mut config = Config::new();
        config
            .user(&spec.user)
            .dbname(&spec.dbname)
            .application_name(&spec.application_name);
        if let Some(password) = &spec.password {
            config.password(password.expose());
        }
        if let Some(options) = &spec.options {
            config.options(options);
        }
        match spec.channel_binding.as_deref() {
            Some("require") => {
                config.channel_binding(tokio_postgres::config::ChannelBinding::Require)
            }
            Some("disable") => {
                config.channel_binding(tokio_postgres::config::ChannelBinding::Disable)
            }
            _ => &mut config,
        };
        config
    }

    fn context(&self) -> SessionContext<'_> {
        SessionContext {
            endpoint: self.label,
            user: &self.spec.user,
            dbname: &self.spec.dbname,
            password_source: self.spec.password_source.as_deref(),
            sslmode: self.spec.tls.mode,
            client: self.spec.client,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn establish<T, I: Inspect>(
        &self,
        config: &Config,
        socket: Socket,
        tls: T,
        plan: TlsPlan,
        (observed, asked): (&Observed, &Asked),
        stages: &mut Stages,
        inspect: &I,
    ) -> Result<ServerFacts, Failure>
    where
        T: TlsConnect<Socket>,
        T::Stream: Send + 'static,
    {
        let local_port = match socket.get_ref() {
            tokio_util::either::Either::Left(tcp) => tcp.local_addr().ok().map(|a| a.port()),
            tokio_util::either::Either::Right(_) => None,
        };
        let started = Instant::now();
        let connected = bounded(
            Stage::Auth,
            self.label,
            self.deadline,
            config.connect_raw(socket, tls),
        )
        .await;
        let tls_facts = observed.lock().map(|f| f.clone()).unwrap_or_default();
        record_handshake_split(stages, started, &tls_facts);
        let (client, connection) = match connected {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return Err(classify::session(&e, Stage::Auth, &self.context())),
            Err(mut timeout) => {
                if plan != TlsPlan::Off && tls_facts.done_at.is_none() {
                    timeout.stage = Stage::Tls;
                }
                return Err(timeout);
            }
        };
        let mut facts = ServerFacts {
            version: connection.parameter("server_version").map(str::to_string),
            endpoint: self.label.to_string(),
            read_only: None,
            tls: tls_facts.done_at.is_some(),
            tls_protocol: tls_facts.protocol,
            tls_verified: tls_facts.verified,
            identity: None,
            local_port,
            auth: asked.get().copied(),
        };
        let task = tokio::spawn(connection);
        let started = Instant::now();
        let checked = self.check(&client, &mut facts, inspect).await;
        stages.add(Stage::Query, started.elapsed());
        // Dropping the client makes the connection send Terminate; wait briefly for it
        // so no backend outlives the check (or an exec that follows).
        drop(client);
        let _ = tokio::time::timeout(Duration::from_millis(500), task).await;
        checked.map(|()| facts)
    }

    /// `SELECT 1` (and the session kind), then the inspection.
    async fn check<I: Inspect>(
        &self,
        client: &tokio_postgres::Client,
        facts: &mut ServerFacts,
        inspect: &I,
    ) -> Result<(), Failure> {
        facts.read_only = self.query(client).await?;
        let ready = Ready {
            client,
            facts,
            spec: self.spec,
            deadline: self.deadline,
        };
        facts.identity = inspect.inspect(&ready).await?;
        Ok(())
    }

    /// `SELECT 1`, or the session-kind query when the target needs a kind. Returns
    /// whether the session is read-only, when known.
    async fn query(&self, client: &tokio_postgres::Client) -> Result<Option<bool>, Failure> {
        let needs_kind = self.attrs != SessionAttrs::Any;
        let sql = if needs_kind {
            "SELECT pg_catalog.pg_is_in_recovery()::text, pg_catalog.current_setting('transaction_read_only')"
        } else {
            "SELECT 1"
        };
        let messages = bounded(
            Stage::Query,
            self.label,
            self.deadline,
            client.simple_query(sql),
        )
        .await?
        .map_err(|e| classify::session(&e, Stage::Query, &self.context()))?;
        if !needs_kind {
            return Ok(None);
        }
        let row = messages.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some((r.get(0) == Some("true"), r.get(1) == Some("on"))),
            _ => None,
        });
        let (in_recovery, read_only) = row.unwrap_or((false, false));
        self.check_kind(in_recovery, read_only)?;
        Ok(Some(read_only))
    }

    fn check_kind(&self, in_recovery: bool, read_only: bool) -> Result<(), Failure> {
        kind_verdict(self.label, self.attrs, in_recovery, read_only)
    }
}

/// What kind of server answered, in words.
pub(crate) fn describe_kind(in_recovery: bool, read_only: bool) -> &'static str {
    match (in_recovery, read_only) {
        (true, _) => "a standby (in recovery, read-only)",
        (false, true) => {
            "a primary whose sessions are read-only (default_transaction_read_only = on)"
        }
        (false, false) => "a writable primary",
    }
}

/// Whether the server's kind satisfies `attrs` (`target_session_attrs`, or
/// read-write for a write URL); doctor judges with it too.
pub(crate) fn kind_verdict(
    label: &str,
    attrs: SessionAttrs,
    in_recovery: bool,
    read_only: bool,
) -> Result<(), Failure> {
    let (ok, what) = match attrs {
        SessionAttrs::Any => (true, ""),
        SessionAttrs::ReadWrite => (!read_only, "a read-write session"),
        SessionAttrs::ReadOnly => (read_only, "a read-only session"),
        SessionAttrs::Primary => (!in_recovery, "a primary"),
        SessionAttrs::Standby | SessionAttrs::PreferStandby => (in_recovery, "a standby"),
    };
    if ok {
        return Ok(());
    }
    Err(Failure::new(
        Class::ReadOnly,
        Stage::Query,
        format!(
            "{label} is {}, but {what} is required (target_session_attrs={})",
            describe_kind(in_recovery, read_only),
            attrs.name()
        ),
    ))
}

/// Splits the time of `connect_raw` into TLS (until the handshake finished) and
/// authentication (the rest).
fn record_handshake_split(stages: &mut Stages, started: Instant, facts: &TlsFacts) {
    let total = started.elapsed();
    let tls = facts
        .done_at
        .map(|t| tokio::time::Instant::from_std(t).saturating_duration_since(started))
        .unwrap_or_default()
        .min(total);
    stages.add(Stage::Tls, tls);
    stages.add(Stage::Auth, total - tls);
}
