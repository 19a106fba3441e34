// civicproof did:key documents against @digitalbazaar/did-method-key.
// Fixture: testdata/interop/go/did-documents.json (identity tests,
// -update-interop).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import * as didMethodKey from '@digitalbazaar/did-method-key';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import {X25519KeyAgreementKey2020} from '@digitalbazaar/x25519-key-agreement-key-2020';
import {newDidKeyDriver, testdata} from '../lib/loader.js';

const ours = JSON.parse(readFileSync(join(testdata, 'go', 'did-documents.json'), 'utf8'));

test('did:key documents match @digitalbazaar/did-method-key field by field', async () => {
  const multikey = newDidKeyDriver();
  const form2020 = didMethodKey.driver();
  form2020.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519VerificationKey2020.from});
  form2020.use({multibaseMultikeyHeader: 'z6LS', fromMultibase: X25519KeyAgreementKey2020.from});
  assert.ok(ours.length > 0);
  for(const doc of ours) {
    const theirs = await multikey.get({did: doc.id});
    for(const [field, value] of Object.entries(theirs)) {
      if(field === 'verificationMethod') {
        // Theirs lists the Ed25519 Multikey; ours adds the X25519 key that
        // keyAgreement references.
        assert.deepEqual(doc.verificationMethod[0], value[0], `${doc.id} verificationMethod[0]`);
        assert.equal(value.length, 1);
      } else {
        assert.deepEqual(doc[field], value, `${doc.id} ${field}`);
      }
    }
    assert.ok(doc.capabilityDelegation, 'capabilityDelegation present');
    // The key agreement key is the one the 2020 form derives.
    const old = await form2020.get({did: doc.id});
    const [ka] = old.keyAgreement;
    assert.deepEqual(doc.keyAgreement, [ka.id]);
    const x = doc.verificationMethod.find(m => m.id === ka.id);
    assert.equal(x.publicKeyMultibase, ka.publicKeyMultibase);
    assert.equal(x.controller, ka.controller);
    assert.equal(x.type, 'Multikey');
    // Every key resolves through their driver by its id.
    for(const m of doc.verificationMethod) {
      const resolved = await form2020.get({url: m.id});
      assert.equal(resolved.publicKeyMultibase, m.publicKeyMultibase);
    }
  }
});
