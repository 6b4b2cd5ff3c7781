//! The data dir on disk: a half-there dir is refused and left as it was.

use crate::support::server::{binary, run};
use std::collections::BTreeMap;
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
