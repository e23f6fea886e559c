// A byte relay between a TCP port and a Unix socket, for operators the `operators` tier runs in a
// private network namespace (operators-tier.ts). A Unix socket is a file: it crosses network
// namespaces, so one relay in the host namespace and one inside connect the two loopbacks.
//
//   node netns-relay.js tcp:127.0.0.1:PORT=unix:/path.sock ... unix:/path.sock=tcp:127.0.0.1:PORT ...
//
// Each argument listens on its left side and connects each accepted connection to its right side.
// The relay exits when its parent process is gone, so it never outlives the operator it serves.
'use strict';
const fs = require('node:fs');
const net = require('node:net');

function endpoint(spec) {
  if (spec.startsWith('unix:')) return { path: spec.slice('unix:'.length) };
  const m = /^tcp:([0-9.]+):(\d+)$/.exec(spec);
  if (!m) throw new Error(`bad endpoint '${spec}': want tcp:127.0.0.1:PORT or unix:/path`);
  return { host: m[1], port: Number(m[2]) };
}

for (const arg of process.argv.slice(2)) {
  const [from, to] = arg.split('=');
  const listen = endpoint(from);
  const target = endpoint(to);
  if (listen.path) fs.rmSync(listen.path, { force: true });
  // allowHalfOpen: a side that finished sending may still receive (pipe() forwards each end).
  const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
    const outbound = net.connect({ ...target, allowHalfOpen: true });
    // pipe() ends the other side once one side has ended and its data is flushed; an error
    // (a reset, a refused connection) tears both down.
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const abort = () => { inbound.destroy(); outbound.destroy(); };
    inbound.on('error', abort);
    outbound.on('error', abort);
  });
  server.on('error', (err) => { process.stderr.write(`netns-relay: ${arg}: ${err.message}\n`); process.exit(1); });
  server.listen(listen.path ? listen.path : { host: listen.host, port: listen.port }, () => {
    process.stderr.write(`netns-relay: ${arg} listening\n`);
  });
}

const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(0);
  }
}, 1000).unref();
// Keep running while servers listen; the interval above is unref'd so it does not hold the loop.
