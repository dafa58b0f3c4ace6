use leptos_i18n::Locale as _;
use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::training::MarkSectionRead;
use crate::components::form::{FormAlert, last_error};
use crate::components::page::{PageTitle, load_once, require, set_status};
use crate::components::per_member::choice;
use crate::context::{PageLanguage, use_locale, use_user};
use crate::domain::language::{LANGUAGES, fill};
use crate::domain::role::Role;
use crate::domain::training::ModuleProgress;
use crate::i18n::Locale;
use crate::server::cache::Progress;
use crate::server::cache::template::Facts;
use crate::server::cache::template::rendering_template;
use crate::server::content::{Catalogue, Module};
use crate::server::quiz::service;
use crate::server::{request, training};

fn catalogue() -> std::sync::Arc<Catalogue> {
    request::state()
        .map(|s| s.content.get())
        .unwrap_or_default()
}

/// The signed-in member's read sections per module (empty for visitors).
async fn read_sections_now() -> HashMap<String, HashSet<String>> {
    let Some(user) = request::current_user().filter(|_| !rendering_template()) else {
        return HashMap::new();
    };
    let Ok(pool) = request::pool() else {
        return HashMap::new();
    };
    training::read_sections(&pool, user.id)
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not load reading progress");
            HashMap::new()
        })
}

fn language_name(code: &str) -> &'static str {
    LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, name)| name)
}

/// Where a member's next click on a module should take them.
fn resume_link(module: &Module, progress: &ModuleProgress, lang: &str) -> String {
    match &progress.resume_at {
        Some(section) if progress.started() => {
            format!("/training/{}?lang={lang}#{section}", module.slug)
        }
        _ => format!("/training/{}?lang={lang}", module.slug),
    }
}

/// A member's progress line as one value: sections read and whether the quiz is passed.
#[derive(Clone, Copy)]
struct ProgressFact {
    read: usize,
    passed: bool,
}

impl std::fmt::Display for ProgressFact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.read, self.passed)
    }
}

fn read_key(section: &str) -> String {
    format!("read:{section}")
}

/// What differs between members on a module page: the values of its `choice`s.
pub fn module_facts(module: &Module, progress: &Progress, facts: &mut Facts) {
    let read = progress.read.get(&module.slug);
    let summary = training::progress(module, read);
    let passed = progress.passed.contains(&module.slug);
    facts.set(
        "progress",
        ProgressFact {
            read: summary.read,
            passed,
        },
    );
    facts.set("complete", summary.complete());
    facts.set("quiz-passed", passed);
    for id in &module.section_ids {
        facts.set(read_key(id), read.is_some_and(|r| r.contains(id)));
    }
}

#[component]
pub fn ProgressLine(
    locale: Locale,
    progress: ModuleProgress,
    #[prop(optional)] quiz_passed: bool,
) -> impl IntoView {
    let text = if progress.complete() {
        td_string!(locale, training_status_read).to_string()
    } else {
        fill(
            td_string!(locale, training_progress),
            &[
                ("read", &progress.read.to_string()),
                ("total", &progress.total.to_string()),
            ],
        )
    };
    view! {
        <p class="progress-line" data-test="module-progress">
            <progress max=progress.total value=progress.read aria-hidden="true"></progress>
            " "
            <span>{text}</span>
            {quiz_passed.then(|| view! { " · " <span data-test="quiz-passed-mark">"✓ " {td_string!(locale, training_quiz_passed)}</span> })}
        </p>
    }
}

/// A module the member has begun, for their dashboard.
#[derive(Clone)]
pub struct StartedModule {
    pub title: String,
    pub lang: &'static str,
    pub progress: ModuleProgress,
    pub quiz_passed: bool,
    pub href: String,
}

pub async fn started_modules() -> Vec<StartedModule> {
    let locale = request::locale();
    let catalogue = catalogue();
    let read = read_sections_now().await;
    let passed = service::passed_now().await;
    catalogue
        .modules()
        .iter()
        .filter_map(|module| {
            let progress = training::progress(module, read.get(&module.slug));
            let t = module.translation_or_english(locale.as_str());
            progress.started().then(|| StartedModule {
                title: t.title.clone(),
                lang: t.lang,
                href: resume_link(module, &progress, t.lang),
                quiz_passed: passed.contains(&module.slug),
                progress,
            })
        })
        .collect()
}

