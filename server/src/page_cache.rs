//! Pages served from memory (see `guildhall_app::server::cache`): whole pages for visitors
//! without a session, and shared templates that each member's own parts are filled into.
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use guildhall_app::components::layout::unread_label;
use guildhall_app::domain::language::parse_locale;
use guildhall_app::domain::member::UserView;
use guildhall_app::routes::forum::thread_facts;
use guildhall_app::routes::training::module_facts;
use guildhall_app::server::AppState;
use guildhall_app::server::cache::template::{Facts, Filled, Template};
use guildhall_app::server::cache::template::{SharedTemplate, nonce_mark};
use guildhall_app::server::cache::{CachedPage, FRESH_UNTIL, PageKey, Topic, written};
use guildhall_app::server::db;
use guildhall_app::server::identity::{
    Identity, client_ip, cookie, locale_for, remembered_member, visitor_locale,
};
use guildhall_app::server::{forum, sessions, training};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use leptos::nonce::Nonce;

/// The pages kept in memory.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Page {
    Home,
    Catalogue,
    CodeOfConduct,
    VerifyForm,
    Verification,
    Register,
    Module,
    Thread,
    Search,
}

impl Page {
    fn of(path: &str) -> Option<Page> {
        let one_segment = |rest: &str| !rest.is_empty() && !rest.contains('/');
        Some(match path {
            "/" => Page::Home,
            "/training" => Page::Catalogue,
            "/code-of-conduct" => Page::CodeOfConduct,
            "/verify" => Page::VerifyForm,
            "/certified" => Page::Register,
            "/forum/search" => Page::Search,
            _ if path.strip_prefix("/verify/").is_some_and(one_segment) => Page::Verification,
            _ if path.strip_prefix("/training/").is_some_and(one_segment) => Page::Module,
            _ if path
                .strip_prefix("/forum/t/")
                .is_some_and(|id| id.parse::<u64>().is_ok()) =>
            {
                Page::Thread
            }
            _ => return None,
        })
    }

    /// Whether signed-in members get it from a shared template.
    fn for_members(self) -> bool {
        matches!(self, Page::Module | Page::Thread | Page::Search)
    }

    /// Whether visitors get it whole; the forum sends them to sign in instead.
    fn for_visitors(self) -> bool {
        !matches!(self, Page::Thread | Page::Search)
    }

    fn depends(self) -> &'static [Topic] {
        match self {
            Page::Verification | Page::Register => &[Topic::Certificates],
            // Lists the best practices that cite the module.
            Page::Module | Page::Search => &[Topic::Forum],
            // Authors' badges come from their certificates.
            Page::Thread => &[Topic::Forum, Topic::Certificates],
            Page::Home | Page::Catalogue | Page::CodeOfConduct | Page::VerifyForm => &[],
        }
    }

    /// A plain GET of a kept page. The query must be one the page is kept for: a module's
    /// `?lang=`, a thread's `?page=`, a search's fields; others (a form's error, a preview)
    /// are rendered for the one request.
    fn requested(req: &Request) -> Option<Page> {
        if req.method() != Method::GET {
            return None;
        }
        let page = Page::of(req.uri().path())?;
        let Some(query) = req.uri().query() else {
            return Some(page);
        };
        let kept = match page {
            Page::Module => query
                .strip_prefix("lang=")
                .is_some_and(|l| parse_locale(l).is_some()),
            Page::Thread => query
                .strip_prefix("page=")
                .is_some_and(|n| n.parse::<u32>().is_ok()),
            Page::Search => query.split('&').all(|pair| {
                let name = pair.split_once('=').map_or(pair, |(name, _)| name);
                matches!(name, "q" | "category" | "module" | "kind")
            }),
            _ => false,
        };
        kept.then_some(page)
    }
}

