// The citizen's page: plain JavaScript over the wallet's wasm API, which
// runs in a Web Worker (worker.js) so that proving never blocks the page.
// Storage: the encrypted wallet and the sealed grants in IndexedDB, the
// proving key and compiled circuit in the Cache API.
"use strict";
const $ = (id) => document.getElementById(id);
const timings = (window.civicproofTimings = {});
let cfg;

// civicproof.fn(...args) posts {id, fn, args} to the worker and resolves
// with its answer. Byte arrays are transferred, not copied.
const worker = new Worker("worker.js");
const calls = new Map();
let seq = 0;
worker.onmessage = (ev) => {
  const { id, result, error, memMB } = ev.data;
  const c = calls.get(id);
  calls.delete(id);
  if (memMB) timings.wasmMemoryMB = memMB;
  if (error !== undefined) c.reject(new Error(error)); else c.resolve(result);
};
worker.onerror = (ev) => {
  for (const c of calls.values()) c.reject(new Error("the wallet worker failed: " + ev.message));
  calls.clear();
};
const civicproof = (window.civicproof = new Proxy({}, {
  get: (_, fn) => (...args) => new Promise((resolve, reject) => {
    const id = ++seq;
    calls.set(id, { resolve, reject });
    worker.postMessage({ id, fn, args }, args.filter((a) => a instanceof Uint8Array).map((a) => a.buffer));
  }),
}));

function show(id) {
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== id;
  const h = $(id) && $(id).querySelector("h2");
  if (h) { h.tabIndex = -1; h.focus(); }
}
function status(text, cls) { const s = $("status"); s.textContent = text; s.className = cls || ""; }

function idb(mode, fn) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("civicproof", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("wallet");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("wallet", mode);
      const req = fn(tx.objectStore("wallet"));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
    };
  });
}
const loadSealed = () => idb("readonly", (s) => s.get("sealed"));
const saveSealed = (b64) => idb("readwrite", (s) => s.put(b64, "sealed"));
const loadGrants = () => idb("readonly", (s) => s.get("grants"));
// saveGrants stores the grants and last verified access log, sealed by the
// wallet under a key only the passphrase opens.
async function saveGrants() {
  const b64 = await civicproof.grants();
  await idb("readwrite", (s) => s.put(b64, "grants"));
}

async function cachedBytes(url) {
  const cache = await caches.open("civicproof-keys-v1");
  let resp = await cache.match(url);
  const hit = !!resp;
  if (!resp) {
    resp = await fetch(url);
    if (!resp.ok) throw new Error("fetching " + url + ": " + resp.status);
    await cache.put(url, resp.clone());
  }
  return { bytes: new Uint8Array(await resp.arrayBuffer()), hit };
}

function humanize(code) {
  return code.replace(/^dpv:/, "").replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());
}

async function loadKeys() {
  const t0 = performance.now();
  const pk = await cachedBytes(cfg.keysUrl + "/pk.bin");
  const cs = await cachedBytes(cfg.keysUrl + "/circuit.cs");
  const out = await civicproof.loadKeys(pk.bytes, cs.bytes);
  timings.keysMs = Math.round(performance.now() - t0);
  timings.keysCached = pk.hit && cs.hit;
  $("keys").textContent = "Proving key " + out.fingerprint + "… checked against the ledger (" +
    (timings.keysCached ? "from this device's cache" : "downloaded") + ", " + timings.keysMs + " ms).";
}

async function refreshHome(n, grants) {
  $("creds").textContent = (n === 0 ? "Your wallet holds no credential yet." : "Your wallet holds " + n + " credential" + (n > 1 ? "s" : "") + ".") +
    (grants ? " You have given " + grants + " consent" + (grants > 1 ? "s" : "") + " (see who used your data)." : "");
}

async function unlock(ev) {
  ev.preventDefault();
  $("unlock-btn").disabled = true;
  status("Opening your wallet…");
  try {
    const sealed = await loadSealed();
    const grants = await loadGrants();
    const out = await civicproof.unlock($("pass").value, sealed || "", grants || "");
    await saveSealed(out.sealed);
    timings.unlockMs = out.unlockMs;
    timings.grants = out.grants;
    await refreshHome(out.credentials, out.grants);
    status("Wallet open. Checking the proving key…");
    show("home");
    await loadKeys();
    status("Wallet ready.", "ready");
  } catch (e) {
    status("Could not open the wallet: " + e.message, "refused");
    $("unlock-btn").disabled = false;
  }
}

async function receive() {
  status("Collecting your credential…");
  try {
    const offer = await (await fetch(cfg.offerUrl)).json();
    const out = await civicproof.receive(offer);
    await saveSealed(out.sealed);
    await refreshHome(out.credentials, 0);
    status("Credential received and stored encrypted on this device.", "accepted");
  } catch (e) { status("Could not receive the credential: " + e.message, "refused"); }
}

