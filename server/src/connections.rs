//! Accepting and holding client connections, so that slow or idle clients cannot take the
//! portal down (axum's own `serve` has no header timeout and holds every connection offered):
//! - every request head must arrive within `header_timeout`, counted from the connection's
//!   opening or from the end of its previous response: slow senders and kept-alive
//!   connections left idle are closed;
//! - at most `max_connections` are held. When full, the oldest connection with no request in
//!   flight is closed to make room; when every one is busy, the newcomer gets a 503;
//! - one client address holds at most `per_address`, in the same way;
//! - when accepting fails (out of file descriptors), an idle connection is closed and the
//!   loop backs off instead of spinning.
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
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
        match held.admit(peer.ip()) {
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

    fn close_idle_locked(&self, inner: &mut Inner, address: Option<IpAddr>) -> bool {
        let idle = inner
            .open
            .iter()
            .find(|(_, slot)| {
                slot.in_flight.load(Ordering::Acquire) == 0
                    && address.is_none_or(|a| slot.address == a)
            })
            .map(|(id, _)| *id);
        let Some(id) = idle else { return false };
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
mod tests {
    use axum::extract::Request;
    use axum::routing::{get, post};
    use tokio::net::TcpSocket;
    use tokio::sync::oneshot;

    use super::*;

    /// A portal stand-in: `/` answers at once; `/hold` says it has begun, then waits for its
    /// whole body, so a test can keep a request in flight for as long as it likes.
    struct Server {
        addr: SocketAddr,
        metrics: Arc<Metrics>,
        holding: Arc<Notify>,
        stop: oneshot::Sender<()>,
        stopped: tokio::task::JoinHandle<()>,
    }

    async fn start(limits: Limits) -> Server {
        let holding = Arc::new(Notify::new());
        let app = Router::new().route("/", get(|| async { "ok" })).route(
            "/hold",
            post({
                let holding = holding.clone();
                move |req: Request| async move {
                    holding.notify_one();
                    let body = axum::body::to_bytes(req.into_body(), 1024).await;
                    format!("held {}", body.map(|b| b.len()).unwrap_or_default())
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = Arc::<Metrics>::default();
        let (stop, stopping) = oneshot::channel::<()>();
        let stopped = tokio::spawn(serve(listener, app, limits, metrics.clone(), async {
            let _ = stopping.await;
        }));
        Server {
            addr,
            metrics,
            holding,
            stop,
            stopped,
        }
    }

    fn limits() -> Limits {
        Limits {
            max_connections: 100,
            per_address: None,
            header_timeout: Duration::from_secs(1),
            drain: Duration::from_secs(10),
        }
    }

    async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        socket.connect(to).await.unwrap()
    }

    async fn connect(to: SocketAddr) -> TcpStream {
        connect_from("127.0.0.1", to).await
    }

    /// Everything the server sends until it closes the connection. Waiting longer than 20 s
    /// fails the test: the server was meant to close it.
    async fn until_closed(tcp: &mut TcpStream) -> String {
        let mut got = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), async {
            let mut chunk = [0u8; 4096];
            // A reset also ends the connection: keep what came before it.
            while let Ok(n @ 1..) = tcp.read(&mut chunk).await {
                got.extend_from_slice(&chunk[..n]);
            }
        })
        .await;
        assert!(read.is_ok(), "the server never closed the connection");
        String::from_utf8_lossy(&got).into_owned()
    }

    async fn get_home(tcp: &mut TcpStream) -> String {
        tcp.write_all(b"GET / HTTP/1.1\r\nhost: portal\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        until_closed(tcp).await
    }

    /// Starts a POST to `/hold` that stays in flight until `finish_hold`.
    async fn hold(server: &Server, tcp: &mut TcpStream) {
        let begun = server.holding.notified();
        tcp.write_all(b"POST /hold HTTP/1.1\r\nhost: portal\r\ncontent-length: 4\r\n\r\nab")
            .await
            .unwrap();
        begun.await;
    }

    async fn finish_hold(tcp: &mut TcpStream) -> String {
        tcp.write_all(b"cd").await.unwrap();
        let mut got = [0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(20), tcp.read(&mut got))
            .await
            .expect("the held request is answered")
            .unwrap();
        String::from_utf8_lossy(&got[..n]).into_owned()
    }

    async fn open_connections(server: &Server, count: i64) {
        for _ in 0..2000 {
            if server.metrics.connections_open.get() == count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {count} connections held");
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_request_head_is_closed() {
        let server = start(limits()).await;
        let mut slow = connect(server.addr).await;
        slow.write_all(b"GET / HTTP/1.1\r\nhost: por")
            .await
            .unwrap();
        let answer = until_closed(&mut slow).await;
        assert!(!answer.contains("200 OK"), "{answer}");
        open_connections(&server, 0).await;
    }

    #[tokio::test]
    async fn a_kept_alive_connection_left_idle_is_closed() {
        let server = start(limits()).await;
        let mut idle = connect(server.addr).await;
        idle.write_all(b"GET / HTTP/1.1\r\nhost: portal\r\n\r\n")
            .await
            .unwrap();
        let answer = until_closed(&mut idle).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        open_connections(&server, 0).await;
    }

    #[tokio::test]
    async fn when_full_the_oldest_idle_connection_makes_room_for_a_new_one() {
        let server = start(Limits {
            max_connections: 2,
            header_timeout: Duration::from_secs(60),
            ..limits()
        })
        .await;
        let mut oldest = connect(server.addr).await;
        let _newer = connect(server.addr).await;
        open_connections(&server, 2).await;
        let mut newcomer = connect(server.addr).await;
        assert!(get_home(&mut newcomer).await.starts_with("HTTP/1.1 200 OK"));
        assert_eq!(until_closed(&mut oldest).await, "", "closed without a word");
        assert_eq!(server.metrics.closed_idle.get(), 1);
    }

    #[tokio::test]
    async fn when_every_connection_is_busy_a_new_one_is_refused_with_503() {
        let server = start(Limits {
            max_connections: 1,
            ..limits()
        })
        .await;
        let mut busy = connect(server.addr).await;
        hold(&server, &mut busy).await;
        let refused = get_home(&mut connect(server.addr).await).await;
        assert!(
            refused.starts_with("HTTP/1.1 503") && refused.contains("connection limit"),
            "{refused}"
        );
        assert!(finish_hold(&mut busy).await.contains("held 4"));
    }

    #[tokio::test]
    async fn one_address_holds_no_more_than_its_share() {
        let server = start(Limits {
            per_address: Some(1),
            ..limits()
        })
        .await;
        let mut busy = connect(server.addr).await;
        hold(&server, &mut busy).await;
        let refused = get_home(&mut connect(server.addr).await).await;
        assert!(
            refused.starts_with("HTTP/1.1 503") && refused.contains("your address"),
            "{refused}"
        );
        let other = get_home(&mut connect_from("127.0.0.2", server.addr).await).await;
        assert!(other.starts_with("HTTP/1.1 200 OK"), "{other}");
        assert!(finish_hold(&mut busy).await.contains("held 4"));
    }

    #[tokio::test]
    async fn shutting_down_finishes_the_request_in_flight() {
        let server = start(limits()).await;
        let mut busy = connect(server.addr).await;
        hold(&server, &mut busy).await;
        server.stop.send(()).unwrap();
        assert!(finish_hold(&mut busy).await.contains("held 4"));
        tokio::time::timeout(Duration::from_secs(20), server.stopped)
            .await
            .expect("the server stops once its connections close")
            .unwrap();
    }
}