/// Pages from memory before any session, identity or routing work: for visitors without a
/// session cookie, and for members whose session's owner is remembered (see `identity`).
/// Everything else goes on to be rendered; members' pages are kept by `for_members`.
pub async fn from_memory(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(page) = Page::requested(&req) else {
        return next.run(req).await;
    };
    match cookie(req.headers(), sessions::cookie_name(state.settings.https())) {
        None if page.for_visitors() => for_visitor(&state, page, req, next).await,
        Some(session) if page.for_members() => {
            let Some(owner) = remembered_member(&state, session) else {
                return next.run(req).await;
            };
            let key = PageKey {
                path: path_and_query(&req),
                locale: locale_for(Some(&owner.user), req.headers()),
                role: Some(owner.user.role),
            };
            let member = (&owner.user, owner.unread_notes);
            let facts = member_facts(&state, page, member, &key, req.uri().path()).await;
            match facts.and_then(|facts| from_kept(&state, &key, &facts, &req)) {
                Some(res) => res,
                None => next.run(req).await,
            }
        }
        _ => next.run(req).await,
    }
}

async fn for_visitor(state: &AppState, page: Page, req: Request, next: Next) -> Response {
    if page == Page::Verification
        && client_ip(&req, &state.settings).is_some_and(|ip| state.caches.lookups_refused(ip))
    {
        return next.run(req).await;
    }
    let key = PageKey {
        path: path_and_query(&req),
        locale: visitor_locale(req.headers()),
        role: None,
    };
    serve(state, page, key, Facts::default(), req, next).await
}

/// Signed-in members, after `identify`: pages shared by all members of a role, with each
/// member's own parts filled in; rendered and kept here when `from_memory` had no copy.
pub async fn for_members(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(page) = Page::requested(&req).filter(|p| p.for_members()) else {
        return next.run(req).await;
    };
    let Some(identity) = req.extensions().get::<Identity>().cloned() else {
        return next.run(req).await;
    };
    let Some(user) = identity.user else {
        return next.run(req).await;
    };
    let key = PageKey {
        path: path_and_query(&req),
        locale: identity.locale,
        role: Some(user.role),
    };
    let member = (&user, identity.unread_notes);
    let Some(facts) = member_facts(&state, page, member, &key, req.uri().path()).await else {
        return next.run(req).await;
    };
    serve(&state, page, key, facts, req, next).await
}

/// The values of a page's member-specific parts for `user`, who has `unread` notifications.
async fn member_facts(
    state: &AppState,
    page: Page,
    (user, unread): (&UserView, i64),
    key: &PageKey,
    path: &str,
) -> Option<Facts> {
    let mut facts = Facts::default();
    facts.set("name", &user.name);
    facts.set("unread", &unread_label(key.locale, unread));
    if page == Page::Module {
        let catalogue = state.content.get();
        let module = catalogue.module(path.strip_prefix("/training/")?)?;
        let progress = match training::progress_of(state, user.id).await {
            Ok(progress) => progress,
            Err(err) => {
                tracing::error!(error = %err, "could not load reading progress");
                return None;
            }
        };
        module_facts(module, &progress.value, &mut facts);
    }
    if page == Page::Thread {
        let standing = match forum::service::standing_of(state, user.id).await {
            Ok(standing) => standing,
            Err(err) => {
                tracing::error!(error = %err, "could not load forum standing");
                return None;
            }
        };
        let code_version = state
            .content
            .get()
            .code_of_conduct()
            .map(|code| i64::from(code.version));
        thread_facts(user.id, standing, code_version, &mut facts);
    }
    Some(facts)
}

