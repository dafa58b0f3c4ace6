//! Accepting and holding client connections, so that slow or idle clients cannot take the
//! portal down (axum's own `serve` has no header timeout and holds every connection offered):
//! - every request head must arrive within `header_timeout`, counted from the connection's
//!   opening or from the end of its previous response: slow senders and kept-alive
//!   connections left idle are closed;
//! - at most `max_connections` are held. When full, the oldest connection with no request in
//!   flight is closed to make room (one that has not yet sent a whole request first); when
//!   every one is busy, the newcomer gets a 503;
//! - one client address holds at most `per_address`, in the same way;
//! - when accepting fails (out of file descriptors), an idle connection is closed and the
//!   loop backs off instead of spinning.
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt;

use guildhall_app::server::rate_limit;

use crate::metrics::{Metrics, Refusal};

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    /// `None` behind a proxy, where every connection comes from the proxy's address.
    pub per_address: Option<usize>,
    pub header_timeout: Duration,
    /// How long shutdown waits for requests in flight.
    pub drain: Duration,
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in flight finish
/// (for at most `limits.drain`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    let held = Arc::new(Held::new(limits, metrics.clone()));
    let (closing, closing_rx) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let refusals = Arc::new(Semaphore::new(LINGERING_REFUSALS));
    let mut backoff = Backoff::default();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (tcp, peer) = match accepted {
            Ok(accepted) => {
                backoff.reset();
                accepted
            }
            // The client gave up before we accepted: nothing to do.
            Err(e) if is_about_one_connection(&e) => continue,
            Err(e) => {
                metrics.accept_errors.inc();
                let freed = held.close_idle(None);
                backoff.wait(&e, freed).await;
                continue;
            }
        };
        // Without NODELAY, responses over one segment wait on delayed ACKs (tens of ms).
        let _ = tcp.set_nodelay(true);
        // One IPv6 subscriber holds a whole /64: its addresses share one share.
        match held.admit(rate_limit::network_of(peer.ip())) {
            Ok(admitted) => {
                tokio::spawn(serve_connection(
                    tcp,
                    peer,
                    app.clone(),
                    http.clone(),
                    admitted,
                    closing_rx.clone(),
                ));
            }
            Err(why) => {
                metrics.refused(why);
                refuse(tcp, why, &refusals);
            }
        }
    }
    drop(listener);
    let _ = closing.send(true);
    if tokio::time::timeout(limits.drain, held.all_closed())
        .await
        .is_err()
    {
        tracing::warn!(
            open = held.open(),
            "stopped waiting for requests in flight after {:?}",
            limits.drain
        );
    }
}

/// Failures of `accept` that concern one connection, not the listener.
fn is_about_one_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// Refusals whose 503 is still being delivered; more are closed without one, so a flood of
/// refused connections cannot hold descriptors.
const LINGERING_REFUSALS: usize = 64;

/// Answers 503 and closes. The request is read (briefly) before closing: closing a socket
/// with unread data resets it, and the client would see a reset instead of the answer.
fn refuse(mut tcp: TcpStream, why: Refusal, lingering: &Arc<Semaphore>) {
    let body = match why {
        Refusal::Full => "The portal is at its connection limit. Please try again shortly.\n",
        Refusal::PerAddress => {
            "Too many connections from your address. Please try again shortly.\n"
        }
    };
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
         retry-after: 5\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let Ok(slot) = lingering.clone().try_acquire_owned() else {
        let _ = tcp.try_write(answer.as_bytes());
        return;
    };
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            tcp.write_all(answer.as_bytes()).await?;
            tcp.shutdown().await?;
            let mut sink = [0u8; 1024];
            while tcp.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
        drop(slot);
    });
}

/// How long the accept loop pauses after a failure: from 10 ms, doubling to 1 s.
struct Backoff {
    pause: Duration,
    logged_at: Option<Instant>,
    unlogged: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            pause: Duration::from_millis(10),
            logged_at: None,
            unlogged: 0,
        }
    }
}

impl Backoff {
    fn reset(&mut self) {
        self.pause = Duration::from_millis(10);
    }

    async fn wait(&mut self, error: &std::io::Error, freed_one: bool) {
        // One line every 5 s at most: the failure repeats as long as its cause lasts.
        if self
            .logged_at
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(5))
        {
            tracing::error!(
                %error,
                closed_an_idle_connection = freed_one,
                failures_since_last_report = self.unlogged,
                "cannot accept connections; pausing {:?}",
                self.pause
            );
            self.logged_at = Some(Instant::now());
            self.unlogged = 0;
        } else {
            self.unlogged += 1;
        }
        tokio::time::sleep(self.pause).await;
        self.pause = (self.pause * 2).min(Duration::from_secs(1));
    }
}

/// The connections held, oldest first, and how many each address holds.
struct Held {
    limits: Limits,
    metrics: Arc<Metrics>,
    inner: Mutex<Inner>,
    emptied: Notify,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    open: BTreeMap<u64, Arc<Slot>>,
    per_address: HashMap<IpAddr, usize>,
}

