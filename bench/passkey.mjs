// Passkey sign-ins for the login_passkey scenario (latchkey only), with a software
// authenticator, since wrk's Lua cannot sign. Two modes:
//   node passkey.mjs enrol URL ORIGIN AUTHORIZE_PATH PASSWORD KEYS_FILE USER...
//     signs each USER in with its password on a tenant with `mfa: required` and adds a
//     passkey on the enrolment page that sign-in leads to ("none" attestation, ES256),
//     writing each credential and its private key to KEYS_FILE, one JSON object a line.
//   node passkey.mjs run URL ORIGIN AUTHORIZE_PATH KEYS_FILE CONNECTIONS DURATION
//     runs passwordless sign-ins from scratch (authorization request, sign-in page,
//     POST of the assertion) on CONNECTIONS keep-alive connections for DURATION
//     seconds, then prints the RESULT line wrk's done() prints in bench/lua/common.lua.
// URL is where to connect (https://127.0.0.1:PORT); ORIGIN is the public URL the
// server runs with (https://localhost:PORT), which the relying-party id and the
// client data's origin come from. The certificate is the bench's own self-signed one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';

const sha256 = (data) => crypto.createHash('sha256').update(data).digest();
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

// The CBOR (RFC 8949) subset an attestation object needs: unsigned and negative
// integers, byte and text strings, and maps.
function cbor(value) {
  const head = (major, n) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Map) {
    const parts = [head(5, value.size)];
    for (const [k, v] of value) parts.push(cbor(k), cbor(v));
    return Buffer.concat(parts);
  }
  throw new Error(`no CBOR for ${typeof value}`);
}

// Flags of authenticator data: user present, user verified, attested credential data.
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

function authData(rpId, flags, attested) {
  // The signature counter stays 0, as a synced passkey's does (SPEC's counter rule).
  return Buffer.concat([sha256(rpId), Buffer.from([flags, 0, 0, 0, 0]), attested || Buffer.alloc(0)]);
}

function clientData(type, challenge, origin) {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

// The answer to a registration's options: a new ES256 key under a random credential id.
function register(options, origin) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const coseKey = cbor(new Map([[1, 2], [3, -7], [-1, 1],
    [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
  const credId = crypto.randomBytes(32);
  const length = Buffer.from([credId.length >> 8, credId.length & 0xff]);
  const attested = Buffer.concat([Buffer.alloc(16), length, credId, coseKey]);
  const attestation = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()],
    ['authData', authData(options.rp.id, UP | UV | AT, attested)]]));
  const answer = {
    id: b64url(credId), rawId: b64url(credId), type: 'public-key',
    response: {
      attestationObject: b64url(attestation),
      clientDataJSON: b64url(clientData('webauthn.create', options.challenge, origin)),
    },
    extensions: {},
  };
  const key = { credId: b64url(credId), userHandle: options.user.id,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) };
  return { answer, key };
}

// The answer to a sign-in's options by the credential `key`.
function assert(options, origin, key) {
  const data = authData(options.rpId, UP | UV);
  const client = clientData('webauthn.get', options.challenge, origin);
  const signature = crypto.sign('sha256', Buffer.concat([data, sha256(client)]), key.privateKey);
  return {
    id: key.credId, rawId: key.credId, type: 'public-key',
    response: {
      authenticatorData: b64url(data), clientDataJSON: b64url(client),
      signature: b64url(signature), userHandle: key.userHandle,
    },
    extensions: {},
  };
}

const unescape = (s) => s.replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
  .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number(d)))
  .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// Each form of a page: its attributes and hidden fields, unescaped.
function forms(html) {
  return [...html.matchAll(/<form ([^>]*)>([\s\S]*?)<\/form>/g)].map(([, attrs, inner]) => {
    const attr = (name) => {
      const m = attrs.match(new RegExp(`${name}="([^"]*)"`));
      return m ? unescape(m[1]) : null;
    };
    const fields = {};
    for (const [, name, value] of inner.matchAll(/name="([^"]+)" value="([^"]*)"/g)) fields[name] = unescape(value);
    return { action: attr('action'), webauthn: attr('data-webauthn'), options: attr('data-options'), fields, inner };
  });
}

// One keep-alive connection and the cookies of the flow on it.
class Client {
  constructor(url, origin, latencies) {
    const { hostname, port } = new URL(url);
    this.origin = origin;
    this.host = hostname;
    this.port = port;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    this.latencies = latencies;
    this.jar = new Map();
  }

