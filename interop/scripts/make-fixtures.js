// Writes the Node-made fixtures under testdata/interop/node/, which the Go
// tests read: credentials signed by @digitalbazaar/vc with eddsa-jcs-2022,
// did:key documents from @digitalbazaar/did-method-key (Multikey and 2020
// forms) and an SD-JWT VC presentation made with @sd-jwt/sd-jwt-vc.
// Deterministic: fixed seeds and dates. Run by interop/regenerate.
import {mkdirSync, writeFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as didMethodKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import {documentLoader, newDidKeyDriver, testdata} from '../lib/loader.js';
import {makeSdJwtFixtures} from '../lib/sdjwt.js';

const out = join(testdata, 'node');

function write(rel, value) {
  const path = join(out, rel);
  mkdirSync(join(path, '..'), {recursive: true});
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n');
}

async function multikeyDid(seedByte) {
  const kp = await Ed25519Multikey.generate({seed: new Uint8Array(32).fill(seedByte)});
  const {didDocument, methodFor} = await newDidKeyDriver().fromKeyPair({verificationKeyPair: kp});
  const method = methodFor({purpose: 'assertionMethod'});
  kp.id = method.id;
  kp.controller = didDocument.id;
  return {kp, didDocument};
}

async function credentials() {
  const issuer = await multikeyDid(0x41);
  const stranger = await multikeyDid(0x42);
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2', {'@vocab': 'https://example.org/vocab#'}],
    id: 'urn:uuid:9b0c4a6e-2f55-4c3b-9a52-0a3e6c2d1f00',
    type: ['VerifiableCredential', 'ExampleDegreeCredential'],
    issuer: issuer.didDocument.id,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: {id: 'did:example:holder', degree: {type: 'BachelorDegree', name: 'Bachelor of Science'}}
  };
  const sign = (key, doc) => vc.issue({
    credential: structuredClone(doc),
    suite: new DataIntegrityProof({signer: key.kp.signer(), cryptosuite: createSignCryptosuite(), date: '2026-01-01T00:00:00Z'}),
    documentLoader
  });
  const valid = await sign(issuer, credential);
  const tampered = structuredClone(valid);
  tampered.credentialSubject.degree.name = 'Doctor of Science';
  const badValue = structuredClone(valid);
  badValue.proof.proofValue = badValue.proof.proofValue.slice(0, -2) + (badValue.proof.proofValue.endsWith('1') ? '22' : '11');
  // Signed by another key while naming the first as issuer.
  const mismatch = await sign(stranger, credential);
  const cases = [
    ['valid', 'credential signed by @digitalbazaar/vc with eddsa-jcs-2022, issuer trusted', valid, [issuer.didDocument.id], ''],
    ['untrusted', 'valid credential whose issuer is not trusted', valid, [stranger.didDocument.id], 'ErrUnknownIssuer'],
    ['tampered-claim', 'a claim changed after signing', tampered, [issuer.didDocument.id], 'ErrBadSignature'],
    ['tampered-proof-value', 'the proof value changed', badValue, [issuer.didDocument.id], 'ErrBadSignature'],
    ['issuer-mismatch', 'a valid proof by a trusted key that is not the named issuer', mismatch, [stranger.didDocument.id], 'ErrProofMismatch'],
  ];
  for(const [name, desc, document, trusted, wantErr] of cases) {
    write(`credentials/${name}.json`, {desc, trusted, wantErr, document});
  }
}

async function didDocuments() {
  const {didDocument: multikey} = await multikeyDid(0x43);
  const driver2020 = didMethodKey.driver();
  driver2020.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519VerificationKey2020.from});
  const kp = await Ed25519VerificationKey2020.generate({seed: new Uint8Array(32).fill(0x43)});
  const {didDocument: form2020} = await driver2020.fromKeyPair({verificationKeyPair: kp});
  const {didDocument: other} = await multikeyDid(0x44);
  const foreignKA = structuredClone(form2020);
  foreignKA.keyAgreement[0].publicKeyMultibase = (await driver2020.fromKeyPair({
    verificationKeyPair: await Ed25519VerificationKey2020.generate({seed: new Uint8Array(32).fill(0x44)})
  })).didDocument.keyAgreement[0].publicKeyMultibase;
  const wrongController = structuredClone(multikey);
  wrongController.verificationMethod[0].controller = other.id;
  const cases = [
    ['multikey', 'did:key document in the Multikey form (@digitalbazaar/did-method-key with ed25519-multikey)', multikey, ''],
    ['form-2020', 'did:key document in the 2020 form, keyAgreement embedded (Ed25519VerificationKey2020)', form2020, ''],
    ['foreign-key-agreement', '2020 form whose embedded X25519 key is another DID\'s', foreignKA, 'ErrInvalidDocument'],
    ['wrong-controller', 'Multikey form whose key is controlled by another DID', wrongController, 'ErrInvalidDocument'],
  ];
  for(const [name, desc, document, wantErr] of cases) {
    write(`did-key/${name}.json`, {desc, wantErr, document});
  }
}

rmSync(out, {recursive: true, force: true});
await credentials();
await didDocuments();
await makeSdJwtFixtures(write);
console.log(`wrote ${out}`);
