//! Scheduled backups (`[backup]`): written by the running server, 0600, named by time,
//! the oldest beyond `keep` deleted, failures logged and counted while serving goes on.

use crate::support::server::{Options, Server, run};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn options(dir: &Path, keep: &str) -> Options {
    Options {
        env: vec![
            ("LATCHKEY_BACKUP_DIR".into(), dir.to_str().unwrap().into()),
            ("LATCHKEY_BACKUP_INTERVAL_HOURS".into(), "24".into()),
            ("LATCHKEY_BACKUP_KEEP".into(), keep.into()),
        ],
        ..Options::default()
    }
}

fn metric(server: &Server, name: &str) -> u64 {
    let text = server
        .agent()
        .get(&format!("{}/metrics", server.base))
        .header("authorization", &format!("Bearer {}", server.admin_token()))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
        .parse()
        .unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_due_backup_is_written_at_start_and_only_the_newest_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let backups = tmp.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_836_800);
    for day in 1..=3 {
        let old = backups.join(format!("latchkey-2020010{day}T000000Z.backup"));
        std::fs::File::create(&old)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
    }
    std::fs::write(backups.join("notes.txt"), "not ours").unwrap();
    std::fs::write(
        backups.join(".latchkey-20200104T000000Z.backup.partial"),
        "cut",
    )
    .unwrap();

    let server = Server::start_with(&tmp.path().join("data"), options(&backups, "2"));
    server.wait_for_log("scheduled backup written to");
    let left = names(&backups);
    assert_eq!(left.len(), 3, "{left:?}");
    assert_eq!(
        left[0], "latchkey-20200103T000000Z.backup",
        "the newer old one stays"
    );
    assert!(left[1].starts_with("latchkey-20") && left[1].ends_with("Z.backup"));
    assert_eq!(left[2], "notes.txt", "files not ours are never deleted");

    let new = backups.join(&left[1]);
    assert_eq!(
        std::fs::metadata(&new).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (code, stdout, stderr) = run(&["verify-backup", new.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("a whole latchkey backup"), "{stdout}");
    let at = std::fs::metadata(&new).unwrap().modified().unwrap();
    let at = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let last = metric(&server, "latchkey_last_backup_timestamp_seconds");
    assert!(last + 5 >= at && last <= at + 5, "{last} vs {at}");
    assert_eq!(metric(&server, "latchkey_backup_failures_total"), 0);

    assert_eq!(server.stop().code(), Some(0));
    let again = Server::start_with(&tmp.path().join("data"), options(&backups, "2"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let seeded = loop {
        match metric(&again, "latchkey_last_backup_timestamp_seconds") {
            0 if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            seen => break seen,
        }
    };
    assert_eq!(seeded, at, "the schedule goes on from the newest file");
    assert_eq!(
        names(&backups),
        left,
        "a recent backup is not repeated at start"
    );
}

#[test]
fn a_failed_backup_is_logged_and_counted_and_serving_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, "in the way").unwrap();
    let server = Server::start_with(&tmp.path().join("data"), options(&not_a_dir, "7"));
    let log = server.wait_for_log("scheduled backup into");
    assert!(log.contains("cannot create the backup dir"), "{log}");
    assert!(!log.contains("Os {"), "{log}");
    assert_eq!(metric(&server, "latchkey_backup_failures_total"), 1);
    assert_eq!(metric(&server, "latchkey_last_backup_timestamp_seconds"), 0);
    assert_eq!(server.get("/readyz").0, 200);
    assert_eq!(std::fs::read_to_string(&not_a_dir).unwrap(), "in the way");
}

#[test]
fn backup_settings_are_checked() {
    for (key, value, says) in [
        (
            "LATCHKEY_BACKUP_KEEP",
            "0",
            "[backup] keep must be between 1 and 1000",
        ),
        (
            "LATCHKEY_BACKUP_INTERVAL_HOURS",
            "9000",
            "[backup] interval_hours must be at most 8760",
        ),
        ("LATCHKEY_BACKUP_KEEP", "many", "LATCHKEY_BACKUP_KEEP"),
    ] {
        let (code, _, stderr) = run(&["check-config"], &[(key, value)]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
}

#[test]
fn include_tls_carries_the_self_signed_files_and_restore_puts_them_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let arg = |p: &Path| p.to_str().unwrap().to_owned();
    assert_eq!(run(&["init", "--data-dir", &arg(&a)], &[]).0, 0);
    let (code, with, stderr) = crate::support::server::run_bytes(
        &["backup", "--include-tls", "--data-dir", &arg(&a)],
        &[],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, without, _) =
        crate::support::server::run_bytes(&["backup", "--data-dir", &arg(&a)], &[], None);
    assert_eq!(code, 0);
    let (with_file, without_file) = (tmp.path().join("with"), tmp.path().join("without"));
    std::fs::write(&with_file, &with).unwrap();
    std::fs::write(&without_file, &without).unwrap();
    let (_, said, _) = run(&["verify-backup", &arg(&with_file)], &[]);
    assert!(
        said.contains("with its sealing key and the self-signed TLS files"),
        "{said}"
    );
    let (_, said, _) = run(&["verify-backup", &arg(&without_file)], &[]);
    assert!(said.contains("with its sealing key;"), "{said}");

    let (code, _, stderr) = run(&["restore", &arg(&with_file), "--data-dir", &arg(&b)], &[]);
    assert_eq!(code, 0, "{stderr}");
    for name in ["ca.pem", "cert.pem", "key.pem"] {
        let (from, to) = (a.join("tls").join(name), b.join("tls").join(name));
        assert_eq!(
            std::fs::read(&from).unwrap(),
            std::fs::read(&to).unwrap(),
            "{name}"
        );
        assert_eq!(
            std::fs::metadata(&to).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_eq!(
        std::fs::metadata(b.join("tls"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    let restored = Server::start(&b);
    let trusting_a = crate::support::server::agent_trusting(&a.join("tls/ca.pem"));
    let answer = trusting_a
        .get(&format!("{}/healthz", restored.base))
        .call()
        .expect("a client trusting the old CA trusts the restored appliance");
    assert_eq!(answer.status(), 200);

    let (code, _, stderr) = run(
        &["restore", &arg(&without_file), "--data-dir", &arg(&c)],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !c.join("tls").exists(),
        "without the flag no TLS files travel"
    );
}

#[test]
fn include_tls_without_self_signed_files_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(
        run(&["init", "--data-dir", dir, "--tls-mode", "off"], &[]).0,
        0
    );
    let (code, out, stderr) = run(&["backup", "--include-tls", "--data-dir", dir], &[]);
    assert_eq!((code, out.as_str()), (1, ""), "{stderr}");
    assert!(stderr.contains("--include-tls:"), "{stderr}");
    assert!(
        stderr.contains("holds no self-signed TLS files"),
        "{stderr}"
    );
}

#[test]
fn the_dashboard_shows_the_last_backup_and_warns_when_none_are_scheduled() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let (browser, _) = crate::admin_ui::signed_in(&server);
    let home = browser.get("/admin").body;
    assert!(home.contains("<dt>Last backup</dt>"), "{home}");
    assert!(home.contains("none since start"), "{home}");
    assert!(
        home.contains("no scheduled backups ([backup] interval_hours)"),
        "{home}"
    );

    let mut backup = server
        .agent()
        .post(&format!("{}/v2/admin/backup", server.base))
        .header("authorization", &format!("Bearer {}", server.admin_token()))
        .send_empty()
        .unwrap();
    assert_eq!(backup.status(), 200);
    backup.body_mut().read_to_vec().unwrap();
    let home = browser.get("/admin").body;
    assert!(!home.contains("none since start"), "{home}");
    let at = metric(&server, "latchkey_last_backup_timestamp_seconds");
    assert!(at > 0);
    let shown = home.split("<dt>Last backup</dt>").nth(1).unwrap();
    assert!(shown.trim_start().starts_with("<dd>20"), "{shown}");

    let scheduled = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        &scheduled.path().join("data"),
        options(&scheduled.path().join("backups"), "2"),
    );
    server.wait_for_log("scheduled backup written to");
    let (browser, _) = crate::admin_ui::signed_in(&server);
    let home = browser.get("/admin").body;
    assert!(!home.contains("no scheduled backups"), "{home}");
    assert!(!home.contains("none since start"), "{home}");
}
