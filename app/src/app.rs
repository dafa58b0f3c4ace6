use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_meta::{Html, MetaTags, Stylesheet, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::layout::Layout;
use crate::context::{PageLanguage, use_locale};
use crate::routes::{
    account, admin, admin_certificate_batch, admin_certificates, auth, certificates, conduct,
    forum, home, moderation, not_found, quiz, training, verify,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <script src="/enhance.js" defer></script>
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let locale = use_locale();
    let page_language = RwSignal::new(None);
    provide_context(PageLanguage(page_language));
    // Every page is rendered whole before it is sent (SsrMode::Async): pages must work
    // without JavaScript, and streamed fragments would need it.
    view! {
        <Stylesheet id="leptos" href="/pkg/guildhall.css" />
        <Router>
            <Layout>
                <Routes fallback=not_found::NotFoundPage>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/register") view=auth::RegisterPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/training") view=training::TrainingPage ssr=SsrMode::Async />
                    <Route path=path!("/training/:slug") view=training::ModulePage ssr=SsrMode::Async />
                    <Route path=path!("/training/:slug/quiz") view=quiz::QuizPage ssr=SsrMode::Async />
                    <Route path=path!("/training/:slug/quiz/attempts/:id") view=quiz::QuizReviewPage ssr=SsrMode::Async />
                    <Route path=path!("/certificates") view=certificates::CertificatesPage ssr=SsrMode::Async />
                    <Route path=path!("/verify") view=verify::VerifyFormPage ssr=SsrMode::Async />
                    <Route path=path!("/verify/:code") view=verify::VerifyPage ssr=SsrMode::Async />
                    <Route path=path!("/certified") view=verify::CertifiedPage ssr=SsrMode::Async />
                    <Route path=path!("/code-of-conduct") view=conduct::CodeOfConductPage ssr=SsrMode::Async />
                    <Route path=path!("/forum") view=forum::ForumPage ssr=SsrMode::Async />
                    <Route path=path!("/forum/practices") view=forum::PracticesPage ssr=SsrMode::Async />
                    <Route path=path!("/forum/new") view=forum::NewThreadPage ssr=SsrMode::Async />
                    <Route path=path!("/forum/search") view=forum::SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/forum/c/:slug") view=forum::CategoryPage ssr=SsrMode::Async />
                    <Route path=path!("/forum/t/:id") view=forum::ThreadPage ssr=SsrMode::Async />
                    <Route path=path!("/forum/p/:id/edit") view=forum::EditPostPage ssr=SsrMode::Async />
                    <Route path=path!("/forum/p/:id/history") view=forum::PostHistoryPage ssr=SsrMode::Async />
                    <Route path=path!("/forum/p/:id/flag") view=forum::FlagPage ssr=SsrMode::Async />
                    <Route path=path!("/moderation") view=moderation::ModerationPage ssr=SsrMode::Async />
                    <Route path=path!("/notifications") view=moderation::NotificationsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=admin::AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/quizzes") view=admin::AdminQuizzesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/certificates") view=admin_certificates::AdminCertificatesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/certificates/:id") view=admin_certificates::AdminCertificatePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/certificates/batches/:id") view=admin_certificate_batch::AdminCertificateBatchPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
        // After the pages, so that a page's language is known when this renders.
        <Html {..} lang=move || page_language.get().unwrap_or(locale.as_str()) />
    }
}
