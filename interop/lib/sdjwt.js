// SD-JWT VC with @sd-jwt/sd-jwt-vc: EdDSA signers and verifiers over
// node:crypto, and the Node-made fixture the Go tests verify.
import {createPrivateKey, createPublicKey, sign, verify} from 'node:crypto';
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {digest, generateSalt} from '@sd-jwt/crypto-nodejs';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

export const AUDIENCE = 'https://verifier.example/agency';
export const NONCE = 'nonce-8f3b2a';
export const KB_TIME = 1795507200; // 2026-11-24T08:00:00Z, the fixtures' clock

// Ed25519 key pair from a 32-byte seed, as node:crypto KeyObjects.
export function keyPairFromSeed(seed) {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)]);
  const privateKey = createPrivateKey({key: pkcs8, format: 'der', type: 'pkcs8'});
  return {privateKey, publicKey: createPublicKey(privateKey)};
}

export const signerFor = privateKey => data => sign(null, Buffer.from(data), privateKey).toString('base64url');
export const verifierFor = publicKey => (data, sig) => verify(null, Buffer.from(data), publicKey, Buffer.from(sig, 'base64url'));

// The issuer's key from its did:key, as a node:crypto KeyObject.
export async function publicKeyOfDid(did) {
  const fragment = did.slice('did:key:'.length);
  const key = await Ed25519Multikey.from({
    id: `${did}#${fragment}`, controller: did, type: 'Multikey', publicKeyMultibase: fragment
  });
  const jwk = await Ed25519Multikey.toJwk({keyPair: key});
  return createPublicKey({key: jwk, format: 'jwk'});
}

export const kbVerifier = (data, sig, payload) =>
  verify(null, Buffer.from(data), createPublicKey({key: payload.cnf.jwk, format: 'jwk'}), Buffer.from(sig, 'base64url'));

async function didOf(publicKey) {
  const jwk = publicKey.export({format: 'jwk'});
  const key = await Ed25519Multikey.fromJwk({jwk});
  return `did:key:${key.publicKeyMultibase}`;
}

export async function makeSdJwtFixtures(write) {
  const issuer = keyPairFromSeed(new Uint8Array(32).fill(0x51));
  const holder = keyPairFromSeed(new Uint8Array(32).fill(0x52));
  const issuerDid = await didOf(issuer.publicKey);
  const sdjwt = new SDJwtVcInstance({
    signer: signerFor(issuer.privateKey), signAlg: 'EdDSA', verifier: verifierFor(issuer.publicKey),
    hasher: digest, hashAlg: 'sha-256', saltGenerator: generateSalt,
    kbSigner: signerFor(holder.privateKey), kbSignAlg: 'EdDSA', kbVerifier
  });
  const claims = {
    iss: issuerDid, iat: KB_TIME - 3600, exp: KB_TIME + 365 * 86400,
    vct: 'https://credentials.example/identity_credential',
    cnf: {jwk: holder.publicKey.export({format: 'jwk'})},
    given_name: 'Lan', family_name: 'Nguyen', district: 'Ward 3', birthdate: '2000-02-29'
  };
  const issued = await sdjwt.issue(claims, {_sd: ['given_name', 'family_name', 'district', 'birthdate']},
    {header: {kid: `${issuerDid}#${issuerDid.slice(8)}`}});
  const presentation = await sdjwt.present(issued, {district: true, birthdate: true},
    {kb: {payload: {iat: KB_TIME, aud: AUDIENCE, nonce: NONCE}}});
  write('sdjwt/presentation.json', {
    desc: 'SD-JWT VC issued and presented with @sd-jwt/sd-jwt-vc (EdDSA, key binding): district and birthdate disclosed',
    issuer: issuerDid, audience: AUDIENCE, nonce: NONCE, now: KB_TIME,
    disclosed: {district: 'Ward 3', birthdate: '2000-02-29'}, undisclosed: ['given_name', 'family_name'],
    presentation
  });
}