async fn serve(
    state: &AppState,
    page: Page,
    key: PageKey,
    facts: Facts,
    req: Request,
    next: Next,
) -> Response {
    if let Some(res) = from_kept(state, &key, &facts, &req) {
        return res;
    }
    let Some(nonce) = req.extensions().get::<Nonce>().cloned() else {
        return next.run(req).await;
    };
    let catalogue = catalogue_id(state);

    // Render the copy to keep: with a mark where the nonce goes, and for members with no
    // real member signed in, so nothing of theirs can end up in what others are served.
    let read_at = state.caches.tick();
    let (parts, body) = req.into_parts();
    let mut render = Request::from_parts(parts.clone(), body);
    render
        .extensions_mut()
        .insert(Nonce::from_value(nonce_mark()));
    let shared = key.role.is_some();
    if shared {
        render.extensions_mut().insert(SharedTemplate);
        if let Some(identity) = render.extensions_mut().get_mut::<Identity>() {
            identity.user = identity.user.take().map(|user| UserView {
                id: 0,
                name: String::new(),
                email: String::new(),
                ..user
            });
            identity.unread_notes = 0;
        }
    }
    let res = next.clone().run(render).await;
    let kept = res.status() == StatusCode::OK && !res.headers().contains_key(header::SET_COOKIE);
    let (mut res_parts, body) = res.into_parts();
    let Ok(html) = body.collect().await.map(|b| b.to_bytes()) else {
        return error_response();
    };
    let html = String::from_utf8_lossy(&html).into_owned();
    let template = Template::parse(&html)
        .inspect_err(|err| tracing::error!(error = %err, page = ?page, "page template"))
        .ok();
    let fresh_until = res_parts
        .headers
        .remove(FRESH_UNTIL)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    res_parts.headers.remove(header::CONTENT_LENGTH);

    let filled = template.as_ref().and_then(|t| t.fill(&nonce, &facts));
    if let (true, Some(template)) = (kept, template) {
        let page = CachedPage {
            template,
            headers: res_parts.headers.clone(),
            depends: page.depends(),
            catalogue,
            fresh_until,
        };
        state.caches.keep_page(key, page, read_at);
    }
    match filled {
        // A visitor's page is theirs as rendered; a member's only when it was kept.
        Some(filled) if kept || !shared => {
            Response::from_parts(res_parts, Body::new(Pieces::from(filled)))
        }
        _ => next.run(Request::from_parts(parts, Body::empty())).await,
    }
}

/// The kept copy of a page, filled for this response, if there is one still fresh.
fn from_kept(state: &AppState, key: &PageKey, facts: &Facts, req: &Request) -> Option<Response> {
    let nonce = req.extensions().get::<Nonce>()?;
    let kept = state.caches.page(key, catalogue_id(state), db::now())?;
    let filled = kept.value.template.fill(nonce, facts)?;
    Some(respond(kept.value.headers.clone(), filled))
}

/// Which loaded catalogue a page was rendered from: a reload makes every page stale.
fn catalogue_id(state: &AppState) -> usize {
    std::sync::Arc::as_ptr(&state.content.get()) as usize
}

fn path_and_query(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned())
}

/// A page from memory, marked so (for load tests and whoever debugs a stale page).
fn respond(mut headers: HeaderMap, filled: Filled) -> Response {
    headers.insert("x-cache", HeaderValue::from_static("hit"));
    let mut res = Response::new(Body::new(Pieces::from(filled)));
    *res.headers_mut() = headers;
    res
}

/// A filled page as a response body: the server writes the template's shared pieces as they
/// are, and knows the length before the first byte.
struct Pieces {
    chunks: std::vec::IntoIter<Bytes>,
    left: u64,
}

impl From<Filled> for Pieces {
    fn from(filled: Filled) -> Self {
        Pieces {
            left: filled.len as u64,
            chunks: filled.chunks.into_iter(),
        }
    }
}

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        Poll::Ready(this.chunks.next().map(|chunk| {
            this.left -= chunk.len() as u64;
            Ok(Frame::data(chunk))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

fn error_response() -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res
}

/// After every write, tells this and every other instance what it may have changed.
pub async fn announce_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let caller = req
        .extensions()
        .get::<Identity>()
        .and_then(|i| i.user.as_ref())
        .map(|u| u.id);
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    state
        .caches
        .announce(&state.pool, &written(&path, caller))
        .await;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requested(uri: &str) -> Option<Page> {
        Page::requested(&Request::get(uri).body(Body::empty()).unwrap())
    }

    #[test]
    fn only_queries_a_page_is_kept_for_are_served_from_memory() {
        assert_eq!(requested("/training/x?lang=lv"), Some(Page::Module));
        assert_eq!(requested("/training/x?lang=xx"), None);
        assert_eq!(requested("/forum/t/12"), Some(Page::Thread));
        assert_eq!(requested("/forum/t/12?page=3"), Some(Page::Thread));
        assert_eq!(requested("/forum/t/12?preview=1"), None);
        assert_eq!(requested("/forum/t/12?flagged=1"), None);
        assert_eq!(requested("/forum/t/twelve"), None);
        assert_eq!(
            requested("/forum/search?q=queue&category=&kind=practice"),
            Some(Page::Search)
        );
        assert_eq!(requested("/forum/search?q=queue&__err=x"), None);
        assert_eq!(requested("/?rendered"), None);
        assert!(Page::Thread.for_members() && !Page::Thread.for_visitors());
    }
}
