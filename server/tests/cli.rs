//! The `guildhall` command line: first administrator, backup, content check, help.
use std::io::Write;
use std::process::{Command, Output, Stdio};

use sqlx::Connection;

fn guildhall(args: &[&str], database_url: &str, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn admin_create_makes_an_administrator_and_backup_copies_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/guildhall.db", dir.path().display());

    let out = guildhall(
        &[
            "admin",
            "create",
            "--email",
            "Ada@Example.org",
            "--name",
            "Ada Łukasiewicz",
        ],
        &url,
        "a long and private phrase\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Ada Łukasiewicz"));

    let again = guildhall(
        &[
            "admin",
            "create",
            "--email",
            "ada@example.org",
            "--name",
            "Ada",
        ],
        &url,
        "a long and private phrase\n",
    );
    assert!(!again.status.success(), "the same email twice is refused");
    let weak = guildhall(
        &[
            "admin",
            "create",
            "--email",
            "bob@example.org",
            "--name",
            "Bob",
        ],
        &url,
        "password\n",
    );
    assert!(
        !weak.status.success(),
        "common passwords are refused here too"
    );

    let copy = dir.path().join("copy.db");
    let migrated = std::fs::metadata(dir.path().join("data/guildhall.db"))
        .unwrap()
        .modified()
        .unwrap();
    let out = guildhall(&["backup", copy.to_str().unwrap()], &url, "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 members, 0 certificates, 0 forum posts"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("data/guildhall.db"))
            .unwrap()
            .modified()
            .unwrap(),
        migrated,
        "the database being copied is only read"
    );
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let (email, role): (String, String) = sqlx::query_as("SELECT email, role FROM users")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (email.as_str(), role.as_str()),
        ("ada@example.org", "admin")
    );

    let out = guildhall(&["backup", copy.to_str().unwrap()], &url, "");
    assert!(
        !out.status.success(),
        "an existing file is never overwritten"
    );
}

#[test]
fn backup_refuses_a_database_that_is_not_there_or_not_ours() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let typo = format!("sqlite://{}/data/guildhal.db", dir.path().display());
    let out = guildhall(&["backup", copy.to_str().unwrap()], &typo, "");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("there is no database at"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!copy.exists(), "no backup of nothing");
    assert!(
        !dir.path().join("data/guildhal.db").exists(),
        "no database made up"
    );

    let other = dir.path().join("other.db");
    std::fs::write(&other, b"").unwrap();
    let out = guildhall(
        &["backup", copy.to_str().unwrap()],
        &format!("sqlite://{}", other.display()),
        "",
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a Guildhall database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!copy.exists());
}

#[test]
fn backup_on_postgres_points_to_pg_dump() {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        return;
    };
    let out = guildhall(&["backup", "/tmp/never-written.db"], &url, "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
}

#[test]
fn a_broken_database_url_stops_with_a_clear_message() {
    let out = guildhall(&["serve"], "mysql://root@localhost/guildhall", "");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("DATABASE_URL must start with sqlite:// or postgres://")
    );
}

#[test]
fn help_documents_every_setting() {
    let out = Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for variable in [
        "DATABASE_URL",
        "LEPTOS_SITE_ADDR",
        "GUILDHALL_PUBLIC_URL",
        "GUILDHALL_CONTENT_DIR",
        "GUILDHALL_SESSION_IDLE_MINUTES",
        "GUILDHALL_ASSOCIATION_NAME",
        "GUILDHALL_SIGNATORY_NAME",
        "GUILDHALL_SIGNATORY_TITLE",
    ] {
        assert!(
            help.contains(variable),
            "--help does not mention {variable}"
        );
    }
    for command in ["serve", "admin", "content", "backup", "certificates"] {
        assert!(help.contains(command), "--help does not list {command}");
    }
}