async function visit(agency) {
  status("Asking " + agency.label + "…");
  try {
    const resp = await fetch(agency.sessionUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ template: agency.template }) });
    if (!resp.ok) throw new Error("the agency answered " + resp.status);
    const session = (window.civicproofSession = await resp.json());
    const v = await civicproof.request(session.request_uri);
    $("r-agency").textContent = v.agency + " (registered with " + v.governance + ")";
    $("r-purpose").textContent = humanize(v.purpose) + " (" + v.notice + ")";
    $("r-basis").textContent = humanize(v.legalBasis);
    const ul = $("r-proven"); ul.textContent = "";
    for (const p of v.proven) { const li = document.createElement("li"); li.textContent = p + " — proven without revealing the value"; ul.append(li); }
    $("r-disclosed").textContent = v.disclosed.length ? v.disclosed.join(", ") : "Nothing";
    $("r-duration").textContent = v.consentFor + ", until " + v.until + " (from your " + v.credential + " credential)";
    status("Please review the request.");
    show("request");
  } catch (e) {
    status(e.message, "refused");
  }
}

async function accept() {
  show("progress");
  status("Proving…");
  await new Promise((r) => setTimeout(r, 50)); // let the progress paint
  const t0 = performance.now();
  try {
    const out = await civicproof.accept();
    timings.acceptMs = Math.round(performance.now() - t0);
    timings.proveMs = out.proveMs;
    $("result-text").textContent = "Accepted. The agency verified your proof (made in " + (out.proveMs / 1000).toFixed(1) +
      " s on this device) and learned only what you agreed to. Access record #" + out.result.access_index + " is on the ledger.";
    $("result-text").className = "accepted";
    status("Proof accepted.", "accepted");
  } catch (e) {
    $("result-text").textContent = "Refused: " + e.message;
    $("result-text").className = "refused";
    status("The agency refused the answer.", "refused");
  }
  try { await saveGrants(); } catch (e) { status("Could not store your consent on this device: " + e.message, "refused"); }
  show("result");
}

async function refuse() {
  try {
    await civicproof.refuse();
    $("result-text").textContent = "You refused. Nothing was proven; the agency was told only that you refused (access_denied).";
    $("result-text").className = "refused";
    status("Request refused.");
  } catch (e) {
    $("result-text").textContent = "You refused; nothing was proven, but the agency could not be told: " + e.message;
    $("result-text").className = "refused";
    status("Request refused; the agency was not reached.", "refused");
  }
  show("result");
}

async function showLog() {
  status("Fetching your access log and checking it against the ledger…");
  try {
    const view = await civicproof.accessLog();
    await saveGrants();
    const list = $("log-list"); list.textContent = "";
    if (view.grants.length === 0) list.textContent = "You have given no consent from this wallet.";
    for (const g of view.grants) {
      const div = document.createElement("div");
      const h = document.createElement("h3");
      h.textContent = g.agency + (g.withdrawn ? " — consent withdrawn" : " — consent given");
      div.append(h);
      const t = document.createElement("table");
      t.innerHTML = "<caption>Uses of this consent</caption><thead><tr><th scope=col>When</th><th scope=col>Why</th><th scope=col>Ledger record</th></tr></thead>";
      const tb = document.createElement("tbody");
      for (const a of g.accesses) {
        const tr = document.createElement("tr");
        for (const c of [new Date(a.time).toLocaleString(), humanize(a.purpose), "#" + a.index]) { const td = document.createElement("td"); td.textContent = c; tr.append(td); }
        tb.append(tr);
      }
      t.append(tb); div.append(t);
      if (!g.withdrawn && !view.cached) {
        const b = document.createElement("button");
        b.type = "button"; b.className = "withdraw-btn"; b.textContent = "Withdraw consent given to " + g.agency;
        b.onclick = async () => {
          b.disabled = true;
          try { await civicproof.withdraw(g.id); await showLog(); status("Consent withdrawn. The log above is verified against the ledger.", "accepted"); }
          catch (e) { status("Could not withdraw: " + e.message, "refused"); b.disabled = false; }
        };
        div.append(b);
      }
      list.append(div);
    }
    const when = new Date(view.verifiedAt).toLocaleString();
    if (view.cached) {
      $("log-verified").textContent = "The ledger could not be checked now (" + view.reason + "). Below is the log as last verified, " + when + ".";
      status("Access log as last verified.", "refused");
    } else {
      $("log-verified").textContent = "Every entry below was checked against the ledger's signed checkpoint (" + when + ").";
      status("Access log verified.", "ready");
    }
    show("log");
  } catch (e) { status("Could not verify the access log: " + e.message, "refused"); }
}

async function start() {
  cfg = await (await fetch("config.json")).json();
  timings.wasmMs = (await civicproof.start()).wasmMs;
  await civicproof.init(cfg);
  if (cfg.offerUrl) {
    const b = document.createElement("button"); b.type = "button"; b.id = "receive-btn";
    b.textContent = "Collect my identity credential"; b.onclick = receive; $("actions").append(b);
  }
  cfg.agencies.forEach((a, i) => {
    const b = document.createElement("button"); b.type = "button"; b.id = "visit-" + i; b.className = "secondary";
    b.textContent = "Visit " + a.label; b.onclick = () => visit(a); $("actions").append(b);
  });
  $("unlock-form").onsubmit = unlock;
  $("accept-btn").onclick = accept;
  $("refuse-btn").onclick = refuse;
  $("log-btn").onclick = showLog;
  for (const b of document.querySelectorAll(".home-btn")) b.onclick = () => { show("home"); status("Wallet ready.", "ready"); };
  status("Wallet loaded (" + timings.wasmMs + " ms). Enter your passphrase.");
  show("unlock");
}
start().catch((e) => status("The wallet could not start: " + e.message, "refused"));
