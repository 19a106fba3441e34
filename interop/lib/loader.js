// An offline JSON-LD document loader: the W3C contexts come from their npm
// packages, the civicproof context from the Go repository's embedded copy,
// and did:key identifiers resolve with @digitalbazaar/did-method-key.
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {dirname, join} from 'node:path';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import x25519Context from 'x25519-key-agreement-2020-context';
import ed25519Context from 'ed25519-signature-2020-context';
import * as didMethodKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {X25519KeyAgreementKey2020} from '@digitalbazaar/x25519-key-agreement-key-2020';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const testdata = join(repoRoot, 'testdata', 'interop');

export const CIVICPROOF_CONTEXT_URL = 'https://w3id.org/civicproof/v1';

const contexts = new Map();
for(const [url, ctx] of credentialsContext.contexts) {
  contexts.set(url, ctx);
}
contexts.set(didContext.constants.DID_CONTEXT_URL, didContext.contexts.get(didContext.constants.DID_CONTEXT_URL));
for(const [url, ctx] of multikeyContext.contexts) {
  contexts.set(url, ctx);
}
for(const [url, ctx] of x25519Context.contexts) {
  contexts.set(url, ctx);
}
for(const [url, ctx] of ed25519Context.contexts) {
  contexts.set(url, ctx);
}
contexts.set(CIVICPROOF_CONTEXT_URL, JSON.parse(readFileSync(
  join(repoRoot, 'credential', 'contexts', 'civicproof-v1.jsonld'), 'utf8')));

// didKeyDriver resolves did:key with Multikey documents (the 2023 form).
export function newDidKeyDriver() {
  const driver = didMethodKey.driver();
  driver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  driver.use({multibaseMultikeyHeader: 'z6LS', fromMultibase: X25519KeyAgreementKey2020.from});
  return driver;
}

const driver = newDidKeyDriver();

export const requested = [];

// documentLoader never touches the network: an unknown URL is an error.
export async function documentLoader(url) {
  requested.push(url);
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url.startsWith('did:key:')) {
    const document = await driver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`offline document loader: unknown URL ${url}`);
}
