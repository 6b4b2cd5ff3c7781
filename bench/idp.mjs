// A fast local HTTPS identity provider for the exchange scenario: every POST to
// /introspect answers an active token for the bench account.
//   node idp.mjs PORT CERT_PEM KEY_PEM
import https from 'node:https';
import fs from 'node:fs';

const [port, certFile, keyFile] = process.argv.slice(2);
const answer = JSON.stringify({ active: true, sub: 'bench-ext', account_id: 'bench-ext', client_id: 'bench' });

const server = https.createServer(
  { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) },
  (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  },
);
server.keepAliveTimeout = 60000;
server.listen(Number(port), '127.0.0.1', () => console.log(`idp listening on ${port}`));
