// A civicproof SD-JWT VC presentation verified by @sd-jwt/sd-jwt-vc: issuer
// signature (EdDSA by the did:key in iss), disclosures, key binding (nonce
// checked by the library, aud by this test). Fixture:
// testdata/interop/go/sdjwt-presentation.json (credential/sdjwt tests,
// -update-interop).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {digest} from '@sd-jwt/crypto-nodejs';
import {testdata} from '../lib/loader.js';
import {kbVerifier, publicKeyOfDid, verifierFor} from '../lib/sdjwt.js';

const fx = JSON.parse(readFileSync(join(testdata, 'go', 'sdjwt-presentation.json'), 'utf8'));

async function verify(presentation, nonce = fx.nonce) {
  const sdjwt = new SDJwtVcInstance({
    verifier: verifierFor(await publicKeyOfDid(fx.issuer)), hasher: digest, hashAlg: 'sha-256', kbVerifier
  });
  return sdjwt.verify(presentation, {keyBindingNonce: nonce, currentDate: fx.now, requiredClaimKeys: ['vct', 'cnf']});
}

test('@sd-jwt/sd-jwt-vc verifies a civicproof SD-JWT VC presentation with key binding', async t => {
  t.diagnostic(`SD-JWT VC issued ${fx.issued.length} bytes, presented ${fx.presentation.length} bytes`);
  const result = await verify(fx.presentation);
  assert.equal(result.header.typ, 'dc+sd-jwt');
  assert.equal(result.payload.iss, fx.issuer);
  assert.ok(result.kb, 'key binding JWT verified');
  assert.equal(result.kb.payload.aud, fx.audience);
  assert.equal(result.kb.payload.nonce, fx.nonce);
  for(const [name, value] of Object.entries(fx.disclosed)) {
    assert.equal(result.payload[name], value, name);
  }
  for(const name of fx.undisclosed) {
    assert.equal(result.payload[name], undefined, `${name} hidden`);
  }
});

test('@sd-jwt/sd-jwt-vc refuses a tampered civicproof presentation', async () => {
  await assert.rejects(verify(fx.presentation, 'another-nonce'), /nonce/i);
  // A disclosure swapped for an invented one.
  const parts = fx.presentation.split('~');
  parts[1] = Buffer.from(JSON.stringify(['c2FsdA', 'district', 'Ward 9'])).toString('base64url');
  await assert.rejects(verify(parts.join('~')), /digest|disclosure|sd_hash|hash/i);
  // The issuer JWT's payload altered.
  const [h, p, s] = fx.presentation.split('~')[0].split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  payload.exp += 86400;
  const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
  await assert.rejects(verify([forged, ...fx.presentation.split('~').slice(1)].join('~')), /signature|verif/i);
});
