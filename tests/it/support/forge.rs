//! Tokens signed with a running server's real keys, for expiry and tampering tests: the
//! data dir is copied (the server holds its lock) and opened through the library.

use latchkey::types::Alg;
use serde_json::Value;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.file_name() != "lock" {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Signs `claims` as a JWS with the server's active key for `alg` and the given `typ`.
pub fn sign_as_server(data_dir: &Path, alg: Alg, typ: &str, claims: &Value) -> String {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(data_dir, copy.path());
    let dir = latchkey::datadir::DataDir::open(copy.path()).unwrap();
    let store = latchkey::store::Store::open(&dir.store_path(), 500).unwrap();
    let keys = latchkey::admin::keys::load_key_set(&store, &dir.master_key().unwrap()).unwrap();
    let payload = serde_json::to_vec(claims).unwrap();
    keys.signer(alg)
        .unwrap()
        .sign_compact(Some(typ), &payload)
        .unwrap()
}
