#!/usr/bin/env python3
"""The side-by-side benchmark: latchkey against node oidc-provider on this machine.

bench/run installs what is missing and calls this. Every scenario runs latchkey, then
the peer, then latchkey again, and so on (--rounds times each), with wrk as the load
generator (keep-alive, --connections connections over --threads threads, --duration
seconds), or bench/passkey.mjs where requests must be signed. Each figure is the
median over the rounds. Server CPU time and memory are read from /proc. Results go to
bench/results/<time>/ as results.json, results.md and plot.png.
"""

import argparse
import base64
import datetime
import concurrent.futures
import hashlib
import hmac
import html as html_lib
import math
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import struct
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
LUA = os.path.join(BENCH, "lua")
# BENCH_LATCHKEY_BINARY runs another build (a debug one, to check that a new scenario
# works where a release build is too slow to make); bench/run uses the release one. Not
# LATCHKEY_*: latchkey reads those as settings and refuses unknown ones.
BINARY = os.environ.get("BENCH_LATCHKEY_BINARY", os.path.join(ROOT, "target", "release", "latchkey"))
REDIRECT = "https://app.example/cb"
PEER_SECRET = "bench-client-secret-0123456789abcdef"
PASSWORD = "bench password 0123"
VERIFIER = "bench-pkce-verifier-0123456789abcdefghijklmnopqrstuvwxyz"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
TICKS = os.sysconf("SC_CLK_TCK")
# DPoP proofs made per second of a cc_dpop run: above either server's rate, so the
# pool never runs dry (a proof works once).
PROOFS_PER_SECOND = 25000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def basic(client_id, secret):
    pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class Server:
    """A server process: its pid's CPU time and memory, and an HTTPS client for it."""

    def __init__(self, name, args, port, cert, env=None, cwd=None,
                 ready="/.well-known/openid-configuration"):
        self.name, self.port, self.cert, self.ready = name, port, cert, ready
        self.log = tempfile.TemporaryFile()
        started = time.monotonic()
        self.proc = subprocess.Popen(
            args, stdout=self.log, stderr=self.log, env={**os.environ, **(env or {})}, cwd=cwd
        )
        self.ready_ms = self.wait_ready(started)

    def context(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        return ctx

    def wait_ready(self, started, path="/"):
        deadline = started + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                sys.exit(f"{self.name} exited:\n{self.log.read().decode(errors='replace')}")
            try:
                status, _, _ = self.request("GET", self.ready)
                if status == 200:
                    return (time.monotonic() - started) * 1000
            except OSError:
                pass
            time.sleep(0.002)
        sys.exit(f"{self.name} was not ready within 60 s")

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context(), timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None, expect=(200, 201)):
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json", **(headers or {})} if data else dict(headers or {})
        status, _, raw = self.request(method, path, data, hdrs)
        if status not in expect:
            sys.exit(f"{self.name} {method} {path}: {status} {raw[:500]!r}")
        return json.loads(raw) if raw else None

    def form(self, path, fields, auth=None, expect=(200,)):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth:
            headers["Authorization"] = auth
        status, _, raw = self.request("POST", path, urllib.parse.urlencode(fields).encode(), headers)
        if status not in expect:
            sys.exit(f"{self.name} POST {path}: {status} {raw[:500]!r}")
        return json.loads(raw)

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def memory_kib(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def sample_rss(self, stop, peak):
        """Reads VmRSS every 50 ms until `stop` is set, keeping the highest in `peak[0]`
        (VmHWM cannot be reset everywhere, so the peak of one run is sampled)."""
        while not stop.is_set():
            peak[0] = max(peak[0], self.memory_kib("VmRSS"))
            stop.wait(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Cookies:
    """Just enough of a cookie jar for two sign-ins."""

    def __init__(self):
        self.jar = {}

    def take(self, headers):
        for value in headers.get_all("Set-Cookie") or []:
            pair = value.split(";", 1)[0]
            name, _, val = pair.partition("=")
            if val:
                self.jar[name.strip()] = val
            else:
                self.jar.pop(name.strip(), None)

    def header(self):
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())


def totp(secret, step):
    """The RFC 6238 code (SHA-1, 6 digits) of `secret` for time step `step`."""
    digest = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def follow_to_code(server, start_path, cookies, on_page):
    """Follows redirects from `start_path` inside `server` until one goes to the client;
    `on_page` answers each HTML page with (path, form fields) to POST. Returns the code."""
    method, path, body = "GET", start_path, None
    for _ in range(20):
        headers = {"Cookie": cookies.header()}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(body).encode()
        status, hdrs, raw = server.request(method, path, data, headers)
        cookies.take(hdrs)
        if status in (302, 303):
            location = hdrs["Location"]
            if location.startswith(REDIRECT):
                query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
                if "code" not in query:
                    sys.exit(f"{server.name} refused the sign-in: {location}")
                return query["code"][0]
            parsed = urllib.parse.urlparse(location)
            method, path, body = "GET", parsed.path + (f"?{parsed.query}" if parsed.query else ""), None
        elif status == 200:
            method, (path, body) = "POST", on_page(path, raw.decode())
        else:
            sys.exit(f"{server.name} {method} {path}: {status} {raw[:300]!r}")
    sys.exit(f"{server.name}: no code after 20 steps")


class Target:
    """What both servers share: the code-flow requests, at each one's own paths."""

    authorize_base = token_path = ""

    def authorize_path(self, client):
        return self.authorize_base + "?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client, "redirect_uri": REDIRECT,
            "scope": "openid offline_access", "state": "bench", "code_challenge": CHALLENGE,
            "code_challenge_method": "S256"})

    def code_tokens(self, client):
        """Tokens from one code flow on the signed-in session."""
        code = follow_to_code(self.server, self.authorize_path(client), self.cookies,
                              lambda p, h: sys.exit(f"unexpected page {p}"))
        return self.server.form(self.token_path, {
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER}, self.auth("bench", client))


