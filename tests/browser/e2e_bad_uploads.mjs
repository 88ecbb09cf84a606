// Browser end-to-end test: the page under bad uploads, in Debian's headless Chromium.
//
//   node tests/browser/e2e_bad_uploads.mjs SITE_DIR [--out DIR]
//
// 45 corrupted files of every kind the page accepts (safetensors checkpoints,
// CSV tables, PNG and JPEG images), made here from good ones with a seeded
// generator: truncated, bit-flipped where a flip must break the file (the
// length prefix, JSON punctuation, PNG and JPEG header fields), random bytes,
// empty, and huge claimed sizes (a 2^62-byte header, 4e15-byte tensors, a
// 200,000-column table, 2^31-pixel and 65,500 x 65,500 images). Each must
//   1. show an error naming the file in window.metalab.status.page.last_error,
//   2. change nothing: the view, every lab's predictions checksum, the
//      classification lab's data, weights and iteration, the regression
//      lab's weights, the memory lab's uploads;
//   3. leave no page error, console error or failed request.
// Then the good files they were made from are accepted (so the corruption,
// not the file kind, was refused).
// Exit codes: 0 pass, 1 fail, 77 skipped (Chromium or playwright-core missing).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { harness } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const h = harness({ script: 'e2e_bad_uploads.mjs', needs: ['index.html', 'app.js', 'app.wasm', 'assets.json'],
                     summaryFile: 'summary-bad-uploads.json', ignoreAbortedRequests: true,
                     brief: (s) => ({ view: s.view, page: s.page }) });
const { siteDir, summary, check, state, waitFor, waitFrames, upload, watch, checkNoProblems } = h;

// ---- the seeded generator and the corruptions
function rng(seed) {  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = (seed, n) => {
  const r = rng(seed);
  return Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
};
const cut = (b, n) => Buffer.from(b.subarray(0, n));
const flip = (b, offset, bit = 0) => {
  const c = Buffer.from(b);
  c[offset] ^= 1 << bit;
  return c;
};
const withBytes = (b, offset, bytes) => {
  const c = Buffer.from(b);
  Buffer.from(bytes).copy(c, offset);
  return c;
};

// safetensors: u64 header length, JSON header, data.
function safetensorsCases(good) {
  const n = Number(good.readBigUInt64LE(0));
  const headerText = good.subarray(8, 8 + n).toString('latin1');
  const at = (ch, k = 0) => {  // offset in the file of the k-th occurrence of ch in the header
    let i = -1;
    for (let j = 0; j <= k; j++) i = headerText.indexOf(ch, i + 1);
    return 8 + i;
  };
  const rewrite = (edit) => {  // the header edited as JSON, with a length prefix that fits
    const header = JSON.parse(headerText);
    edit(header);
    const text = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(text.length));
    return Buffer.concat([len, text, good.subarray(8 + n)]);
  };
  const firstTensor = (header) => header[Object.keys(header).find((k) => k !== '__metadata__')];
  const lenPrefix = (v) => withBytes(good, 0, (() => { const l = Buffer.alloc(8); l.writeBigUInt64LE(v); return l; })());
  return [
    ['empty', Buffer.alloc(0)],
    ['shorter than its length prefix', cut(good, 7)],
    ['truncated in the header', cut(good, 8 + Math.floor(n / 2))],
    ['truncated after the header', cut(good, 8 + n)],
    ['truncated by one byte', cut(good, good.length - 1)],
    ['truncated to half', cut(good, good.length >> 1)],
    ['a 2^62-byte header claimed', lenPrefix(1n << 62n)],
    ['a header longer than the file claimed', lenPrefix(BigInt(good.length))],
    ['bit flip in the length prefix', flip(good, 3, 7)],
    ["bit flip in the header's '{'", flip(good, at('{'))],
    ["bit flip in a '\"'", flip(good, at('"', 4))],
    ["bit flip in a ':'", flip(good, at(':', 2))],
    ["bit flip in a '['", flip(good, at('['))],
    ['4e15-byte tensor offsets', rewrite((hd) => { firstTensor(hd).data_offsets[1] = 4e15; })],
    ['a 1e9 x 1e9 shape', rewrite((hd) => { firstTensor(hd).shape = [1e9, 1e9]; })],
    ['an unknown dtype', rewrite((hd) => { firstTensor(hd).dtype = 'Q8'; })],
    ['random bytes', random(1, 4096)],
  ];
}

