//! The quiz island: the form that saves each answer as it is given, with the timer at its
//! top. One island rather than two keeps the browser bundle smaller. Without JavaScript the
//! same form posts whole and the deadline is kept by the server.
use std::collections::BTreeMap;
use std::time::Duration;

use leptos::leptos_dom::helpers::{window_event_listener, window_event_listener_untyped};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys;
use serde::{Deserialize, Serialize};

use crate::api::quiz::save_answers;
use crate::components::form::hydration_marker;
use crate::domain::quiz::FormAnswers;

/// The island's words, translated on the server (context does not cross into islands).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QuizLabels {
    /// The interface language these words are in (the questions may be in another).
    pub lang: String,
    pub idle: String,
    pub saving: String,
    pub saved: String,
    pub offline: String,
    pub offline_submit: String,
    /// "Time left: {minutes} min"
    pub time_left: String,
    /// Announced at 10, 5 and 1 minutes: "{minutes} minutes left."
    pub time_announce: String,
    pub time_up: String,
    /// When the attempt closes, already formatted.
    pub deadline: String,
}

#[derive(Clone, Debug, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    /// No answer from the server: kept here and retried.
    Offline,
    /// Handing in was stopped: the browser is offline.
    OfflineSubmit,
    /// The server refused, with its reason.
    Refused(String),
}

/// The quiz form. `children` are the questions, rendered on the server.
#[island]
pub fn QuizForm(
    module: String,
    attempt: i64,
    lang: String,
    labels: QuizLabels,
    /// `None`: no time limit.
    seconds_left: Option<i64>,
    children: Children,
) -> impl IntoView {
    let (state, set_state) = signal(SaveState::Idle);
    let saver = Saver {
        module: StoredValue::new(module.clone()),
        lang: StoredValue::new(lang.clone()),
        attempt,
        pending: StoredValue::new(BTreeMap::new()),
        in_flight: StoredValue::new(false),
        retry_after: StoredValue::new(FIRST_RETRY),
        state: set_state,
    };
    let handing_in = StoredValue::new(false);

    // In the browser: answers an earlier page kept but the server never confirmed come back
    // into the form and are sent; leaving with answers unsent asks first; a connection that
    // returns sends at once and clears "nothing was handed in".
    Effect::new(move |_| {
        saver.restore();
        let leaving = window_event_listener_untyped("beforeunload", move |ev| {
            if !handing_in.get_value() && !saver.pending.with_value(BTreeMap::is_empty) {
                ev.prevent_default();
            }
        });
        let online = window_event_listener(leptos::ev::online, move |_| {
            if state.get_untracked() == SaveState::OfflineSubmit {
                set_state.set(SaveState::Idle);
            }
            saver.retry_after.set_value(FIRST_RETRY);
            saver.flush();
        });
        on_cleanup(move || {
            leaving.remove();
            online.remove();
        });
    });

    let on_change = move |ev: web_sys::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let name = input.name();
        let Some(question) = name
            .strip_prefix("answer[")
            .and_then(|rest| rest.strip_suffix("][]"))
            .map(str::to_owned)
        else {
            return;
        };
        let Some(form) = input.form() else { return };
        let values = current_values(&form, &name);
        saver.pending.update_value(|p| {
            p.insert(question, values);
        });
        saver.keep();
        saver.flush();
    };

    let on_submit = move |ev: web_sys::SubmitEvent| {
        let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
        if online {
            // The form carries every answer: nothing is left unsent by leaving now.
            handing_in.set_value(true);
        } else {
            ev.prevent_default();
            set_state.set(SaveState::OfflineSubmit);
        }
    };

    let message = {
        let labels = labels.clone();
        move || match state.get() {
            SaveState::Idle => labels.idle.clone(),
            SaveState::Saving => labels.saving.clone(),
            SaveState::Saved => labels.saved.clone(),
            SaveState::Offline => labels.offline.clone(),
            SaveState::OfflineSubmit => labels.offline_submit.clone(),
            SaveState::Refused(reason) => reason,
        }
    };
    let is_problem = move || {
        matches!(
            state.get(),
            SaveState::Offline | SaveState::OfflineSubmit | SaveState::Refused(_)
        )
        .then_some("true")
    };

    view! {
        <form
            id="quiz-form"
            method="post"
            action="/api/quiz/submit"
            class="quiz-form"
            data-test="quiz-form"
            data-hydrated=hydration_marker()
            on:change=on_change
            on:submit=on_submit
        >
            <input type="hidden" name="module" value=module />
            <input type="hidden" name="attempt" value=attempt />
            <input type="hidden" name="lang" value=lang />
            {seconds_left.map(|seconds_left| view! { <Timer seconds_left labels=labels.clone() /> })}
            {children()}
            <p class="save-status" role="status" data-test="save-status" data-problem=is_problem lang=labels.lang.clone()>
                {message}
            </p>
        </form>
    }
}

