// The benchmark's peer: node oidc-provider 9, configured as latchkey's bench tenants
// are, served over HTTPS with the same certificate.
//   node peer.mjs PORT CERT_PEM KEY_PEM
import https from 'node:https';
import fs from 'node:fs';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const [port, certFile, keyFile] = process.argv.slice(2);
const issuer = `https://127.0.0.1:${port}`;
const REDIRECT = 'https://app.example/cb';
const SECRET = 'bench-client-secret-0123456789abcdef';

function signingKey(alg) {
  const pair = alg === 'ES256'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...pair.privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: alg.toLowerCase() };
}

const web = (id, alg) => ({
  client_id: id,
  client_secret: SECRET,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: alg,
});
const machine = (id) => ({
  client_id: id,
  client_secret: SECRET,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
});

// Machine clients get JWT access tokens like latchkey's (ES256 or RS256); `cc-opaque`
// gets the peer's native opaque tokens, which are what its introspection can answer for.
const jwtAlg = (client) => ({ 'cc-es256': 'ES256', 'cc-rs256': 'RS256' }[client.clientId]);

// oidc-provider's built-in development adapter is an LRU of 1,000 entries: under load it
// evicts the session and grants mid-run. A plain Map keeps everything, as a real store
// (Redis, a database) would; expiry is checked on read.
const stores = new Map();
const grants = new Map();
class MapAdapter {
  constructor(name) {
    this.name = name;
    if (!stores.has(name)) stores.set(name, new Map());
    this.store = stores.get(name);
  }

  async upsert(id, payload, expiresIn) {
    const expires = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    this.store.set(id, { payload, expires });
    if (payload.grantId) {
      if (!grants.has(payload.grantId)) grants.set(payload.grantId, []);
      grants.get(payload.grantId).push([this.name, id]);
    }
    if (payload.uid) this.store.set(`uid:${payload.uid}`, { payload, expires });
    if (payload.userCode) this.store.set(`user:${payload.userCode}`, { payload, expires });
  }

  async find(id) {
    const entry = this.store.get(id);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.store.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) { return this.find(`uid:${uid}`); }

  async findByUserCode(userCode) { return this.find(`user:${userCode}`); }

  async consume(id) {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { this.store.delete(id); }

  async revokeByGrantId(grantId) {
    for (const [name, id] of grants.get(grantId) ?? []) stores.get(name)?.delete(id);
    grants.delete(grantId);
  }
}

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [
    machine('cc-es256'), machine('cc-rs256'), machine('cc-opaque'),
    web('web-es256', 'ES256'), web('web-rs256', 'RS256'),
  ],
  jwks: { keys: [signingKey('ES256'), signingKey('RS256')] },
  cookies: { keys: ['bench-cookie-signing-key-0123456789'] },
  scopes: ['openid', 'offline_access', 'read'],
  claims: { openid: ['sub'], profile: ['name'] },
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
    devInteractions: { enabled: true },
    // DPoP-bound tokens for the cc_dpop scenario (on by default in oidc-provider 9, said
    // here so the scenario does not rest on a default); no nonce, as latchkey sends none.
    dPoP: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client) => (jwtAlg(client) ? 'https://api.example/' : undefined),
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => ({
        scope: 'read',
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: jwtAlg(client) ?? 'ES256' } },
      }),
    },
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: 'Bench User' }),
  }),
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86400 * 30 },
});

https
  .createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, provider.callback())
  .listen(Number(port), '127.0.0.1', () => console.log(`peer listening on ${issuer}`));