/// The catalogue: public; a signed-in member also sees their progress.
#[component]
pub fn TrainingPage() -> impl IntoView {
    let locale = use_locale();
    let catalogue = catalogue();
    let signed_in = use_user().is_some();
    let member = load_once(async { (read_sections_now().await, service::passed_now().await) });
    view! {
        <PageTitle text=td_string!(locale, training_title).to_string() />
        <p>{td_string!(locale, training_intro)}</p>
        {(!signed_in).then(|| view! {
            <p class="note"><a href="/login?next=/training">{td_string!(locale, sign_in)}</a> " · " {td_string!(locale, training_sign_in_note)}</p>
        })}
        <Suspense>
            {move || { let (catalogue, member) = (catalogue.clone(), member.clone()); Suspend::new(async move {
                let (read, passed) = member.await;
                if catalogue.modules().is_empty() {
                    return view! { <p class="empty-state">{td_string!(locale, training_empty)}</p> }.into_any();
                }
                view! {
                    <ol class="module-list" data-test="module-list">
                        {catalogue.modules().iter().map(|module| {
                            let t = module.translation_or_english(locale.as_str());
                            let progress = training::progress(module, read.get(&module.slug));
                            let href = resume_link(module, &progress, t.lang);
                            let languages = module.translations.iter().map(|t| language_name(t.lang)).collect::<Vec<_>>().join(", ");
                            view! {
                                <li class="card" lang=t.lang>
                                    <h2><a href=href data-test="module-link">{t.title.clone()}</a></h2>
                                    <p>{t.summary.clone()}</p>
                                    <p class="meta" lang=locale.as_str()>
                                        {fill(td_string!(locale, training_minutes), &[("n", &t.minutes.to_string())])}
                                        " · " {td_string!(locale, training_languages)} ": " {languages}
                                    </p>
                                    {signed_in.then(|| view! { <ProgressLine locale progress quiz_passed=passed.contains(&module.slug) /> })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            })}}
        </Suspense>
    }
}

/// One module, for members: `?lang=xx` picks the translation, else the member's language
/// when the module has it, else English.
#[component]
pub fn ModulePage() -> impl IntoView {
    let locale = use_locale();
    let slug = use_params_map()
        .with_untracked(|p| p.get("slug"))
        .unwrap_or_default();
    let catalogue = catalogue();
    let Some(module) = catalogue.module(&slug).cloned() else {
        set_status(404);
        return view! {
            <PageTitle text=td_string!(locale, not_found_title).to_string() />
            <p>{td_string!(locale, module_not_found)}</p>
            <p><a href="/training">{td_string!(locale, module_back)}</a></p>
        }
        .into_any();
    };
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let requested = use_query_map().with_untracked(|q| q.get("lang"));
    let t = requested
        .as_deref()
        .and_then(|l| module.translation(l))
        .unwrap_or_else(|| module.translation_or_english(locale.as_str()))
        .clone();
    if let Some(page_language) = use_context::<PageLanguage>() {
        page_language.0.set(Some(t.lang));
    }
    let position = catalogue
        .modules()
        .iter()
        .position(|m| m.slug == module.slug)
        .unwrap_or_default();
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| catalogue.modules().get(i)).map(|m| {
            (
                m.slug.clone(),
                m.translation_or_english(t.lang).title.clone(),
            )
        })
    };
    let (previous, next) = (
        neighbour(position.checked_sub(1)),
        neighbour(Some(position + 1)),
    );
    let lang = t.lang;
    // A refused "mark as read" comes back here; say why rather than nothing.
    let mark_error = last_error(ServerAction::<MarkSectionRead>::new());
    // The forum category that discusses this module, if one does.
    let share_practice = {
        let category = crate::server::request::state().ok().and_then(|s| {
            s.content
                .get()
                .categories()
                .iter()
                .find(|c| c.module.as_deref() == Some(module.slug.as_str()))
                .map(|c| c.slug.clone())
        });
        format!(
            "/forum/new?kind=practice&category={}",
            category.unwrap_or_default()
        )
    };
    let member = {
        let slug = module.slug.clone();
        load_once(async move {
            let done = read_sections_now().await.remove(&slug).unwrap_or_default();
            let practices = super::forum::practices_for_module(&slug).await;
            (done, service::passed_now().await.contains(&slug), practices)
        })
    };

    view! {
        <p class="breadcrumb"><a href="/training">{td_string!(locale, module_back)}</a></p>
        <FormAlert
            error=mark_error
            summary=td_string!(locale, form_error_summary).to_string()
            unreachable=td_string!(locale, form_unreachable).to_string()
        />
        <article class="module" lang=lang data-test="module">
            <h1>{t.title.clone()}</h1>
            <leptos_meta::Title text=format!("{} · {}", t.title, td_string!(locale, site_name)) />
            <p class="meta" lang=locale.as_str()>{fill(td_string!(locale, module_reading_time), &[("n", &t.reading_minutes.to_string())])}</p>
            <nav class="translations" aria-label=td_string!(locale, module_read_in) lang=locale.as_str()>
                <span>{td_string!(locale, module_read_in)} ": "</span>
                <ul>
                    {module.translations.iter().map(|other| {
                        let current = (other.lang == lang).then_some("page");
                        view! {
                            <li><a href=format!("/training/{}?lang={}", module.slug, other.lang) hreflang=other.lang lang=other.lang aria-current=current data-test=format!("lang-{}", other.lang)>
                                {language_name(other.lang)}
                            </a></li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
            <section class="objectives" aria-labelledby="objectives-heading">
                <h2 id="objectives-heading" lang=locale.as_str()>{td_string!(locale, module_objectives)}</h2>
                <ul>{t.objectives.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}</ul>
            </section>
            <Suspense>
                {move || { let (module, t, member, share_practice) = (module.clone(), t.clone(), member.clone(), share_practice.clone()); Suspend::new(async move {
                    let (done, quiz_passed, practices) = member.await;
                    let progress = training::progress(&module, Some(&done));
                    view! {
                        <nav class="toc" aria-labelledby="toc-heading">
                            <h2 id="toc-heading" lang=locale.as_str()>{td_string!(locale, module_contents)}</h2>
                            {
                                let total = progress.total;
                                let now = ProgressFact { read: progress.read, passed: quiz_passed };
                                let every = (0..=total).flat_map(|read| [false, true].map(|passed| ProgressFact { read, passed }));
                                choice("progress".into(), now, every, move |p| {
                                    let progress = ModuleProgress { read: p.read, total, resume_at: None };
                                    view! { <ProgressLine locale progress quiz_passed=p.passed /> }.into_any()
                                })
                            }
                            <ol>
                                {t.sections.iter().map(|s| {
                                    let is_read = done.contains(&s.id);
                                    view! {
                                        <li>
                                            <a href=format!("#{}", s.id)>{s.title.clone()}</a>
                                            {choice(read_key(&s.id), is_read, [true, false], move |is_read| {
                                                is_read.then(|| view! { " " <span class="read-mark" lang=locale.as_str()>"✓ " {td_string!(locale, module_section_read)}</span> }).into_any()
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        </nav>
                        <div class="module-intro" inner_html=t.intro_html.clone()></div>
                        {t.sections.iter().map(|s| {
                            let is_read = done.contains(&s.id);
                            let heading_id = format!("{}-heading", s.id);
                            let labelled_by = heading_id.clone();
                            view! {
                                <section id=s.id.clone() aria-labelledby=labelled_by class="module-section">
                                    <h2 id=heading_id><a class="heading-anchor" href=format!("#{}", s.id)>{s.title.clone()}</a></h2>
                                    <div inner_html=s.html.clone()></div>
                                    {choice(read_key(&s.id), is_read, [true, false], |is_read| if is_read {
                                        view! { <p class="read-mark" lang=locale.as_str()>"✓ " {td_string!(locale, module_section_read)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <form method="post" action="/api/training/mark_read" class="mark-read" lang=locale.as_str()>
                                                <input type="hidden" name="module" value=module.slug.clone() />
                                                <input type="hidden" name="section" value=s.id.clone() />
                                                <input type="hidden" name="lang" value=lang />
                                                <button type="submit" class="button button-secondary" data-test=format!("mark-read-{}", s.id)>
                                                    {td_string!(locale, module_mark_read)}
                                                </button>
                                            </form>
                                        }.into_any()
                                    })}
                                </section>
                            }
                        }).collect_view()}
                        {choice("complete".into(), progress.complete(), [true, false], move |complete| complete.then(|| view! {
                            <p class="alert alert-success" role="status" lang=locale.as_str() data-test="module-complete">{td_string!(locale, module_all_read)}</p>
                        }).into_any())}
                        {module.quiz.is_some().then(|| view! {
                            <section class="quiz-callout card" aria-labelledby="quiz-heading" lang=locale.as_str() data-test="module-quiz">
                                <h2 id="quiz-heading">{td_string!(locale, module_quiz_heading)}</h2>
                                {choice("quiz-passed".into(), quiz_passed, [true, false], move |passed| view! {
                                    <p>{if passed { format!("✓ {}", td_string!(locale, module_quiz_passed)) } else { td_string!(locale, module_quiz_intro).to_string() }}</p>
                                }.into_any())}
                                <a class="button" href=format!("/training/{}/quiz?lang={lang}", module.slug) data-test="quiz-link">{td_string!(locale, module_quiz_link)}</a>
                            </section>
                        })}
                        <section class="module-practices" aria-labelledby="practices-heading" lang=locale.as_str() data-test="module-practices">
                            <h2 id="practices-heading">{td_string!(locale, module_practices_heading)}</h2>
                            {if practices.is_empty() {
                                view! { <p class="empty-state">{td_string!(locale, module_practices_empty)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul>{practices.into_iter().map(|t| view! {
                                        <li><a href=crate::server::forum::thread_url(t.id, 1)>{t.title}</a> " · " {t.author_name}</li>
                                    }).collect_view()}</ul>
                                }.into_any()
                            }}
                            <p><a href=share_practice.clone()>{td_string!(locale, module_practices_share)}</a></p>
                        </section>
                    }
                })}}
            </Suspense>
        </article>
        <nav class="module-nav" aria-label=td_string!(locale, nav_training)>
            {previous.map(|(slug, title)| view! {
                <a rel="prev" href=format!("/training/{slug}?lang={lang}")><span>{td_string!(locale, module_previous)}</span> <strong>{title}</strong></a>
            })}
            {next.map(|(slug, title)| view! {
                <a rel="next" href=format!("/training/{slug}?lang={lang}")><span>{td_string!(locale, module_next)}</span> <strong>{title}</strong></a>
            })}
        </nav>
    }
    .into_any()
}
