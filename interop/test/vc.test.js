// civicproof credentials checked by W3C VC 2.0 / Data Integrity
// implementations: @digitalbazaar/vc with eddsa-jcs-2022 verifies the
// proof set's Data Integrity proof; jsonld.js expands the document in safe
// mode (it throws on any term it would drop). Fixture:
// testdata/interop/go/credential.json (credential tests, -update-interop).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {documentLoader, testdata, CIVICPROOF_CONTEXT_URL} from '../lib/loader.js';

const path = join(testdata, 'go', 'credential.json');
const credential = JSON.parse(readFileSync(path, 'utf8'));

// Revocation is civicproof's own (a Poseidon2 tree whose root is on the
// ledger; civicproof's Verifier checks it). A W3C verifier is given a
// status check that accepts the civicproof status entry it recognises, so
// that what is tested here is the securing mechanism.
const statusChecked = [];
async function checkStatus({credential}) {
  const {credentialStatus: s} = credential;
  statusChecked.push(s);
  const ok = s.type === 'CivicproofRevocationTree' && s.statusRegistry === credential.issuer;
  return {verified: ok};
}

const verify = c => vc.verifyCredential({
  credential: c,
  suite: new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()}),
  documentLoader,
  checkStatus
});

test('@digitalbazaar/vc verifies a civicproof credential (eddsa-jcs-2022 in its proof set)', async t => {
  t.diagnostic(`VC JSON with both proofs: ${JSON.stringify(credential).length} bytes compact (${statSync(path).size} indented)`);
  const result = await verify(structuredClone(credential));
  assert.equal(result.verified, true, JSON.stringify(result.error ?? result, null, 1));
  assert.equal(statusChecked.length, 1);
  const [proof] = result.results;
  assert.equal(proof.proof.cryptosuite, 'eddsa-jcs-2022');
  assert.equal(proof.verificationMethod.id, credential.issuer + '#' + credential.issuer.slice('did:key:'.length));
});

test('@digitalbazaar/vc refuses a tampered civicproof credential', async () => {
  for(const edit of [
    c => { c.credentialSubject.district = 'Ward 8'; },
    c => { c.validFrom = '2026-11-25T08:00:00Z'; },
    c => { c.credentialStatus.revocationIndex += 1; },
    c => { c.issuer = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'; },
  ]) {
    const c = structuredClone(credential);
    edit(c);
    const result = await verify(c);
    assert.equal(result.verified, false);
    // Refused for its proof, not for anything else.
    assert.equal(result.results?.length, 1, JSON.stringify(result.error?.message));
    assert.equal(result.results[0].verified, false);
    assert.match(String(result.results[0].error?.message ?? result.results[0].error), /signature|verif/i);
  }
});

test('jsonld.js expands a civicproof credential in safe mode and keeps every term', async () => {
  const expanded = await jsonld.expand(structuredClone(credential), {documentLoader, safe: true});
  const flat = JSON.stringify(expanded);
  const schemaVocab = 'https://w3id.org/civicproof/v1/claims#';
  for(const claim of Object.keys(credential.credentialSubject).filter(k => k !== 'id')) {
    assert.ok(flat.includes(JSON.stringify(schemaVocab + claim)), `claim ${claim} expanded`);
  }
  for(const iri of [
    'https://w3id.org/civicproof/v1#schema', 'https://w3id.org/civicproof/v1#revocationIndex',
    'https://w3id.org/civicproof/v1#statusRegistry', 'https://w3id.org/civicproof/v1#CivicproofEdDSABN254Poseidon2',
    'https://w3id.org/civicproof/v1#typeId', 'https://w3id.org/civicproof/v1#holderBinding',
    'https://w3id.org/civicproof/v1#salt', 'https://w3id.org/civicproof/v1#claimSalts',
    'https://w3id.org/security#cryptosuite', 'https://w3id.org/security#proofValue',
  ]) {
    assert.ok(flat.includes(JSON.stringify(iri)), `${iri} present`);
  }
  // Without civicproof's contexts, safe mode refuses the document: the
  // check above is not vacuous.
  const bare = structuredClone(credential);
  bare['@context'] = ['https://www.w3.org/ns/credentials/v2'];
  await assert.rejects(jsonld.expand(bare, {documentLoader, safe: true}));
  // Every term the context defines is used or reachable through a type.
  const ctx = (await documentLoader(CIVICPROOF_CONTEXT_URL)).document;
  assert.ok(ctx['@context']['@protected']);
});
