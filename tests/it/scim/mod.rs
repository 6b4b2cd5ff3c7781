//! SCIM 2.0 provisioning (issue 24) and what it stands on: memberships that can be
//! disabled in one tenant while the account keeps working in others.

mod admin_ui;
mod bad_input;
mod groups;
mod independent;
mod membership_active;
mod tokens;
mod users;

use crate::support::api::Api;
use crate::support::server::{Options, Server};
use serde_json::json;

/// A server with tenant `acme`, a SCIM token for it, and clients for both APIs.
pub struct Scim {
    _tmp: tempfile::TempDir,
    pub server: Server,
    /// The management API, as the appliance admin.
    pub api: Api,
    /// The SCIM API, with the SCIM token.
    pub scim: Api,
    pub token: String,
    pub token_id: String,
}

pub fn scim_start() -> Scim {
    scim_start_with(Options::default())
}

pub fn scim_start_with(opts: Options) -> Scim {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(tmp.path(), opts);
    let api = Api::new(&server);
    let t = api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "acme", "display_name": "Acme"})),
    );
    assert_eq!(t.status, 201);
    let made = api.call(
        "POST",
        "/v2/admin/tenants/acme/scim-tokens",
        Some(&json!({"label": "Entra ID"})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let token = made.body["token"].as_str().unwrap().to_owned();
    let token_id = made.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        made.location,
        Some(format!("/v2/admin/tenants/acme/scim-tokens/{token_id}"))
    );
    assert_eq!(made.body["label"], "Entra ID");
    let scim = Api::with_token(&server, &token);
    Scim {
        _tmp: tmp,
        server,
        api,
        scim,
        token,
        token_id,
    }
}