// CSV: 6 classes of 12 rows, 8 features (as the classification lab's own test uploads).
function goodCsv() {
  let csv = 'id,species,f1,f2,f3,f4,f5,f6,f7,f8\n';
  let id = 0;
  for (let k = 0; k < 6; k++) for (let i = 0; i < 12; i++) {
    const row = [];
    for (let f = 0; f < 8; f++) row.push((((k * 7 + f * 3) % 5) + 0.3 * Math.sin(id * 1.7 + f) + 1).toFixed(3));
    csv += `s${id++},class${k},${row.join(',')}\n`;
  }
  return Buffer.from(csv);
}
function csvCases(good) {
  const text = good.toString();
  const lines = text.split('\n');
  const line5 = text.indexOf(lines[5]);
  const digit = line5 + lines[5].lastIndexOf('.') + 1;  // a digit of the last feature of row 5
  const comma = line5 + lines[5].lastIndexOf(',');
  // Without the id column (else the ids, all distinct, would be the labels).
  const oneClass = lines.map((l, i) => (!l ? l : (i === 0 ? l : l.replace(/class\d/, 'class0')).replace(/^[^,]*,/, ''))).join('\n');
  return [
    ['truncated in a quoted field', Buffer.from(text.slice(0, line5) + '"s4,class0,1.5\n')],
    ['a ragged row', Buffer.from(text.replace(lines[3], lines[3].slice(0, lines[3].lastIndexOf(','))))],
    ['bit flip in a number', flip(good, digit, 6)],
    ['bit flip in a comma', flip(good, comma, 0)],
    ['header only', Buffer.from(lines[0] + '\n')],
    ['one class', Buffer.from(oneClass)],
    ['an infinite feature', Buffer.from(text.replace(lines[7], lines[7].replace(/,[^,]*$/, ',inf')))],
    ['200,000 columns claimed', Buffer.from('label' + ','.repeat(200000) + '\nx\n')],
    ['UTF-16 with NULs', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.slice(0, 400), 'utf16le')])],
    ['random bytes', random(2, 2048)],
  ];
}

// PNG: signature, IHDR (width 16, height 20, depth 24, colour type 25), then IDAT.
function pngCases(good) {
  const idat = good.indexOf('IDAT') + 4;  // the zlib stream's first byte
  const size = (w, hgt) => { const b = Buffer.alloc(8); b.writeUInt32BE(w, 0); b.writeUInt32BE(hgt, 4); return b; };
  return [
    ['empty', Buffer.alloc(0)],
    ['truncated after IHDR', cut(good, 33)],
    ['truncated to half', cut(good, good.length >> 1)],
    ['bit flip in the signature', flip(good, 1, 1)],
    ['bit depth 9', flip(good, 24, 0)],
    ['colour type 1', flip(good, 25, 0)],
    ['bit flip in the zlib header', flip(good, idat, 0)],
    ['2^31 x 2^31 pixels claimed', withBytes(good, 16, size(0x7fffffff, 0x7fffffff))],
    ['4096 x 4096 pixels in a small file', withBytes(good, 16, size(4096, 4096))],
    ['random bytes', random(3, 1024)],
  ];
}

// JPEG: find the frame header (SOF0: FF C0, length, precision, height, width).
function jpegCases(good) {
  let sof = -1;
  for (let i = 2; i + 1 < good.length; i++) if (good[i] === 0xff && good[i + 1] === 0xc0) { sof = i; break; }
  let dht = -1;
  for (let i = 2; i + 1 < good.length; i++) if (good[i] === 0xff && good[i + 1] === 0xc4) { dht = i; break; }
  const u16 = (v) => [v >> 8, v & 255];
  return [
    ['empty', Buffer.alloc(0)],
    ['truncated in the headers', cut(good, Math.floor(good.length / 10))],
    ['truncated in the scan', cut(good, Math.floor(good.length * 0.6))],
    ['bit flip in the start marker', flip(good, 1, 0)],
    ['12-bit precision', withBytes(good, sof + 4, [12])],
    ['a huge height (bit flip)', flip(good, sof + 5, 7)],
    ['65,500 x 65,500 pixels claimed', withBytes(good, sof + 5, [...u16(65500), ...u16(65500)])],
    ['a Huffman table marker turned into SOF5', flip(good, dht + 1, 0)],
    ['zero components', withBytes(good, sof + 9, [0])],
    ['random bytes', random(4, 1024)],
  ];
}