def unit_environment():
    """The environment systemd/latchkey.service gives latchkey, so it runs here as shipped."""
    with open(os.path.join(ROOT, "systemd", "latchkey.service")) as f:
        pairs = [line.strip()[len("Environment="):] for line in f if line.startswith("Environment=")]
    return dict(pair.split("=", 1) for pair in pairs)


class Latchkey(Target):
    """latchkey: started on a data dir, provisioned through the management API."""

    authorize_base, token_path = "/t/bench/authorize", "/t/bench/token"

    def __init__(self, data_dir, token=None, binary=BINARY, name="latchkey"):
        self.name = name
        self.port = free_port()
        # A host name, not 127.0.0.1: the relying-party id of passkeys is the public URL's
        # host, and an IP address turns passkeys off (the certificate names localhost).
        self.public_url = f"https://localhost:{self.port}"
        args = [binary, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{self.port}",
                "--public-url", self.public_url]
        self.token = token or init(data_dir, binary)
        self.cert = os.path.join(data_dir, "tls", "cert.pem")
        self.key = os.path.join(data_dir, "tls", "key.pem")
        self.command = " ".join(args)
        env = {**unit_environment(), "LATCHKEY_LOG_LEVEL": "warn"}
        if binary == BINARY:
            # Every wrk connection comes from 127.0.0.1, where real sign-ins come from many
            # addresses: the per-address cap on sign-ins started would stop the login
            # runs. A baseline build may predate the setting (and refuse it as unknown).
            env["LATCHKEY_LIMITS_PENDING_AUTHORIZATIONS_PER_ADDRESS"] = "1000000"
        self.server = Server(name, args, self.port, self.cert, env=env, ready="/readyz")
        self.admin = {"Authorization": f"Bearer {self.token}"}

    def api(self, method, path, body=None):
        return self.server.json(method, "/v2/admin" + path, body, self.admin)

    def provision(self, idp_port, idp_cert=None):
        s = self
        s.api("POST", "/tenants", {"id": "bench", "display_name": "Bench"})
        s.api("POST", "/tenants", {"id": "bench-rs", "display_name": "Bench RS256"})
        s.api("PATCH", "/tenants/bench-rs", {"access_token_alg": "RS256"})
        self.secrets = {}
        for tenant in ("bench", "bench-rs"):
            made = s.api("POST", f"/tenants/{tenant}/clients", {
                "client_id": "cc", "name": "machine", "redirect_uris": [],
                "grant_types": ["client_credentials"], "response_types": [], "scopes": ["read"],
                "token_endpoint_auth_method": "client_secret_basic"})
            self.secrets[(tenant, "cc")] = made["client_secret"]
        for client, alg in (("web-es256", "ES256"), ("web-rs256", "RS256")):
            made = s.api("POST", "/tenants/bench/clients", {
                "client_id": client, "name": client, "redirect_uris": [REDIRECT],
                "grant_types": ["authorization_code", "refresh_token",
                                "urn:ietf:params:oauth:grant-type:token-exchange"],
                "response_types": ["code"],
                "scopes": ["openid", "offline_access"], "token_endpoint_auth_method": "client_secret_basic",
                "id_token_signed_response_alg": alg})
            self.secrets[("bench", client)] = made["client_secret"]
        s.api("POST", "/tenants/bench/accounts", {
            "username": "bench-user", "password": PASSWORD, "scopes": ["openid", "offline_access"],
            "external_authentication_provider_id": "bench-ext"})
        s.api("PUT", "/tenants/bench/introspection", {
            "url": f"https://127.0.0.1:{idp_port}/introspect", "client_id": "bench",
            "client_secret": "bench-idp-secret", "ca_pem": open(idp_cert or self.cert).read()})
        self.api_key = s.api("POST", "/tenants/bench/clients/web-es256/api-keys", {"label": "bench"})["key"]
        self.cookies = Cookies()
        self.sign_in("web-es256")

    def auth(self, tenant, client):
        return basic(client, self.secrets[(tenant, client)])

    def sign_in(self, client):
        def login_page(path, html):
            fields = {k: html_lib.unescape(v) for k, v in re.findall(r'name="(csrf|request)" value="([^"]+)"', html)}
            action = html_lib.unescape(re.search(r'<form method="post" action="([^"]+)"', html).group(1))
            return action, {**fields, "username": "bench-user", "password": PASSWORD}
        return follow_to_code(self.server, self.authorize_path(client), self.cookies, login_page)

    def session_cookie(self):
        return "__Host-latchkey_session=" + self.cookies.jar["__Host-latchkey_session"]

    def scim_auth(self):
        """`Bearer <token>` for tenant bench's SCIM endpoint, the token made on first use."""
        if not hasattr(self, "scim_token"):
            self.scim_token = self.api("POST", "/tenants/bench/scim-tokens", {"label": "bench"})["token"]
        return f"Bearer {self.scim_token}"

    def scim_users(self, path, count):
        """Writes the ids of `count` users made through SCIM to `path`, once."""
        if hasattr(self, "scim_ids"):
            return
        headers = {"Authorization": self.scim_auth(), "Content-Type": "application/scim+json"}
        ids = []
        for i in range(count):
            body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                               "userName": f"patched-{i:04d}@bench.example", "active": True})
            status, _, raw = self.server.request("POST", "/t/bench/scim/v2/Users", body.encode(), headers)
            if status != 201:
                sys.exit(f"SCIM POST /Users: {status} {raw[:300]!r}")
            ids.append(json.loads(raw)["id"])
        with open(path, "w") as f:
            f.write("\n".join(ids) + "\n")
        self.scim_ids = path

    def import_file(self, lines, password):
        """Imports a CSV file of `lines` new accounts (each with `password`, if given) into
        a tenant of its own; returns the seconds the call took."""
        self.imports = getattr(self, "imports", 0) + 1
        tenant = f"import-{self.imports}"
        self.api("POST", "/tenants", {"id": tenant, "display_name": "Import"})
        rows = ["username,email,name,password,scopes,external_authentication_provider_id"]
        for i in range(lines):
            user = f"{tenant}-{i:06d}"
            rows.append(f"{user},{user}@example.com,Imported {i},{password or ''},openid,ext-{i}")
        body = ("\r\n".join(rows) + "\r\n").encode()
        started = time.monotonic()
        status, _, raw = self.server.request(
            "POST", f"/v2/admin/tenants/{tenant}/accounts/import", body,
            {**self.admin, "Content-Type": "text/csv"}, timeout=3600)
        took = time.monotonic() - started
        report = json.loads(raw)
        if status != 200 or report.get("created") != lines:
            sys.exit(f"import of {lines} lines: {status} {raw[:300]!r}")
        return took

    def totp_codes(self, path, duration):
        """Writes the codes of the TOTP accounts for every time step the next run of
        `duration` seconds can reach, enrolling the accounts on first use. A code works
        once per account and step: a run starts in a step after the enrolment's or the
        last run's end, with enough accounts for one step's sign-ins at the rate a
        2-core machine reaches (about 100/s)."""
        if not hasattr(self, "totp_secrets"):
            self.totp_secrets = self.enrol_totp(110 * min(duration, 30) + 100)
            self.totp_run_ended = time.time()
        ended = getattr(self, "totp_run_ended", None)
        if ended is not None and int(time.time()) // 30 == int(ended) // 30:
            time.sleep(30 - time.time() % 30 + 0.1)
        first = int(time.time()) // 30
        with open(path, "w") as f:
            for user, secret in self.totp_secrets.items():
                for step in range(first, first + math.ceil(duration / 30) + 2):
                    f.write(f"{user} {step} {totp(secret, step)}\n")

    def enrol_totp(self, count):
        """Creates `count` accounts and enrols each in TOTP through the sign-in that
        `mfa: required` asks for; returns their secrets by username."""
        self.api("PATCH", "/tenants/bench", {"mfa": "required"})

        def one(i):
            user = f"totp-{i:05d}"
            self.api("POST", "/tenants/bench/accounts", {
                "username": user, "password": PASSWORD, "scopes": ["openid", "offline_access"]})
            secret = []

            def page(path, html):
                fields = {k: html_lib.unescape(v)
                          for k, v in re.findall(r'name="(csrf|request)" value="([^"]+)"', html)}
                action = html_lib.unescape(re.search(r'<form method="post" action="([^"]+)"', html).group(1))
                if 'name="password"' in html:
                    return action, {**fields, "username": user, "password": PASSWORD}
                if 'id="totp-secret"' in html:
                    text = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
                    secret.append(base64.b32decode(text + "=" * (-len(text) % 8)))
                    return action, {**fields, "code": totp(secret[0], int(time.time()) // 30)}
                if 'id="recovery-codes"' in html:
                    return action, {**fields, "continue": "1"}
                sys.exit(f"unexpected page {path}: {html[:300]}")

            follow_to_code(self.server, self.authorize_path("web-es256"), Cookies(), page)
            return user, secret[0]

        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            secrets_by_user = dict(pool.map(one, range(count)))
        self.api("PATCH", "/tenants/bench", {"mfa": "optional"})
        return secrets_by_user

    def passkeys(self, path, count):
        """Writes the passkeys of the bench's passkey accounts to `path` (bench/passkey.mjs's
        keys file), creating `count` accounts and enrolling each first time round through
        the sign-in that `mfa: required` asks for, with the script's software
        authenticator."""
        if hasattr(self, "passkey_keys"):
            return
        users = [f"passkey-{i:03d}" for i in range(count)]
        for user in users:
            self.api("POST", "/tenants/bench/accounts", {
                "username": user, "password": PASSWORD, "scopes": ["openid", "offline_access"]})
        self.api("PATCH", "/tenants/bench", {"mfa": "required"})
        subprocess.run(["node", os.path.join(BENCH, "passkey.mjs"), "enrol", f"https://127.0.0.1:{self.port}",
                        self.public_url, self.authorize_path("web-es256"), PASSWORD, path, *users], check=True)
        self.api("PATCH", "/tenants/bench", {"mfa": "optional"})
        self.passkey_keys = path


class Peer(Target):
    """node oidc-provider 9 from npm, with bench/peer.mjs."""

    name = "peer"
    authorize_base, token_path = "/auth", "/token"

    def __init__(self, folder, cert, key):
        self.port = free_port()
        self.public_url = f"https://127.0.0.1:{self.port}"
        args = ["node", os.path.join(folder, "peer.mjs"), str(self.port), cert, key]
        self.command = " ".join(args)
        self.server = Server("peer", args, self.port, cert, env={"NODE_ENV": "production"})
        self.cookies = Cookies()
        self.sign_in("web-es256")
        self.sign_in("web-rs256")

    def auth(self, _tenant, client):
        return basic(client, PEER_SECRET)

    def sign_in(self, client):
        def interaction(path, html):
            prompt = re.search(r'name="prompt" value="([^"]+)"', html).group(1)
            return path, {"prompt": prompt, "login": "bench-user", "password": "any"}
        return follow_to_code(self.server, self.authorize_path(client), self.cookies, interaction)

    def session_cookie(self):
        return self.cookies.header()


def scenario_args(target, scenario, opts, work):
    """The wrk script and its arguments for `scenario` against `target`, or None when the
    target has no such scenario. Runs whatever set-up the scenario needs first."""
    lk = isinstance(target, Latchkey)
    form = "application/x-www-form-urlencoded"
    if scenario in ("cc_es256", "cc_rs256"):
        alg = scenario[-5:]
        if lk:
            tenant = "bench" if alg == "es256" else "bench-rs"
            return "post.lua", [f"/t/{tenant}/token", "grant_type=client_credentials",
                                target.auth(tenant, "cc"), form]
        return "post.lua", ["/token", "grant_type=client_credentials&scope=read",
                            target.auth(None, f"cc-{alg}"), form]
    if scenario == "cc_dpop":
        path = "/t/bench/token" if lk else "/token"
        prefix = os.path.join(work, f"proofs-{target.name}")
        subprocess.run(["node", os.path.join(BENCH, "proofs.mjs"), f"{target.public_url}{path}",
                        str(opts.duration * PROOFS_PER_SECOND), prefix, str(opts.threads)], check=True)
        if lk:
            return "dpop.lua", [path, "grant_type=client_credentials", target.auth("bench", "cc"), prefix]
        return "dpop.lua", [path, "grant_type=client_credentials&scope=read",
                            target.auth(None, "cc-es256"), prefix]
    if scenario == "introspect":
        if lk:
            token = target.server.form("/t/bench/token", {"grant_type": "client_credentials"},
                                       target.auth("bench", "cc"))["access_token"]
            return "post.lua", ["/t/bench/introspect", f"token={token}", target.auth("bench", "cc"), form]
        token = target.server.form("/token", {"grant_type": "client_credentials"},
                                   target.auth(None, "cc-opaque"))["access_token"]
        return "post.lua", ["/token/introspection", f"token={token}", target.auth(None, "cc-opaque"), form]
    if scenario == "userinfo":
        token = target.code_tokens("web-es256")["access_token"]
        return "get.lua", ["/t/bench/userinfo" if lk else "/me", f"Bearer {token}"]
    if scenario == "refresh":
        families = opts.connections + 4 * opts.threads
        tokens = [target.code_tokens("web-es256")["refresh_token"] for _ in range(families)]
        path = os.path.join(work, f"refresh-{target.name}.txt")
        with open(path, "w") as f:
            f.write("\n".join(tokens) + "\n")
        return "refresh.lua", ["/t/bench/token" if lk else "/token",
                               target.auth("bench", "web-es256"), path, str(opts.threads)]
    if scenario in ("code_es256", "code_rs256"):
        client = "web-" + scenario[-5:]
        return "codeflow.lua", [target.authorize_path(client), target.session_cookie(),
                                "/t/bench/token" if lk else "/token", target.auth("bench", client),
                                urllib.parse.quote(REDIRECT, safe=""), VERIFIER]
    if scenario == "par_code":
        params = urllib.parse.urlsplit(target.authorize_path("web-es256")).query
        authorize = target.authorize_base + "?client_id=web-es256&request_uri="
        return "parflow.lua", ["/t/bench/par" if lk else "/request", params, authorize,
                               target.session_cookie(), "/t/bench/token" if lk else "/token",
                               target.auth("bench", "web-es256"),
                               urllib.parse.quote(REDIRECT, safe=""), VERIFIER]
    if scenario == "jwks":
        return "get.lua", ["/t/bench/jwks" if lk else "/jwks", ""]
    if scenario == "exchange" and lk:
        return "post.lua", ["/v2/sso/exchange-token",
                            json.dumps({"external_provider_access_token": "bench-foreign-token"}),
                            f"API-key {target.api_key}", "application/json"]
    if scenario == "login" and lk:
        return "login.lua", [target.authorize_path("web-es256"), "bench-user", PASSWORD]
    if scenario == "login_totp" and lk and target.name == "latchkey":
        path = os.path.join(work, "totp-codes.txt")
        target.totp_codes(path, opts.duration)
        return "login_totp.lua", [target.authorize_path("web-es256"), PASSWORD, path, str(opts.threads)]
    if scenario == "scim_create" and lk and target.name == "latchkey":
        target.runs = getattr(target, "runs", 0) + 1
        return "scim_create.lua", ["/t/bench/scim/v2/Users", target.scim_auth(), f"run{target.runs}"]
    if scenario == "scim_patch" and lk and target.name == "latchkey":
        path = os.path.join(work, "scim-ids.txt")
        target.scim_users(path, 4 * opts.connections)
        return "scim_patch.lua", ["/t/bench/scim/v2/Users/", target.scim_auth(), path, str(opts.threads)]
    if scenario == "login_passkey" and lk and target.name == "latchkey":
        path = os.path.join(work, "passkeys.jsonl")
        target.passkeys(path, opts.connections)
        return "passkey.mjs", ["run", target.public_url, target.authorize_path("web-es256"), path]
    return None


def wrk(port, script, args, opts, connections=None):
    url = f"https://127.0.0.1:{port}"
    if script.endswith(".mjs"):
        # A load generator of our own for what wrk's Lua cannot do (signing): MODE URL
        # ARGS... CONNECTIONS DURATION, printing the same RESULT line.
        mode, *rest = args
        command = ["node", os.path.join(BENCH, script), mode, url, *rest,
                   str(connections or opts.connections), str(opts.duration)]
    else:
        command = ["wrk", "-t", str(opts.threads), "-c", str(connections or opts.connections),
                   "-d", f"{opts.duration}s", "--latency", "-s", script, url, "--", *args]
    out = subprocess.run(command, cwd=LUA, capture_output=True, text=True, check=False)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"{command[0]} failed: {out.stdout}\n{out.stderr}")
    shown = [c if len(c) < 120 else c[:60] + "…" for c in command]
    return json.loads(line[len("RESULT "):]), " ".join(shown)


def measure(target, scenario, opts, work):
    """One run of `scenario` against `target`: wrk's figures plus CPU and memory."""
    prepared = scenario_args(target, scenario, opts, work)
    if prepared is None:
        return None
    script, args = prepared
    server = target.server
    cpu_before = server.cpu_seconds()
    stop, peak = threading.Event(), [server.memory_kib("VmRSS")]
    sampler = threading.Thread(target=server.sample_rss, args=(stop, peak))
    sampler.start()
    result, command = wrk(server.port, script, args, opts)
    stop.set()
    sampler.join()
    cpu = server.cpu_seconds() - cpu_before
    seconds = result["duration_us"] / 1e6
    if scenario == "login_totp":
        target.totp_run_ended = time.time()
    counted = (result["flows"] if scenario.startswith(("code", "par", "login", "refresh", "cc_dpop", "scim"))
               else result["requests"])
    return {
        "rate": counted / seconds,
        "requests_per_s": result["requests"] / seconds,
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "cpu_s_per_1000": cpu / max(counted, 1) * 1000,
        "errors": result["status_errors"] + result["socket_errors"],
        "rss_peak_mib": peak[0] / 1024,
        "command": command,
    }


SCENARIOS = {
    "cc_es256": "client_credentials, ES256 access token (requests/s)",
    "cc_rs256": "client_credentials, RS256 access token (requests/s)",
    "cc_dpop": "client_credentials with a DPoP proof, ES256 (requests/s)",
    "introspect": "introspection of a valid access token (requests/s)",
    "userinfo": "userinfo (requests/s)",
    "refresh": "refresh-token grant with rotation (requests/s)",
    "code_es256": "authorization code + PKCE with a session, ES256 ID token (flows/s)",
    "code_rs256": "authorization code + PKCE with a session, RS256 ID token (flows/s)",
    "par_code": "pushed authorization request, then code + PKCE with a session (flows/s)",
    "jwks": "JWKS (requests/s)",
    "exchange": "/v2/sso/exchange-token against a local HTTPS IdP (requests/s)",
    "login": "password sign-in, argon2id (sign-ins/s)",
    "login_totp": "password sign-in, argon2id, then a TOTP code (sign-ins/s)",
    "login_passkey": "passwordless passkey sign-in, ES256 (sign-ins/s)",
    "scim_create": "SCIM POST /Users as Entra ID sends it, a new account each (writes/s)",
    "scim_patch": "SCIM PATCH /Users/{id}, Entra ID's Replace operations (writes/s)",
}


RING_BENCH = "ring RSA-2048 sign, all cores"
RING_COMMAND = ["cargo", "bench", "--quiet", "--bench", "hot_paths", "--", "--exact", RING_BENCH,
                "--output-format", "bencher", "--warm-up-time", "1", "--measurement-time", "4"]


def ring_alone():
    """RSA-2048 signatures per second with every core signing and nothing else running:
    the ceiling for RS256 client_credentials, measured between the load runs."""
    out = subprocess.run(RING_COMMAND, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    ns = re.search(r"bench:\s+([\d,]+) ns/iter", out)
    if not ns:
        sys.exit(f"no figure in the output of {' '.join(RING_COMMAND)}:\n{out}")
    return {"rate": 1e9 / int(ns.group(1).replace(",", ""))}


def median_of(runs, key):
    values = [r[key] for r in runs if r and key in r]
    return statistics.median(values) if values else None


def summarise(runs):
    if not any(runs):
        return None
    keys = ("rate", "p50_ms", "p99_ms", "cpu_s_per_1000", "rss_peak_mib", "errors")
    summary = {k: median_of(runs, k) for k in keys}
    summary["runs"] = runs
    return summary


def install_peer(work):
    folder = os.path.join(work, "peer")
    os.makedirs(folder, exist_ok=True)
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", folder,
                    "oidc-provider@9"], check=True)
    version = json.load(open(os.path.join(folder, "node_modules", "oidc-provider", "package.json")))["version"]
    # ES modules resolve packages next to the script, so it runs from the install folder.
    shutil.copy(os.path.join(BENCH, "peer.mjs"), folder)
    return folder, version


