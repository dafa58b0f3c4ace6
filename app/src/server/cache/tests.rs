//! Tests of the cache clock: what is served, what a change makes stale, what a write announces.
use super::*;

fn owner(id: i64) -> SessionOwner {
    SessionOwner {
        user: UserView {
            id,
            name: "Ona".into(),
            email: "ona@example.org".into(),
            language: "en".into(),
            role: Role::Member,
        },
        signed_in_at: 0,
        unread_notes: 0,
    }
}

#[test]
fn a_change_after_the_read_makes_the_entry_stale() {
    let caches = Caches::new(Backend::Sqlite);
    let read_at = caches.tick();
    caches.keep_session_owner("s1", owner(7), read_at);
    assert!(caches.session_owner("s1").is_some());
    caches.changed(Topic::Member(8));
    assert!(
        caches.session_owner("s1").is_some(),
        "another member's change"
    );
    caches.changed(Topic::Member(7));
    assert!(caches.session_owner("s1").is_none());
}

#[test]
fn data_read_before_a_change_is_not_kept() {
    let caches = Caches::new(Backend::Sqlite);
    let read_at = caches.tick();
    caches.changed(Topic::Member(7));
    caches.keep_progress(7, Progress::default(), read_at);
    assert!(caches.progress(7).is_none());
    let read_at = caches.tick();
    caches.keep_progress(7, Progress::default(), read_at);
    assert!(caches.progress(7).is_some());
}

#[test]
fn a_members_forum_standing_lasts_until_they_change_something() {
    let caches = Caches::new(Backend::Sqlite);
    caches.keep_forum_standing(7, ForumStanding::default(), caches.tick());
    caches.changed(Topic::Forum);
    assert!(caches.forum_standing(7).is_some(), "someone else's post");
    caches.changed(Topic::Member(7));
    assert!(caches.forum_standing(7).is_none());
}

#[test]
fn a_change_to_all_members_reaches_each() {
    let caches = Caches::new(Backend::Sqlite);
    caches.keep_session_owner("s1", owner(7), caches.tick());
    caches.changed(Topic::Members);
    assert!(caches.session_owner("s1").is_none());
}

#[test]
fn nothing_is_served_until_postgres_changes_can_be_heard() {
    let caches = Caches::new(Backend::Postgres);
    caches.keep_session_owner("s1", owner(7), caches.tick());
    assert!(caches.session_owner("s1").is_none());
    caches.set_in_sync(true);
    caches.keep_session_owner("s1", owner(7), caches.tick());
    assert!(caches.session_owner("s1").is_some());
    caches.heard(&format!("{} member:7", caches.0.instance));
    assert!(
        caches.session_owner("s1").is_some(),
        "its own change, already applied"
    );
    caches.heard("0123456789abcdef forum,member:7");
    assert!(caches.session_owner("s1").is_none());
}

#[test]
fn a_page_is_served_until_it_would_read_differently() {
    let caches = Caches::new(Backend::Sqlite);
    let key = PageKey {
        path: "/verify/X".into(),
        locale: Locale::en,
        role: None,
    };
    let page = CachedPage {
        template: Template::parse("<p>valid</p>").unwrap(),
        headers: HeaderMap::new(),
        depends: &[Topic::Certificates],
        catalogue: 1,
        fresh_until: Some(100),
    };
    caches.keep_page(key.clone(), page, caches.tick());
    assert!(caches.page(&key, 1, 99).is_some());
    assert!(
        caches.page(&key, 1, 100).is_none(),
        "the certificate has expired"
    );
    assert!(
        caches.page(&key, 2, 99).is_none(),
        "the content was reloaded"
    );
    caches.changed(Topic::Forum);
    assert!(caches.page(&key, 1, 99).is_some(), "unrelated");
    caches.changed(Topic::Certificates);
    assert!(caches.page(&key, 1, 99).is_none());
}

#[test]
fn writes_announce_their_area_and_their_author() {
    assert_eq!(
        written("/api/forum/reply", Some(3)),
        [Topic::Forum, Topic::Member(3)]
    );
    assert_eq!(
        written("/api/admin/set_role", Some(1)),
        [Topic::Members, Topic::Member(1)]
    );
    assert_eq!(written("/api/logout", Some(5)), [Topic::Member(5)]);
    assert_eq!(written("/verify/X/check", None), []);
}

#[test]
fn topics_survive_the_channel() {
    for topic in [
        Topic::Member(42),
        Topic::Members,
        Topic::Certificates,
        Topic::Forum,
    ] {
        assert_eq!(Topic::decode(&topic.encode()), Some(topic));
    }
    assert_eq!(Topic::decode("member:x"), None);
}
