// A stand-in for Omnia's arena-worker, for the `node` test tier (build-node.sh makes it the
// entrypoint of an image on the kubejobs base): it does what the kubejobs controller's worker Job
// contract asks of a worker, and nothing of a real evaluation. It finds its work item from
// JOB_COMPLETION_INDEX (set by Kubernetes) in ARENA_WORK_ITEMS, reads the bundle ARENA_ARTIFACT_URL
// names (file:// only: a ConfigMap bundle mounted into the pod), prints one line about what it
// ran and one about where it ran, and exits 0, or 1 when the scenario's name contains `fail`, so
// per-index retries and failed items can be shown with real containers.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

function fail(message) {
  process.stderr.write(`arena-worker: ${message}\n`);
  process.exit(2);
}

function need(name) {
  const value = process.env[name];
  if (value === undefined || value === '') fail(`${name} is not set`);
  return value;
}

const index = Number(need('JOB_COMPLETION_INDEX'));
const items = JSON.parse(need('ARENA_WORK_ITEMS'));
if (!Array.isArray(items) || !Number.isInteger(index) || index < 0 || index >= items.length) {
  fail(`no work item ${index} in ARENA_WORK_ITEMS (${items.length} items)`);
}
const item = items[index];

const url = need('ARENA_ARTIFACT_URL');
if (!url.startsWith('file://')) fail(`ARENA_ARTIFACT_URL ${url}: this worker reads file:// bundles only`);
const bundle = fs.readFileSync(url.slice('file://'.length));
const pack = JSON.parse(bundle.toString('utf-8'));
const sha256 = crypto.createHash('sha256').update(bundle).digest('hex');

// The pod's restricted settings as seen from inside: the root filesystem refuses a write, /tmp takes one.
let root;
try {
  fs.writeFileSync('/arena-worker-probe', '');
  root = 'writable';
} catch (err) {
  root = err.code;
}
const scratch = fs.mkdtempSync(path.join('/tmp', 'arena-worker-'));
fs.rmSync(scratch, { recursive: true });

const job = `${process.env.ARENA_JOB_NAMESPACE}/${process.env.ARENA_JOB_NAME}`;
console.log(`item ${index}/${items.length} of ${job}: scenario=${item.scenario} provider=${item.provider}` +
  ` pack=${pack.name} sha256=${sha256} revision=${process.env.ARENA_ARTIFACT_REVISION}`);
console.log(`uid=${process.getuid()} gid=${process.getgid()} root=${root} tmp=writable`);
if (String(item.scenario).includes('fail')) {
  // On stdout too: the runtime copies stdout and stderr separately, so their lines may swap in the log.
  console.log(`scenario ${item.scenario} fails, as its name says`);
  process.exitCode = 1;
}
