// Browser end-to-end test: checkpoints trained in PyTorch load in the page.
//
//   node tests/browser/e2e_torch.mjs SITE_DIR [--out DIR]
//
// native/python/metalab_train.py (Debian's python3-torch) trains, into --out,
//   - MAML on sinusoids (the regression lab's default network: 1-40-40-1 ReLU, K = 10), and
//   - ProtoNet on the classification lab's default glyph setup (14 x 14 glyphs, 300 classes,
//     seed 1, 5-way 1-shot, 5 queries, MLP 64-32 embedding);
// then, in Debian's headless Chromium:
//   1. uploading the torch MAML in the regression lab loads it without error: the lab says it
//      shows the uploaded file at the torch run's iteration count, its predictions change;
//   2. uploading the torch ProtoNet in the classification lab loads it without error: the lab
//      shows the uploaded weights at the torch iteration count, its predictions change, and the
//      lab's own accuracy-vs-shots curve for it beats chance clearly;
//   3. the same ProtoNet with a bad setting (model.classification "True", Python's str(True))
//      shows an error and changes nothing.
// Only status fields the other browser tests rely on are read (window.metalab.status).
// Exit codes: 0 pass, 1 fail, 77 skipped (Chromium, playwright-core or torch missing; torch
// missing fails when METALAB_REQUIRE_TORCH=1, as scripts/test.sh sets it).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { harness } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const h = harness({ script: 'e2e_torch.mjs', needs: ['index.html', 'app.js', 'app.wasm', 'assets.json'],
                     summaryFile: 'summary-torch.json', ignoreAbortedRequests: true,
                     brief: (s) => ({ regression: s.regression, classification: s.classification, page: s.page }) });
const { outDir, summary, check, state, waitFor, waitFrames, shot, upload, watch, checkNoProblems } = h;

const PYTHON = process.env.METALAB_TORCH_PYTHON || '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
if (probe.status !== 0) {
  const require = process.env.METALAB_REQUIRE_TORCH === '1';
  console.error(`${require ? 'FAIL' : 'SKIP'}  ${PYTHON} cannot import torch (apt-get install python3-torch, or run scripts/setup.sh): ` +
                `${(probe.stderr || probe.error || '').toString().trim().split('\n').pop()}`);
  process.exit(require ? 1 : 77);
}