#[test]
fn content_check_passes_on_the_real_content_and_names_file_and_line_otherwise() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ok = Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .args(["content", "check"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let summary = String::from_utf8_lossy(&ok.stdout);
    assert!(summary.contains("5 modules"), "{summary}");
    assert!(
        summary.contains("code of conduct version 1 with 25 clauses"),
        "{summary}"
    );
    assert!(summary.contains("forum categories: 6"), "{summary}");

    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("modules/broken");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(
        module.join("en.md"),
        "+++\ntitle = \"Broken\"\nminutes = \"ten\"\n+++\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .args(["content", "check"])
        .env("GUILDHALL_CONTENT_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("modules/broken/en.md:3: front matter"),
        "{stderr}"
    );

    // serve refuses to start on the same folder, saying why.
    let out = Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .args(["serve"])
        .env("GUILDHALL_CONTENT_DIR", dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/db.sqlite", dir.path().display()),
        )
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to start"));
}

#[tokio::test]
async fn demo_members_share_one_hash_and_skip_existing_emails() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/demo.db", dir.path().display());
    let members = |count: &str, password: &str| {
        guildhall(
            &["demo", "members", "--count", count, "--password", password],
            &url,
            "",
        )
    };

    let out = members("3", "a long and private phrase");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 members created, 0 already existed"));
    let out = members("5", "a long and private phrase");
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 members created, 3 already existed"));
    assert!(
        !members("2", "password").status.success(),
        "common passwords are refused"
    );

    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT email, role, password_hash FROM users ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4].0, "member5@example.org");
    assert!(rows.iter().all(|(_, role, _)| role == "member"));
    assert!(rows[0].2.starts_with("$argon2id$"));
}

#[test]
fn certificates_are_issued_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/guildhall.db", dir.path().display());
    let created = guildhall(
        &[
            "demo",
            "members",
            "--count",
            "1",
            "--password",
            "a long and private phrase",
        ],
        &url,
        "",
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let missing_reason = guildhall(
        &[
            "certificates",
            "issue",
            "--email",
            "member1@example.org",
            "--program",
            "service-excellence",
            "--reason",
            " ",
        ],
        &url,
        "",
    );
    assert!(!missing_reason.status.success());
    assert!(String::from_utf8_lossy(&missing_reason.stderr).contains("Give a reason"));

    let pdf = dir.path().join("certificate.pdf");
    let issued = guildhall(
        &[
            "certificates",
            "issue",
            "--email",
            "member1@example.org",
            "--program",
            "service-excellence",
            "--reason",
            "Migrated from the earlier register",
            "--out",
            pdf.to_str().unwrap(),
        ],
        &url,
        "",
    );
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
    let code = String::from_utf8_lossy(&issued.stdout).trim().to_owned();
    assert_eq!(code.len(), 19, "XXXX-XXXX-XXXX-XXXX: {code}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));

    let twice = guildhall(
        &[
            "certificates",
            "issue",
            "--email",
            "member1@example.org",
            "--program",
            "service-excellence",
            "--reason",
            "again",
        ],
        &url,
        "",
    );
    assert!(
        !twice.status.success(),
        "a valid certificate is not issued twice"
    );

    let unknown = guildhall(
        &[
            "certificates",
            "revoke",
            "AAAA-BBBB-CCCC-DDDD",
            "--reason",
            "x",
        ],
        &url,
        "",
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no certificate has the code"));

    let revoked = guildhall(
        &[
            "certificates",
            "revoke",
            &code.to_lowercase(),
            "--reason",
            "Issued in error",
        ],
        &url,
        "",
    );
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let again = guildhall(
        &["certificates", "revoke", &code, "--reason", "again"],
        &url,
        "",
    );
    assert!(
        !again.status.success(),
        "a revoked certificate stays revoked once"
    );
}

#[test]
fn demo_forum_fills_threads_and_posts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/guildhall.db", dir.path().display());
    let none = guildhall(
        &["demo", "forum", "--threads", "2", "--posts", "4"],
        &url,
        "",
    );
    assert!(!none.status.success(), "no authors yet");
    assert!(String::from_utf8_lossy(&none.stderr).contains("guildhall demo members"));
    let members = guildhall(
        &[
            "demo",
            "members",
            "--count",
            "3",
            "--password",
            "a long and private phrase",
        ],
        &url,
        "",
    );
    assert!(members.status.success());
    let out = guildhall(
        &["demo", "forum", "--threads", "5", "--posts", "23"],
        &url,
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("5 threads and 23 posts"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
