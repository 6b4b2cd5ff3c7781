// DPoP proofs for the cc_dpop scenario (RFC 9449 §4.2), made before a run because wrk's
// Lua cannot sign: COUNT proofs by one fresh ES256 key for POST at HTU, each with its
// own jti, spread over FILES files (one per wrk thread, PREFIX-1.txt ...).
//   node proofs.mjs HTU COUNT PREFIX FILES
import crypto from 'node:crypto';
import fs from 'node:fs';

const [htu, count, prefix, files] = process.argv.slice(2);
const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
// Servers accept an iat up to 60 s either side of now: dated 40 s ahead, the proofs
// stay good from their making until 100 s later, past the end of a run.
const iat = Math.floor(Date.now() / 1000) + 40;
const out = Array.from({ length: Number(files) }, (_, i) => fs.openSync(`${prefix}-${i + 1}.txt`, 'w'));
for (let n = 0; n < Number(count); n += 1) {
  const input = `${header}.${b64({ jti: crypto.randomUUID(), htm: 'POST', htu, iat })}`;
  const signature = crypto.sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  fs.writeSync(out[n % out.length], `${input}.${signature.toString('base64url')}\n`);
}
out.forEach((fd) => fs.closeSync(fd));