// Runs metalab_train.py; returns the checkpoint's path.
function torchTrain(name, flags) {
  const out = path.join(outDir, name);
  const t0 = Date.now();
  const r = spawnSync(PYTHON, [path.join(root, 'native', 'python', 'metalab_train.py'), ...flags, '--log-every', '0',
                               '--threads', '1', '--out', out], { encoding: 'utf8', timeout: 300000 });
  check(r.status === 0, `metalab_train.py writes ${name}`, r.status === 0 ? `${((Date.now() - t0) / 1000).toFixed(1)} s`
        : `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return out;
}

// The checkpoint's metadata as written (8-byte length, JSON header).
function metadataOf(file) {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return { bytes, n, header: JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) };
}

// The same file with one metadata value replaced.
function withMetadata(file, key, value, name) {
  const { bytes, n, header } = metadataOf(file);
  header.__metadata__[key] = value;
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  const out = path.join(outDir, name);
  writeFileSync(out, Buffer.concat([len, Buffer.from(text), bytes.subarray(8 + n)]));
  return out;
}

async function main() {
  const MAML_IT = 200, PROTO_IT = 150;
  const maml = torchTrain('torch-maml-sinusoid.safetensors',
                          ['--learner', 'maml', '--task', 'sinusoid', '--hidden', '40,40', '--meta-batch', '10',
                           '--iterations', String(MAML_IT), '--seed', '4']);
  const proto = torchTrain('torch-protonet-glyphs14.safetensors',
                           ['--learner', 'protonet', '--task', 'glyphs', '--image-size', '14', '--task-option',
                            'glyph_classes=300', '--task-option', 'glyph_seed=1', '--task-seed', '1', '--ways', '5',
                            '--shots', '1', '--queries', '5', '--backbone', 'mlp', '--hidden', '64,32', '--meta-batch',
                            '2', '--seed', '1', '--iterations', String(PROTO_IT)]);
  check(metadataOf(proto).header.__metadata__.created_by.startsWith('metalab_torch'),
        'the checkpoints say they were written by metalab_torch', metadataOf(proto).header.__metadata__.created_by);

  const s = await h.start();
  const context = await s.browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  watch(page, 'torch checkpoints');

  // ---- 1. regression lab
  await page.goto(`${s.url}#view=regression`, { waitUntil: 'load' });
  let st = await waitFor(page, 'the regression lab with its shipped checkpoint',
                         (x) => x.frames >= 3 && x.status.regression.ready && x.status.regression.origin.startsWith('shipped'),
                         60000);
  const before = st.status.regression;
  st = await upload(page, maml);
  check(st.status.page.last_error === '', 'the torch MAML uploads into the regression lab without error',
        st.status.page.last_error);
  st = await waitFor(page, 'the regression lab to show the torch MAML',
                     (x) => x.status.regression.ready && x.status.regression.origin.startsWith('uploaded'), 20000);
  await waitFrames(page, 3);
  st = await state(page);
  const reg = st.status.regression;
  summary.regression = { origin: reg.origin, iteration: reg.iteration, task: reg.task };
  check(reg.iteration === MAML_IT && reg.task === 'sinusoid' && reg.origin.includes('torch-maml-sinusoid'),
        'the regression lab shows the uploaded torch MAML at its iteration count',
        `${reg.origin}; iteration ${reg.iteration}; task ${reg.task}`);
  check(reg.checksum !== before.checksum, 'the regression lab predicts with the torch weights',
        `checksum ${before.checksum} -> ${reg.checksum}`);
  summary.screenshots.push((await shot(page, 'torch-regression.png')).file);

  // ---- 2. classification lab
  await page.evaluate(() => {
    window.location.hash = '#view=classification&learner=protonet&dataset=glyphs&ways=5&shots=1&seed=1';
  });
  st = await waitFor(page, 'the classification lab with the shipped ProtoNet',
                     (x) => x.status.view === 'classification_lab' && x.status.classification.ready &&
                            x.status.classification.weights === 'shipped', 60000);
  const shipped = st.status.classification;
  st = await upload(page, proto);
  check(st.status.page.last_error === '', 'the torch ProtoNet uploads into the classification lab without error',
        st.status.page.last_error);
  st = await waitFor(page, 'the classification lab to show the torch ProtoNet',
                     (x) => x.status.classification.weights === 'uploaded' && x.status.classification.ready, 20000);
  await waitFrames(page, 3);
  st = await state(page);
  const cls = st.status.classification;
  check(cls.iteration === PROTO_IT && cls.learner === 'protonet' && cls.dataset === 'glyphs' && cls.checksum !== shipped.checksum,
        'the classification lab shows the uploaded torch ProtoNet and predicts with it',
        `weights ${cls.weights}, iteration ${cls.iteration}, checksum ${shipped.checksum} -> ${cls.checksum}`);
  st = await waitFor(page, 'the accuracy-vs-shots curve of the torch ProtoNet',
                     (x) => x.status.classification.curve.length === 10 &&
                            x.status.classification.curve_iteration === PROTO_IT, 90000);
  const curve = st.status.classification.curve;
  summary.torch_protonet_curve = curve;
  summary.screenshots.push((await shot(page, 'torch-classification.png')).file);
  check(curve[0] > 0.5, 'the lab measures the torch ProtoNet well above chance at 1 shot (chance 0.2)',
        `accuracy by shots ${JSON.stringify(curve.map((v) => Number(v.toFixed(3))))}`);

  // ---- 3. a bad export changes nothing
  const good = (await state(page)).status.classification;
  const bad = withMetadata(proto, 'model.classification', 'True', 'torch-protonet-python-bool.safetensors');
  st = await upload(page, bad);
  await waitFrames(page, 3);
  st = await state(page);
  check(st.status.page.last_error.includes('torch-protonet-python-bool') && st.status.classification.checksum === good.checksum &&
        st.status.classification.weights === 'uploaded',
        'a torch export with a bad setting shows an error naming it and changes nothing', st.status.page.last_error);
  checkNoProblems('after the torch uploads');
}

h.run(main);
