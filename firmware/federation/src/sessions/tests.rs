use super::*;

fn session(index: &str, device: &str, issued: i64) -> IssuedSession {
    IssuedSession {
        session_index: index.into(),
        pairing: "mail".into(),
        device_id: device.into(),
        name_id: "alice@example.com".into(),
        name_id_format: None,
        revocation_user: "alice@example.com".into(),
        issued_unix: issued,
        assertion_not_on_or_after_unix: issued + 300,
        expires_unix: issued + SESSION_RECORD_LIFETIME.num_seconds(),
    }
}

fn at(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).expect("a time")
}

#[test]
fn a_device_s_sessions_are_taken_once_and_others_stay() {
    let mut store = SessionStore::new();
    store.insert(session("a", "uem-1", 100), at(100));
    store.insert(session("b", "uem-2", 101), at(101));
    store.insert(session("c", "uem-1", 102), at(102));
    let taken: Vec<String> = store.take_device("uem-1", at(200)).into_iter().map(|s| s.session_index).collect();
    assert_eq!(taken, ["a", "c"]);
    assert!(store.take_device("uem-1", at(200)).is_empty(), "taken once");
    assert_eq!(store.devices(at(200)), ["uem-2"]);
}

#[test]
fn expired_sessions_are_neither_taken_nor_listed() {
    let mut store = SessionStore::new();
    store.insert(session("a", "uem-1", 100), at(100));
    let later = at(100 + SESSION_RECORD_LIFETIME.num_seconds());
    assert!(store.live(later).is_empty() && store.devices(later).is_empty());
    assert!(store.take_device("uem-1", later).is_empty());
    store.insert(session("b", "uem-1", 100), at(100));
    assert_eq!(store.sweep(later), 1);
    assert!(store.is_empty());
}

#[test]
fn a_full_store_forgets_the_oldest_first_expired_before_live() {
    let mut store = SessionStore::with_capacity(2);
    store.insert(session("a", "uem-1", 0), at(0));
    store.insert(session("b", "uem-1", 10), at(10));
    // Nothing expired: the one closest to its expiry goes, and is named.
    match store.insert(session("c", "uem-1", 20), at(20)) {
        Inserted::Displaced(gone) => assert_eq!(gone.session_index, "a"),
        Inserted::Kept => panic!("the store is bounded"),
    }
    assert_eq!(store.len(), 2);
    // Expired ones are swept first, and nothing live is displaced.
    let late = 10 + SESSION_RECORD_LIFETIME.num_seconds();
    assert_eq!(store.insert(session("d", "uem-1", late), at(late)), Inserted::Kept);
    let live: Vec<&str> = store.live(at(late)).iter().map(|s| s.session_index.as_str()).collect();
    assert_eq!(live, ["c", "d"]);
}

#[test]
fn the_store_survives_a_round_trip_through_json() {
    let mut store = SessionStore::new();
    store.insert(session("a", "uem-1", 100), at(100));
    let json = serde_json::to_string(&store).expect("serialises");
    let back: SessionStore = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, store);
}
