// The exported Groth16 verifier, compiled with solc-js and deployed in an
// in-process EVM (@ethereumjs/vm): a real civicproof proof is accepted, a
// tampered proof or input is refused. Fixture: testdata/interop/go/groth16
// (written by the zkp tests with -update-interop; see interop/regenerate).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import solc from 'solc';
import {createVM, runTx} from '@ethereumjs/vm';
import {Common, Mainnet, Hardfork} from '@ethereumjs/common';
import {createLegacyTx} from '@ethereumjs/tx';
import {Account, bytesToHex, hexToBytes, createAddressFromPrivateKey} from '@ethereumjs/util';
import {keccak_256} from '@noble/hashes/sha3.js';
import {testdata} from '../lib/loader.js';

const dir = join(testdata, 'go', 'groth16');
const fixture = JSON.parse(readFileSync(join(dir, 'calldata.json'), 'utf8'));
const source = readFileSync(join(dir, 'Verifier.sol'), 'utf8');

function compile() {
  const input = {
    language: 'Solidity',
    sources: {'Verifier.sol': {content: source}},
    settings: {optimizer: {enabled: true, runs: 200}, evmVersion: 'cancun',
      outputSelection: {'*': {'*': ['abi', 'evm.bytecode.object']}}}
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter(e => e.severity === 'error');
  assert.deepEqual(errors, [], 'solc errors');
  const [name, contract] = Object.entries(out.contracts['Verifier.sol'])[0];
  return {name, abi: contract.abi, bytecode: contract.evm.bytecode.object};
}

function selector(signature) {
  return bytesToHex(keccak_256(new TextEncoder().encode(signature)).slice(0, 4)).slice(2);
}

// ABI encoding of verifyProof(bytes proof, uint256[1] input).
function calldata(proofHex, inputHex) {
  const word = n => n.toString(16).padStart(64, '0');
  const proofLen = proofHex.length / 2;
  return '0x' + selector('verifyProof(bytes,uint256[1])') +
    word(0x40) + inputHex.padStart(64, '0') + word(proofLen) + proofHex;
}

test('exported Solidity verifier accepts the real proof and refuses tampered ones in an EVM', async t => {
  const {name, bytecode} = compile();
  const common = new Common({chain: Mainnet, hardfork: Hardfork.Cancun});
  const vm = await createVM({common});
  const key = hexToBytes('0x' + '11'.repeat(32));
  const sender = createAddressFromPrivateKey(key);
  await vm.stateManager.putAccount(sender, new Account(0n, 10n ** 20n));
  const send = async (data, to) => {
    const {nonce} = await vm.stateManager.getAccount(sender);
    const tx = createLegacyTx({nonce, gasPrice: 10n, gasLimit: 10_000_000n, data, to}, {common}).sign(key);
    return runTx(vm, {tx, block: undefined, skipBlockGasLimitValidation: true});
  };
  const deploy = await send('0x' + bytecode);
  assert.equal(deploy.execResult.exceptionError, undefined, 'deployment');
  const address = deploy.createdAddress;
  t.diagnostic(`contract ${name}: ${bytecode.length / 2} bytes, deployed for ${deploy.totalGasSpent} gas`);

  const call = async (proof, input) => vm.evm.runCall({
    to: address, caller: sender, origin: sender, gasLimit: 10_000_000n,
    data: hexToBytes(calldata(proof, input))
  });
  const ok = await call(fixture.proof, fixture.input);
  assert.equal(ok.execResult.exceptionError, undefined, 'real proof accepted');
  t.diagnostic(`verifyProof: ${ok.execResult.executionGasUsed} gas (execution, call data excluded); calldata ${calldata(fixture.proof, fixture.input).length / 2 - 1} bytes`);
  // As a transaction, with intrinsic and call data gas.
  const tx = await send(calldata(fixture.proof, fixture.input), address);
  assert.equal(tx.execResult.exceptionError, undefined, 'real proof accepted in a transaction');
  t.diagnostic(`verifyProof transaction: ${tx.totalGasSpent} gas in total`);

  const badProof = await call(fixture.tamperedProof, fixture.input);
  assert.ok(badProof.execResult.exceptionError, 'tampered proof refused');
  const badInput = await call(fixture.proof, fixture.tamperedInput);
  assert.ok(badInput.execResult.exceptionError, 'tampered input refused');
});