  request(method, path, form) {
    const body = form ? new URLSearchParams(form).toString() : null;
    const headers = {};
    if (this.jar.size) headers.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: this.host, port: this.port, method, path, headers, agent: this.agent,
        rejectUnauthorized: false,
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          this.latencies.push(Number(process.hrtime.bigint() - started) / 1000);
          for (const cookie of res.headers['set-cookie'] || []) {
            const [pair] = cookie.split(';');
            const at = pair.indexOf('=');
            const name = pair.slice(0, at).trim();
            if (pair.slice(at + 1)) this.jar.set(name, pair.slice(at + 1));
            else this.jar.delete(name);
          }
          resolve({ status: res.statusCode, location: res.headers.location, body: Buffer.concat(chunks).toString() });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  // Follows a flow from `path` until a redirect leaves the server; `onPage` answers each
  // page with [action, fields] to POST. Returns the last redirect's location, and counts
  // each answer of 400 or more in `errors`.
  async follow(path, onPage, errors) {
    let method = 'GET';
    let form = null;
    for (let step = 0; step < 10; step += 1) {
      const res = await this.request(method, path, form);
      if (res.status >= 400) errors.status += 1;
      if (res.status === 302 || res.status === 303) {
        if (!res.location.startsWith('/') && !res.location.startsWith(`${this.origin}/`)) return res.location;
        const next = new URL(res.location, this.origin);
        [method, path, form] = ['GET', next.pathname + next.search, null];
      } else if (res.status === 200) {
        const answer = onPage(res.body);
        if (!answer) return null;
        [method, [path, form]] = ['POST', answer];
      } else {
        return null;
      }
    }
    return null;
  }
}

async function enrol([url, origin, authorize, password, keysFile, ...users]) {
  const out = fs.openSync(keysFile, 'w');
  for (const user of users) {
    const client = new Client(url, origin, []);
    let key = null;
    const location = await client.follow(authorize, (html) => {
      const all = forms(html);
      const create = all.find((f) => f.webauthn === 'create');
      if (create) {
        const made = register(JSON.parse(create.options).publicKey, origin);
        key = made.key;
        return [create.action, { ...create.fields, passkey: JSON.stringify(made.answer), passkey_name: 'bench' }];
      }
      const plain = all.find((f) => !f.webauthn);
      if (plain && plain.inner.includes('name="password"')) return [plain.action, { ...plain.fields, username: user, password }];
      if (plain && html.includes('id="recovery-codes"')) return [plain.action, { ...plain.fields, continue: '1' }];
      throw new Error(`unexpected page for ${user}: ${html.slice(0, 300)}`);
    }, { status: 0 });
    if (!key || !location || !location.includes('code=')) throw new Error(`${user}: enrolment ended at ${location}`);
    fs.writeSync(out, `${JSON.stringify(key)}\n`);
    client.agent.destroy();
  }
  fs.closeSync(out);
}

async function run([url, origin, authorize, keysFile, connections, duration]) {
  const keys = fs.readFileSync(keysFile, 'utf8').trim().split('\n')
    .map((line) => JSON.parse(line))
    .map((k) => ({ ...k, privateKey: crypto.createPrivateKey(k.privateKey) }));
  const latencies = [];
  const errors = { status: 0, socket: 0 };
  let flows = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const end = Date.now() + Number(duration) * 1000;
  const worker = async () => {
    const client = new Client(url, origin, latencies);
    while (Date.now() < end) {
      client.jar.clear();
      const key = keys[next++ % keys.length];
      try {
        let answered = false;
        const location = await client.follow(authorize, (html) => {
          // A second page is a refusal: the flow has failed, and is not retried.
          const get = !answered && forms(html).find((f) => f.webauthn === 'get');
          if (!get) return null;
          answered = true;
          const answer = assert(JSON.parse(get.options).publicKey, origin, key);
          return [get.action, { ...get.fields, passkey: JSON.stringify(answer) }];
        }, errors);
        if (location && /[?&]code=/.test(location)) flows += 1;
      } catch {
        errors.socket += 1;
      }
    }
    client.agent.destroy();
  };
  await Promise.all(Array.from({ length: Number(connections) }, worker));
  const durationUs = Number(process.hrtime.bigint() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p) => Math.round(latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p / 100))] : 0);
  const mean = latencies.reduce((s, v) => s + v, 0) / Math.max(latencies.length, 1);
  process.stdout.write(`\nRESULT ${JSON.stringify({
    requests: latencies.length, duration_us: Math.round(durationUs), status_errors: errors.status,
    socket_errors: errors.socket, p50_us: at(50), p99_us: at(99), mean_us: Number(mean.toFixed(1)), flows,
  })}\n`);
}

const [mode, ...args] = process.argv.slice(2);
await (mode === 'enrol' ? enrol(args) : run(args));