const FIRST_RETRY: Duration = Duration::from_secs(2);

/// Sends answers not yet confirmed, one request at a time; keeps and retries them while the
/// connection is down.
#[derive(Clone, Copy)]
struct Saver {
    module: StoredValue<String>,
    lang: StoredValue<String>,
    attempt: i64,
    /// Newest value per question not yet confirmed by the server.
    pending: StoredValue<FormAnswers>,
    in_flight: StoredValue<bool>,
    retry_after: StoredValue<Duration>,
    state: WriteSignal<SaveState>,
}

impl Saver {
    fn flush(self) {
        if self.in_flight.get_value() || self.pending.with_value(BTreeMap::is_empty) {
            return;
        }
        let batch = self.pending.get_value();
        self.in_flight.set_value(true);
        self.show(SaveState::Saving);
        leptos::task::spawn_local(async move {
            let sent = batch.clone();
            let result = save_answers(
                self.module.get_value(),
                self.attempt,
                Some(self.lang.get_value()),
                Some(batch),
            )
            .await;
            self.in_flight.set_value(false);
            match result {
                Ok(()) => {
                    // Drop what was confirmed, unless it changed meanwhile.
                    self.pending
                        .update_value(|p| p.retain(|q, v| sent.get(q) != Some(v)));
                    self.keep();
                    self.retry_after.set_value(FIRST_RETRY);
                    self.state.set(SaveState::Saved);
                    self.flush();
                }
                // Errors without a message never reached the server: keep and retry.
                Err(e) if e.message.is_empty() => {
                    self.show(SaveState::Offline);
                    let wait = self.retry_after.get_value();
                    self.retry_after
                        .set_value((wait * 2).min(Duration::from_secs(30)));
                    set_timeout(move || self.flush(), wait);
                }
                Err(e) => self.state.set(SaveState::Refused(e.message)),
            }
        });
    }
}

impl Saver {
    /// Shows how saving goes, except that "nothing was handed in" stays until the
    /// connection is back or a save gets through: retries must not hide it.
    fn show(self, next: SaveState) {
        self.state.update(|shown| {
            let keep = *shown == SaveState::OfflineSubmit
                && matches!(next, SaveState::Saving | SaveState::Offline);
            if !keep {
                *shown = next;
            }
        });
    }

    /// Where answers not yet confirmed wait in the browser, so that a reload or a closed tab
    /// loses none of them.
    fn storage_key(self) -> String {
        format!("guildhall-quiz-{}", self.attempt)
    }

    /// Writes the unconfirmed answers to the browser's storage (or clears it once none are).
    fn keep(self) {
        let Some(storage) = local_storage() else {
            return;
        };
        let key = self.storage_key();
        if self.pending.with_value(BTreeMap::is_empty) {
            let _ = storage.remove_item(&key);
        } else if let Ok(json) = self.pending.with_value(serde_json::to_string) {
            let _ = storage.set_item(&key, &json);
        }
    }