/// One held connection, as the listener sees it.
struct Slot {
    address: IpAddr,
    in_flight: AtomicUsize,
    /// Whether a whole request head has arrived on it yet.
    served: AtomicBool,
    /// Told when the listener closes the connection to make room.
    close: Notify,
}

impl Held {
    fn new(limits: Limits, metrics: Arc<Metrics>) -> Self {
        Held {
            limits,
            metrics,
            inner: Mutex::default(),
            emptied: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn open(&self) -> usize {
        self.lock().open.len()
    }

    fn admit(self: &Arc<Self>, address: IpAddr) -> Result<Admitted, Refusal> {
        let mut inner = self.lock();
        if let Some(share) = self.limits.per_address
            && inner.per_address.get(&address).copied().unwrap_or(0) >= share
            && !self.close_idle_locked(&mut inner, Some(address))
        {
            return Err(Refusal::PerAddress);
        }
        if inner.open.len() >= self.limits.max_connections
            && !self.close_idle_locked(&mut inner, None)
        {
            return Err(Refusal::Full);
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let slot = Arc::new(Slot {
            address,
            in_flight: AtomicUsize::new(0),
            served: AtomicBool::new(false),
            close: Notify::new(),
        });
        inner.open.insert(id, slot.clone());
        *inner.per_address.entry(address).or_default() += 1;
        self.metrics.connections_open.set(inner.open.len() as i64);
        Ok(Admitted {
            id,
            slot,
            held: self.clone(),
        })
    }

    /// Closes the oldest connection with no request in flight (of `address`, if given).
    fn close_idle(&self, address: Option<IpAddr>) -> bool {
        let mut inner = self.lock();
        self.close_idle_locked(&mut inner, address)
    }

    /// Connections that have not sent one whole request go first: a client that has been
    /// served and keeps its connection open for the next page is not who holds slots hostage.
    fn close_idle_locked(&self, inner: &mut Inner, address: Option<IpAddr>) -> bool {
        let idle = |served: bool| {
            inner
                .open
                .iter()
                .find(|(_, slot)| {
                    slot.in_flight.load(Ordering::Acquire) == 0
                        && slot.served.load(Ordering::Acquire) == served
                        && address.is_none_or(|a| slot.address == a)
                })
                .map(|(id, _)| *id)
        };
        let Some(id) = idle(false).or_else(|| idle(true)) else {
            return false;
        };
        if let Some(slot) = self.forget(inner, id) {
            slot.close.notify_one();
            self.metrics.closed_idle.inc();
        }
        true
    }

    fn forget(&self, inner: &mut Inner, id: u64) -> Option<Arc<Slot>> {
        let slot = inner.open.remove(&id)?;
        if let Some(count) = inner.per_address.get_mut(&slot.address) {
            *count -= 1;
            if *count == 0 {
                inner.per_address.remove(&slot.address);
            }
        }
        self.metrics.connections_open.set(inner.open.len() as i64);
        if inner.open.is_empty() {
            self.emptied.notify_waiters();
        }
        Some(slot)
    }

    async fn all_closed(&self) {
        loop {
            let emptied = self.emptied.notified();
            tokio::pin!(emptied);
            emptied.as_mut().enable();
            if self.lock().open.is_empty() {
                return;
            }
            emptied.await;
        }
    }
}

/// A connection's place among those held, given back when it closes.
struct Admitted {
    id: u64,
    slot: Arc<Slot>,
    held: Arc<Held>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut inner = self.held.lock();
        self.held.forget(&mut inner, self.id);
    }
}

/// Serves one connection until it closes, the listener closes it to make room, or the
/// portal shuts down (then the request in flight is finished first).
async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    app: Router,
    http: hyper::server::conn::http1::Builder,
    admitted: Admitted,
    mut closing: watch::Receiver<bool>,
) {
    let slot = admitted.slot.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let busy = InFlight::enter(slot.clone());
        let app = app.clone();
        async move {
            let res = app.oneshot(req.map(Body::new)).await?;
            Ok::<_, Infallible>(res.map(|body| Tracked { body, _busy: busy }))
        }
    });
    let conn = http.serve_connection(TokioIo::new(tcp), service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            () = admitted.slot.close.notified() => {
                if admitted.slot.in_flight.load(Ordering::Acquire) == 0 {
                    break;
                }
                // A request arrived since it was chosen: answer it, then close.
                conn.as_mut().graceful_shutdown();
            }
            _ = closing.wait_for(|closing| *closing), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// A request in flight on a connection, from its head until its body is sent or dropped.
struct InFlight(Arc<Slot>);

impl InFlight {
    fn enter(slot: Arc<Slot>) -> Self {
        slot.in_flight.fetch_add(1, Ordering::AcqRel);
        slot.served.store(true, Ordering::Release);
        InFlight(slot)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its connection counted as busy until it is sent.
struct Tracked {
    body: Body,
    _busy: InFlight,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests;
