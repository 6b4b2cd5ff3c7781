//! Names the build in `latchkey --version` and the metrics: the git commit it was built
//! from (or "unknown" outside a git checkout) and the build date (UTC), which
//! `SOURCE_DATE_EPOCH` fixes for reproducible builds.

use std::process::Command;

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn main() {
    let commit = output("git", &["rev-parse", "--short=12", "HEAD"]).unwrap_or("unknown".into());
    let date = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(epoch) => output("date", &["-u", "-d", &format!("@{epoch}"), "+%Y-%m-%d"]),
        Err(_) => output("date", &["-u", "+%Y-%m-%d"]),
    }
    .unwrap_or("unknown".into());
    println!("cargo:rustc-env=BUILD_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=BUILD_DATE_UTC={date}");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // Asked of git rather than assumed under `.git/`: in a worktree `.git` is a file,
    // and HEAD and the refs live elsewhere.
    for name in ["HEAD", "refs/heads", "packed-refs"] {
        if let Some(path) = output("git", &["rev-parse", "--git-path", name])
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
