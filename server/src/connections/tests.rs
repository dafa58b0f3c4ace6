//! The listener against real sockets on 127.0.0.1.
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

/// `GET /` on a connection that stays open; returns the response.
async fn get_home_kept_alive(tcp: &mut TcpStream) -> String {
    tcp.write_all(b"GET / HTTP/1.1\r\nhost: portal\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while !got.ends_with(b"\r\n\r\nok") {
        let n = tokio::time::timeout(Duration::from_secs(20), tcp.read(&mut chunk))
            .await
            .expect("answered")
            .unwrap();
        assert!(n > 0, "closed before the answer");
        got.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
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

/// A new connection from 127.0.0.1 gets a 503 whose text says `why`.
async fn assert_refused(server: &Server, why: &str) {
    let refused = get_home(&mut connect(server.addr).await).await;
    assert!(
        refused.starts_with("HTTP/1.1 503") && refused.contains(why),
        "{refused}"
    );
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
async fn a_client_already_served_keeps_its_connection_over_one_that_sent_nothing() {
    let server = start(Limits {
        max_connections: 2,
        header_timeout: Duration::from_secs(60),
        ..limits()
    })
    .await;
    let mut member = connect(server.addr).await;
    assert!(get_home_kept_alive(&mut member).await.contains("200 OK"));
    let mut silent = connect(server.addr).await;
    open_connections(&server, 2).await;
    let mut newcomer = connect(server.addr).await;
    assert!(get_home(&mut newcomer).await.starts_with("HTTP/1.1 200 OK"));
    assert_eq!(until_closed(&mut silent).await, "");
    assert!(
        get_home_kept_alive(&mut member).await.contains("200 OK"),
        "the older, served connection still works"
    );
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
    assert_refused(&server, "connection limit").await;
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
    assert_refused(&server, "your address").await;
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
