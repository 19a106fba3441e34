import * as vc from '@digitalbazaar/vc';
import {readFileSync} from 'node:fs';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {documentLoader} from './lib/loader.js';
const credential = JSON.parse(readFileSync('../testdata/interop/go/credential.json'));
const r = await vc.verifyCredential({credential, suite: new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()}), documentLoader});
console.log(r.verified, r.error, JSON.stringify(r.results, null, 1)?.slice(0, 3000));