    /// Puts answers kept by an earlier page back into the form, and sends them.
    fn restore(self) {
        let Some(storage) = local_storage() else {
            return;
        };
        let Ok(Some(json)) = storage.get_item(&self.storage_key()) else {
            return;
        };
        let Ok(kept) = serde_json::from_str::<FormAnswers>(&json) else {
            let _ = storage.remove_item(&self.storage_key());
            return;
        };
        let form = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("quiz-form"))
            .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(form) = form {
            for (question, values) in &kept {
                set_values(&form, &format!("answer[{question}][]"), values);
            }
        }
        self.pending.update_value(|p| {
            for (question, values) in kept {
                p.entry(question).or_insert(values);
            }
        });
        self.flush();
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The inputs of one question (`answer[<id>][]`).
fn question_inputs(form: &web_sys::HtmlFormElement, name: &str) -> Vec<web_sys::HtmlInputElement> {
    let Ok(inputs) = form.query_selector_all(&format!("input[name=\"{name}\"]")) else {
        return Vec::new();
    };
    (0..inputs.length())
        .filter_map(|i| inputs.item(i)?.dyn_into::<web_sys::HtmlInputElement>().ok())
        .collect()
}

/// Gives one question the values kept for it: the inverse of `current_values`.
fn set_values(form: &web_sys::HtmlFormElement, name: &str, values: &[String]) {
    for input in question_inputs(form, name) {
        match input.type_().as_str() {
            "radio" | "checkbox" => input.set_checked(values.contains(&input.value())),
            "hidden" => {}
            _ => input.set_value(values.first().map_or("", String::as_str)),
        }
    }
}

/// Every value currently given for one question: checked boxes, the chosen radio, the text.
fn current_values(form: &web_sys::HtmlFormElement, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    for input in question_inputs(form, name) {
        match input.type_().as_str() {
            "radio" | "checkbox" if input.checked() => values.push(input.value()),
            "radio" | "checkbox" | "hidden" => {}
            _ => values.push(input.value()),
        }
    }
    // An explicit empty answer, so that clearing a question is saved too.
    if values.is_empty() {
        values.push(String::new());
    }
    values
}

/// Time left, shown each minute and announced to screen readers only at thresholds. When it
/// runs out the form is handed in; the server refuses later answers either way.
#[component]
fn Timer(seconds_left: i64, labels: QuizLabels) -> impl IntoView {
    let (left, set_left) = signal(seconds_left.max(0));
    let (announcement, set_announcement) = signal(String::new());
    let left_label = labels.time_left.clone();
    let deadline = labels.deadline.clone();
    let labels_lang = labels.lang.clone();
    Effect::new(move |_| {
        let ends_at = web_sys::js_sys::Date::now() + (seconds_left as f64) * 1000.0;
        let labels = labels.clone();
        let announced = StoredValue::new(Vec::<i64>::new());
        let tick = move || {
            let now_left = ((ends_at - web_sys::js_sys::Date::now()) / 1000.0).ceil() as i64;
            let now_left = now_left.max(0);
            set_left.set(now_left);
            let minutes = if now_left == 0 {
                0
            } else {
                minutes_left(now_left)
            };
            let first_time = !announced.with_value(|a| a.contains(&minutes));
            if first_time && [10, 5, 1, 0].contains(&minutes) {
                announced.update_value(|a| a.push(minutes));
                if minutes == 0 {
                    set_announcement.set(labels.time_up.clone());
                    let form = web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.get_element_by_id("quiz-form"))
                        .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok());
                    if let Some(form) = form {
                        let _ = form.request_submit();
                    }
                } else {
                    set_announcement.set(
                        labels
                            .time_announce
                            .replace("{minutes}", &minutes.to_string()),
                    );
                }
            }
        };
        tick();
        let _ = set_interval_with_handle(tick, Duration::from_secs(1));
    });
    let shown = move || left_label.replace("{minutes}", &minutes_left(left.get()).to_string());
    view! {
        <div class="quiz-deadline" lang=labels_lang>
            <p class="quiz-timer" data-test="quiz-timer">{shown}</p>
            <p class="hint">{deadline}</p>
            <p class="visually-hidden" role="status">{announcement}</p>
        </div>
    }
}

/// Whole minutes, rounded up: "1 min left" until the very end.
fn minutes_left(seconds: i64) -> i64 {
    (seconds + 59) / 60
}