def init(data_dir, binary=BINARY):
    """Initialises a data dir; returns the admin token `latchkey init` prints."""
    out = subprocess.run([binary, "init", "--data-dir", data_dir], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def import_accounts(data_dir, count):
    """Fills a new data dir with `count` accounts; returns (admin token, seconds taken)."""
    token = init(data_dir)
    path = os.path.join(data_dir, "..", f"accounts-{count}.jsonl")
    with open(path, "w") as f:
        for i in range(count):
            f.write(f'{{"username":"user{i:07d}","email":"user{i:07d}@example.com"}}\n')
    started = time.monotonic()
    subprocess.run([BINARY, "admin", "--data-dir", data_dir, "import-accounts", path], check=True,
                   capture_output=True)
    os.remove(path)
    return token, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per scenario (3)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset")
    parser.add_argument("--sizes", default="100000,1000000",
                        help="pre-filled store sizes for the growth check ('' to skip)")
    parser.add_argument("--import-lines", type=int, default=10000,
                        help="lines of the CSV account import timed without passwords (0 to skip)")
    parser.add_argument("--import-password-lines", type=int, default=1000,
                        help="lines of the CSV account import timed with passwords (0 to skip)")
    parser.add_argument("--out", default=os.path.join(BENCH, "results"))
    parser.add_argument("--baseline", metavar="BINARY",
                        help="another latchkey binary (an earlier commit's release build) to run in "
                             "the peer's place, interleaved the same way: a before/after comparison")
    opts = parser.parse_args()
    scenarios = [s for s in opts.scenarios.split(",") if s]
    work = tempfile.mkdtemp(prefix="latchkey-bench-")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = os.path.join(opts.out, stamp)
    os.makedirs(out_dir, exist_ok=True)
    report = {"when": stamp, "machine": {"cores": os.cpu_count(), "cpu": cpu_model()},
              "options": vars(opts), "binary_bytes": os.path.getsize(BINARY), "scenarios": {}}
    if not opts.baseline:
        peer_folder, version = install_peer(work)
        report["peer"] = f"oidc-provider {version}, node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}"
    else:
        report["peer"] = f"latchkey {opts.baseline}"
    idp_port = free_port()
    data_dir = os.path.join(work, "latchkey")
    os.makedirs(data_dir)
    lk = Latchkey(data_dir)
    idp = Server("idp", ["node", os.path.join(BENCH, "idp.mjs"), str(idp_port), lk.cert, lk.key],
                 idp_port, lk.cert)
    lk.provision(idp_port)
    if opts.baseline:
        baseline_dir = os.path.join(work, "baseline")
        os.makedirs(baseline_dir)
        peer = Latchkey(baseline_dir, binary=opts.baseline, name="peer")
        # The IdP serves the first latchkey's certificate.
        peer.provision(idp_port, idp_cert=lk.cert)
    else:
        peer = Peer(peer_folder, lk.cert, lk.key)
    time.sleep(1)
    report["ready_ms"] = {"latchkey_empty": lk.server.ready_ms}
    report["rss_idle_mib"] = {"latchkey": lk.server.memory_kib("VmRSS") / 1024,
                              "peer": peer.server.memory_kib("VmRSS") / 1024}
    report["commands"] = {"latchkey": lk.command, "peer": peer.command}
    runs = {s: {"latchkey": [], "peer": []} for s in scenarios}
    ring_runs = []
    for round_no in range(opts.rounds):
        for scenario in scenarios:
            for target in (lk, peer):
                result = measure(target, scenario, opts, work)
                runs[scenario][target.name].append(result)
                if result:
                    print(f"round {round_no + 1} {scenario:11} {target.name:8} {result['rate']:9.0f}/s "
                          f"p50 {result['p50_ms']:7.2f} ms p99 {result['p99_ms']:7.2f} ms "
                          f"cpu {result['cpu_s_per_1000']:.3f} s/1000", flush=True)
            if scenario == "cc_rs256":
                ring_runs.append(ring_alone())
                print(f"round {round_no + 1} ring RSA-2048 signing alone {ring_runs[-1]['rate']:9.0f}/s",
                      flush=True)
    for scenario in scenarios:
        report["scenarios"][scenario] = {
            "what": SCENARIOS[scenario],
            "latchkey": summarise(runs[scenario]["latchkey"]),
            "peer": summarise(runs[scenario]["peer"]),
        }
    if ring_runs:
        report["scenarios"]["cc_rs256"]["ring_alone"] = {
            "rate": statistics.median(r["rate"] for r in ring_runs),
            "runs": ring_runs, "command": " ".join(RING_COMMAND)}
    if "exchange" in scenarios:
        idp_runs = []
        for _ in range(opts.rounds):
            result, command = wrk(idp_port, "post.lua", ["/introspect", "token=bench-foreign-token", "", "application/x-www-form-urlencoded"], opts)
            idp_runs.append({"p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000,
                             "rate": result["requests"] / (result["duration_us"] / 1e6), "command": command})
        report["scenarios"]["exchange"]["idp_alone"] = summarise(idp_runs)
        # Added latency is a one-connection figure: at 32 connections both sides queue.
        single = argparse.Namespace(**{**vars(opts), "threads": 1, "connections": 1})
        alone = {"idp": [], "latchkey": []}
        for _ in range(opts.rounds):
            for who, port, (script, args) in (
                ("idp", idp_port, ("post.lua", ["/introspect", "token=bench-foreign-token", "",
                                                "application/x-www-form-urlencoded"])),
                ("latchkey", lk.server.port, scenario_args(lk, "exchange", single, work)),
            ):
                result, command = wrk(port, script, args, single)
                alone[who].append({"p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000,
                                   "rate": result["requests"] / (result["duration_us"] / 1e6),
                                   "command": command})
        report["scenarios"]["exchange"]["one_connection"] = {k: summarise(v) for k, v in alone.items()}
    report["import"] = {}
    for lines, password in ((opts.import_lines, None), (opts.import_password_lines, PASSWORD)):
        if lines:
            took = lk.import_file(lines, password)
            key = "with_passwords" if password else "without_passwords"
            report["import"][key] = {"lines": lines, "seconds": took, "lines_per_s": lines / took}
            print(f"import of {lines} CSV lines {key.replace('_', ' ')}: {took:.1f} s", flush=True)
    report["rss_idle_after_mib"] = {"latchkey": lk.server.memory_kib("VmRSS") / 1024,
                                    "peer": peer.server.memory_kib("VmRSS") / 1024}
    peer.server.stop()
    idp.stop()
    lk.server.stop()
    report["sizes"] = {}
    for size in [int(s) for s in opts.sizes.split(",") if s]:
        sized_dir = os.path.join(work, f"latchkey-{size}")
        os.makedirs(sized_dir)
        token, import_secs = import_accounts(sized_dir, size)
        sized = Latchkey(sized_dir, token)
        sized.provision(idp_port)
        # The growth check is a ratio like every other figure: an empty store, started
        # and provisioned the same way, runs beside the full one, interleaved, so the
        # machine's drift over the run does not show up as a cost of the store's size.
        empty_dir = os.path.join(work, f"latchkey-empty-beside-{size}")
        os.makedirs(empty_dir)
        empty = Latchkey(empty_dir)
        empty.provision(idp_port)
        entry = {"accounts": size, "import_s": import_secs, "ready_ms": sized.server.ready_ms,
                 "rss_idle_mib": sized.server.memory_kib("VmRSS") / 1024, "scenarios": {},
                 "empty_beside": {}}
        for scenario in ("cc_es256", "code_es256"):
            sized_runs, empty_runs = [], []
            for _ in range(opts.rounds):
                empty_runs.append(measure(empty, scenario, opts, work))
                sized_runs.append(measure(sized, scenario, opts, work))
            entry["scenarios"][scenario] = summarise(sized_runs)
            entry["empty_beside"][scenario] = summarise(empty_runs)
            print(f"{size} accounts {scenario}: {entry['scenarios'][scenario]['rate']:.0f}/s, "
                  f"empty store beside it {entry['empty_beside'][scenario]['rate']:.0f}/s", flush=True)
        empty.server.stop()
        sized.server.stop()
        # Restart on the full store: how long until it answers.
        again = Latchkey(sized_dir, token)
        entry["ready_ms_restart"] = again.server.ready_ms
        again.server.stop()
        report["sizes"][str(size)] = entry
    write_report(report, out_dir)
    shutil.rmtree(work, ignore_errors=True)
    print(f"\nresults in {out_dir}")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def fmt(value, digits=0):
    return "–" if value is None else f"{value:,.{digits}f}"


def write_report(report, out_dir):
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = [
        f"# latchkey vs {report['peer']}",
        "",
        f"{report['when']}, {report['machine']['cores']} cores ({report['machine']['cpu']}); "
        f"wrk {report['options']['threads']} threads, {report['options']['connections']} connections, "
        f"{report['options']['duration']} s per run, median of {report['options']['rounds']} interleaved runs.",
        "",
        "| scenario | latchkey /s | peer /s | ratio | p50 ms (lk / peer) | p99 ms (lk / peer) | CPU s per 1000 (lk / peer) | peak RSS MiB (lk / peer) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in report["scenarios"].items():
        lk, peer = s["latchkey"], s["peer"]
        ratio = f"{lk['rate'] / peer['rate']:.2f}×" if lk and peer and peer["rate"] else "–"
        lines.append(
            f"| {s['what']} | {fmt(lk and lk['rate'])} | {fmt(peer and peer['rate'])} | {ratio} | "
            f"{fmt(lk and lk['p50_ms'], 2)} / {fmt(peer and peer['p50_ms'], 2)} | "
            f"{fmt(lk and lk['p99_ms'], 2)} / {fmt(peer and peer['p99_ms'], 2)} | "
            f"{fmt(lk and lk['cpu_s_per_1000'], 3)} / {fmt(peer and peer['cpu_s_per_1000'], 3)} | "
            f"{fmt(lk and lk['rss_peak_mib'], 1)} / {fmt(peer and peer['rss_peak_mib'], 1)} |")
    rs256 = report["scenarios"].get("cc_rs256")
    if rs256 and rs256.get("ring_alone") and rs256["latchkey"]:
        ring = rs256["ring_alone"]["rate"]
        lines += ["", f"RS256 client_credentials: ring's RSA-2048 signing alone, every core signing, "
                      f"reaches {ring:,.0f} signatures/s between the load runs; latchkey serves "
                      f"{rs256['latchkey']['rate']:,.0f} tokens/s, {rs256['latchkey']['rate'] / ring:.0%} of it."]
    exchange = report["scenarios"].get("exchange")
    if exchange and exchange.get("idp_alone") and exchange["latchkey"]:
        added = exchange["latchkey"]["p50_ms"] - exchange["idp_alone"]["p50_ms"]
        lines += ["", f"Exchange: the IdP alone answers at p50 {exchange['idp_alone']['p50_ms']:.2f} ms; "
                      f"through latchkey p50 {exchange['latchkey']['p50_ms']:.2f} ms, so latchkey adds "
                      f"{added:.2f} ms at p50 (32 connections, where both queue)."]
    if exchange and exchange.get("one_connection"):
        one = exchange["one_connection"]
        added = one["latchkey"]["p50_ms"] - one["idp"]["p50_ms"]
        lines += ["", f"Exchange on one connection: the IdP alone answers at p50 {one['idp']['p50_ms']:.3f} ms, "
                      f"the exchange through latchkey at p50 {one['latchkey']['p50_ms']:.3f} ms: latchkey adds "
                      f"{added:.3f} ms at p50."]
    for key, imp in report.get("import", {}).items():
        lines += ["", f"Account import, a CSV file of {imp['lines']:,} new accounts {key.replace('_', ' ')} "
                      f"in one POST /v2/admin/tenants/{{t}}/accounts/import: {imp['seconds']:.1f} s "
                      f"({imp['lines_per_s']:,.0f} lines/s)."]
    lines += ["", f"Idle RSS: latchkey {report['rss_idle_mib']['latchkey']:.1f} MiB, "
                  f"peer {report['rss_idle_mib']['peer']:.1f} MiB. Binary: "
                  f"{report['binary_bytes'] / 1048576:.1f} MiB. Ready after start (empty store): "
                  f"{report['ready_ms']['latchkey_empty']:.0f} ms."]
    if report["sizes"]:
        lines += ["", "Pre-filled stores, each run interleaved with an empty store beside it:", "",
                  "| accounts in store | import s | ready ms (restart) | idle RSS MiB | "
                  "client_credentials /s (empty beside; ratio) | code flows /s (empty beside; ratio) | "
                  "peak RSS MiB (cc / code) |",
                  "|---|---|---|---|---|---|---|"]
        for size, e in report["sizes"].items():
            cc, code = e["scenarios"]["cc_es256"], e["scenarios"]["code_es256"]
            beside = e["empty_beside"]

            def against(full, empty):
                return f"{fmt(full['rate'])} ({fmt(empty['rate'])}; {full['rate'] / empty['rate']:.0%})"
            lines.append(f"| {int(size):,} | {e['import_s']:.1f} | {e['ready_ms_restart']:.0f} | "
                         f"{fmt(e.get('rss_idle_mib'), 1)} | {against(cc, beside['cc_es256'])} | "
                         f"{against(code, beside['code_es256'])} | "
                         f"{fmt(cc['rss_peak_mib'], 1)} / {fmt(code['rss_peak_mib'], 1)} |")
    lines += ["", "Commands:", "", f"- latchkey: `{report['commands']['latchkey']}`",
              f"- peer: `{report['commands']['peer']}`"]
    for name, s in report["scenarios"].items():
        for who in ("latchkey", "peer"):
            if s[who]:
                lines.append(f"- {name} {who}: `{s[who]['runs'][0]['command']}`")
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    plot(report, out_dir)
    print("\n".join(lines))


def plot(report, out_dir):
    rows = [(n, s["latchkey"], s["peer"]) for n, s in report["scenarios"].items()]
    data = os.path.join(out_dir, "plot.dat")
    with open(data, "w") as f:
        for name, lk, peer in rows:
            f.write(f"{name} {lk['rate'] if lk else 0} {peer['rate'] if peer else 0} "
                    f"{lk['p99_ms'] if lk else 0} {peer['p99_ms'] if peer else 0}\n")
    script = f"""
set terminal pngcairo size 1400,900 font ',10'
set output '{os.path.join(out_dir, 'plot.png')}'
set multiplot layout 2,1
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set xtics rotate by -20
set key top right
set logscale y
set title 'Throughput per scenario (log scale; flows/s for code and login)'
set ylabel 'per second'
plot '{data}' using 2:xtic(1) title 'latchkey' lc rgb '#1f77b4', '' using 3 title 'oidc-provider' lc rgb '#ff7f0e'
set title 'p99 latency per scenario (log scale)'
set ylabel 'ms'
plot '{data}' using 4:xtic(1) title 'latchkey' lc rgb '#1f77b4', '' using 5 title 'oidc-provider' lc rgb '#ff7f0e'
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)


if __name__ == "__main__":
    main()
