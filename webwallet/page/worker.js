// The wallet's WebAssembly runs here, in a dedicated worker, so that a
// proof (seconds of computation on one thread) never blocks the page. The
// page calls the wasm API (globalThis.civicproof in this worker) with
// messages {id, fn, args} and gets {id, result} or {id, error}.
"use strict";
importScripts("wasm_exec.js");
const started = (async () => {
  const go = new Go();
  const ready = new Promise((r) => self.addEventListener("civicproof-ready", r, { once: true }));
  const t0 = performance.now();
  const { instance } = await WebAssembly.instantiateStreaming(fetch("wallet.wasm"), go.importObject);
  go.run(instance);
  await ready;
  return { wasmMs: Math.round(performance.now() - t0), mem: instance.exports.mem };
})();
self.onmessage = async (ev) => {
  const { id, fn, args } = ev.data;
  try {
    const { wasmMs, mem } = await started;
    const result = fn === "start" ? { wasmMs } : await self.civicproof[fn](...args);
    self.postMessage({ id, result, memMB: Math.round(mem.buffer.byteLength / 1048576) });
  } catch (e) {
    self.postMessage({ id, error: String((e && e.message) || e) });
  }
};
