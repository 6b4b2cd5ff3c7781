//! The command line as people type it: options after nested subcommands, a running
//! server's data dir, and errors in sentences rather than Rust's debug text.

use crate::support::server::{Server, run, run_bytes};

fn arg(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// What Rust's `Debug` formatting of an error looks like, which a person must never read.
fn assert_no_debug_text(said: &str) {
    for tell in ["Io(", "Semantic(", "Syntax(", "Error {", "kind: ", "Os {"] {
        assert!(!said.contains(tell), "debug text `{tell}` in: {said}");
    }
}

#[test]
fn global_options_may_follow_nested_subcommands() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = arg(tmp.path());
    assert_eq!(run(&["init", "--data-dir", dir], &[]).0, 0);
    let (code, after, stderr) = run(
        &[
            "admin",
            "create-token",
            "--label",
            "after",
            "--data-dir",
            dir,
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(after.trim().starts_with("lkadm_"), "{after}");
    let (code, before, stderr) = run(&["admin", "--data-dir", dir, "create-token"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(after, before, "two tokens");
    let (code, _, stderr) = run(&["tls", "regenerate", "--data-dir", dir], &[]);
    assert_eq!(code, 0, "{stderr}");

    let server = Server::start(tmp.path());
    for (token, label) in [(after.trim(), "after"), (before.trim(), "the second")] {
        let api = crate::support::api::Api::with_token(&server, token);
        assert_eq!(
            api.call("GET", "/v2/admin/tokens", None).status,
            200,
            "{label}"
        );
    }
}

#[test]
fn offline_commands_on_a_running_servers_dir_say_what_to_use_instead() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = arg(tmp.path());
    let server = Server::start(tmp.path());
    for (args, says) in [
        (
            vec!["admin", "create-token", "--data-dir", dir],
            "use the admin UI or the management API (/v2/admin) instead",
        ),
        (
            vec!["backup", "--data-dir", dir],
            "take a backup with the admin UI's Download backup or POST /v2/admin/backup",
        ),
        (
            vec!["init", "--data-dir", dir],
            "create admin tokens in the admin UI or with POST /v2/admin/tokens",
        ),
        (
            vec!["tls", "regenerate", "--data-dir", dir],
            "the certificate is replaced only while no server uses it",
        ),
    ] {
        let (code, stdout, stderr) = run(&args, &[]);
        assert_eq!((code, stdout.as_str()), (1, ""), "{args:?}: {stderr}");
        assert!(
            stderr
                .contains("is in use by another latchkey process, most likely the running server"),
            "{stderr}"
        );
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert_eq!(server.get("/readyz").0, 200, "the server keeps serving");
}

#[test]
fn damaged_backups_are_described_in_sentences() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    assert_eq!(run(&["init", "--data-dir", arg(&a)], &[]).0, 0);
    let (code, bytes, _) = run_bytes(&["backup", "--data-dir", arg(&a)], &[], None);
    assert_eq!(code, 0);
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "cut.cbor",
            bytes[..100].to_vec(),
            "not a complete latchkey backup: the data ends in the middle of an item",
        ),
        (
            "text.cbor",
            b"garbage\n".to_vec(),
            "not a complete latchkey backup: unknown variant",
        ),
        (
            "map.cbor",
            vec![0xa1, 0x01, 0x02],
            "not a complete latchkey backup: invalid type: integer `1`",
        ),
    ];
    for (name, content, says) in cases {
        let file = tmp.path().join(name);
        std::fs::write(&file, content).unwrap();
        let target = tmp.path().join(format!("restored-{name}"));
        for args in [
            vec!["verify-backup", arg(&file)],
            vec!["restore", arg(&file), "--data-dir", arg(&target)],
        ] {
            let (code, _, stderr) = run(&args, &[]);
            assert_eq!(code, 1, "{args:?}");
            assert!(stderr.contains(says), "{args:?}: {stderr}");
            assert_no_debug_text(&stderr);
        }
        assert!(!target.exists(), "a failed restore leaves nothing behind");
    }
    let (code, _, stderr) = run(&["verify-backup", arg(tmp.path())], &[]);
    assert_eq!(code, 1);
    assert_no_debug_text(&stderr);
}

#[test]
fn import_errors_name_the_line_without_debug_text() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = arg(tmp.path());
    assert_eq!(run(&["init", "--data-dir", dir], &[]).0, 0);
    for (input, says) in [
        (
            &b"{\"username\":\"a\"\n"[..],
            "line 1: EOF while parsing an object",
        ),
        (
            b"{\"username\":\"b\",\"x\":1}\n",
            "line 1: unknown field `x`",
        ),
        (b"\n{\"username\":3}\n", "line 2: invalid type: integer `3`"),
    ] {
        let (code, out, stderr) = run_bytes(
            &["admin", "import-accounts", "-", "--data-dir", dir],
            &[],
            Some(input),
        );
        assert_eq!((code, out.as_slice()), (1, &b""[..]), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert_no_debug_text(&stderr);
    }
    let (code, _, stderr) = run(
        &[
            "admin",
            "import-accounts",
            arg(&tmp.path().join("absent.jsonl")),
            "--data-dir",
            dir,
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("absent.jsonl: No such file or directory"),
        "{stderr}"
    );
    assert_no_debug_text(&stderr);
}