async function main() {
  const seeds = path.join(here, '..', 'fuzz', 'corpus', 'image');
  const goodFiles = {
    safetensors: readFileSync(path.join(siteDir, 'checkpoints', 'sinusoid-maml.safetensors')),
    csv: goodCsv(),
    png: readFileSync(path.join(seeds, 'fashion_gray.png')),
    jpg: readFileSync(path.join(seeds, 'rgb_q50.jpg')),
  };
  const cases = [
    ...safetensorsCases(goodFiles.safetensors).map(([what, buffer], i) => ({ kind: 'safetensors', what, name: `model_${i}.safetensors`, buffer })),
    ...csvCases(goodFiles.csv).map(([what, buffer], i) => ({ kind: 'csv', what, name: `table_${i}.csv`, buffer })),
    ...pngCases(goodFiles.png).map(([what, buffer], i) => ({ kind: 'png', what, name: `cat_${i}.png`, buffer })),
    ...jpegCases(goodFiles.jpg).map(([what, buffer], i) => ({ kind: 'jpeg', what, name: `dog_${i}.jpg`, buffer })),
  ];

  const s = await h.start();
  const context = await s.browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  watch(page, 'bad uploads');
  // Every lab drawn once (so each has a predictions checksum), then the classification lab, where data goes.
  await page.goto(`${s.url}#view=regression`, { waitUntil: 'load' });
  await waitFor(page, 'the regression lab', (x) => x.frames >= 3 && x.status.regression.ready && x.status.regression.checksum, 60000);
  await page.evaluate(() => { window.location.hash = '#view=memory'; });
  await waitFor(page, 'the memory lab', (x) => x.status.view === 'memory_lab' && x.status.memory.checksum, 60000);
  await page.evaluate(() => { window.location.hash = '#view=classification&learner=protonet&dataset=glyphs&ways=5&shots=1&seed=1'; });
  await waitFor(page, 'the classification lab with its shipped ProtoNet',
                (x) => x.status.view === 'classification_lab' && x.status.classification.ready &&
                       x.status.classification.weights === 'shipped' && x.status.classification.checksum, 60000);
  await waitFrames(page, 3);

  const snapshot = (st) => JSON.stringify({
    view: st.status.view,
    checksums: ['regression', 'gene', 'classification', 'memory'].map((l) => st.status[l].checksum),
    classification: ['dataset', 'weights', 'iteration', 'learner', 'ways', 'shots'].map((k) => st.status.classification[k]),
    byo: [st.status.classification.byo.name, st.status.classification.byo.version],
    regression: [st.status.regression.origin, st.status.regression.task, st.status.regression.learner],
    memory: st.status.memory.uploaded,
  });
  const before = snapshot(await state(page));
  summary.cases = [];
  for (const c of cases) {
    let st = await upload(page, { name: c.name, mimeType: 'application/octet-stream', buffer: c.buffer });
    const err = st.status.page.last_error;
    summary.cases.push({ kind: c.kind, what: c.what, name: c.name, bytes: c.buffer.length, error: err });
    check(err !== '' && err.includes(c.name), `${c.kind}, ${c.what}: an error naming ${c.name}`, err || '(no error)');
    await waitFrames(page, 2);
    st = await state(page);
    const now = snapshot(st);
    check(now === before, `${c.kind}, ${c.what}: nothing changed`, now === before ? '' : `${before} -> ${now}`);
  }
  checkNoProblems(`after ${cases.length} corrupted uploads`);

  // The good files are accepted.
  const goods = [['csv', 'good.csv'], ['png', 'cat_good.png'], ['jpg', 'dog_good.jpg'], ['safetensors', 'good.safetensors']];
  for (const [kind, name] of goods) {
    const st = await upload(page, { name, mimeType: 'application/octet-stream', buffer: goodFiles[kind] });
    check(st.status.page.last_error === '', `the good ${kind} file they were made from is accepted`, st.status.page.last_error);
  }
  await waitFrames(page, 3);
  checkNoProblems('after the good uploads');
}

h.run(main);
