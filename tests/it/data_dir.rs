//! The data dir on disk: a half-there dir is refused and left as it was, and what
//! latchkey writes is private to its user whatever the umask.

use crate::support::server::{Server, binary, run};
use std::collections::BTreeMap;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every path under `root`, with the bytes of each file (`None` for a directory).
fn contents(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut found = BTreeMap::new();
    for path in walk(root) {
        let bytes = path.is_file().then(|| std::fs::read(&path).unwrap());
        found.insert(path, bytes);
    }
    found
}

/// Every path under `root`, depth first.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

/// Runs `latchkey serve` on `dir` and returns its exit code and stderr; a server that
/// is still running after 30 s is killed and fails the test.
fn serve_exits(dir: &Path) -> (Option<i32>, String) {
    use std::io::Read;
    let mut child = Command::new(binary())
        .args(["serve", "--data-dir", dir.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--tls-mode", "off"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let exited = child.try_wait().unwrap();
    if exited.is_none() {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(exited.is_some(), "serve did not refuse the dir:\n{stderr}");
    (exited.and_then(|s| s.code()), stderr)
}

#[test]
fn a_half_there_data_dir_is_refused_and_left_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    for (removed, present, missing) in [
        ("store", "master.key", "store/"),
        ("master.key", "store/", "master.key"),
    ] {
        let dir = tmp.path().join(removed);
        let d = dir.to_str().unwrap();
        assert_eq!(run(&["init", "--data-dir", d], &[]).0, 0);
        let part = dir.join(removed);
        if part.is_dir() {
            std::fs::remove_dir_all(part).unwrap();
        } else {
            std::fs::remove_file(part).unwrap();
        }
        let before = contents(&dir);
        let sentence = format!("data dir {d} is half there: it holds {present} but no {missing};");
        for args in [
            vec!["init", "--data-dir", d],
            vec!["backup", "--data-dir", d],
            vec!["admin", "--data-dir", d, "create-token"],
        ] {
            let (code, _, stderr) = run(&args, &[]);
            assert_eq!(code, 1, "{args:?}: {stderr}");
            assert!(stderr.contains(&sentence), "{args:?}: {stderr}");
            assert!(contents(&dir) == before, "{args:?} wrote into {d}");
        }
        let (code, stderr) = serve_exits(&dir);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains(&sentence), "serve: {stderr}");
        assert!(contents(&dir) == before, "serve wrote into {d}");
    }
}

/// Fails naming every path under `root` that its group or others may use at all.
fn assert_private(root: &Path) {
    let open: Vec<String> = walk(root)
        .iter()
        .map(|p| {
            (
                p,
                std::fs::metadata(p).unwrap().permissions().mode() & 0o777,
            )
        })
        .filter(|(_, mode)| mode & 0o077 != 0)
        .map(|(p, mode)| format!("{} {mode:o}", p.display()))
        .collect();
    assert!(open.is_empty(), "readable by others: {open:#?}");
}

/// Runs the binary with umask 022, which is what leaves sled's files readable by all.
fn run_with_umask_022(args: &[&str]) {
    let status = Command::new("sh")
        .args(["-c", "umask 022 && exec \"$@\"", "sh", binary()])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{args:?}");
}

#[test]
fn everything_latchkey_writes_is_private_whatever_the_umask() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shared");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let d = dir.to_str().unwrap();
    run_with_umask_022(&["init", "--data-dir", d]);
    assert_private(&dir);
    let server = Server::start(&dir);
    // An answer means the SIGTERM handler is in place: it is set up after `listening on`.
    assert_eq!(server.get("/healthz").0, 200);
    assert_eq!(server.stop().code(), Some(0));
    assert_private(&dir);

    let file = tmp.path().join("backup.cbor");
    let out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&file)
        .unwrap();
    out.set_permissions(std::fs::Permissions::from_mode(0o644))
        .unwrap();
    let status = Command::new(binary())
        .args(["backup", "--data-dir", d])
        .stdout(out)
        .status()
        .unwrap();
    assert!(status.success());
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the backup file");

    let restored = tmp.path().join("restored");
    run_with_umask_022(&[
        "restore",
        "--data-dir",
        restored.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let mode = std::fs::metadata(&restored).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "a data dir latchkey created");
    assert_private(&restored);
}
