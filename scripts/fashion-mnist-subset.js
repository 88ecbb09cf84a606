#!/usr/bin/env node
// Writes a small Fashion-MNIST subset for the page: the first PER_CLASS images
// of each class of Debian's test set (dataset-fashion-mnist), as uncompressed
// IDX files (the page has no gzip decoder; 100 per class is 784 KB).
//
//   node scripts/fashion-mnist-subset.js SRC_DIR OUT_IMAGES OUT_LABELS [PER_CLASS]
// SRC_DIR holds t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz
// (/usr/share/datasets/fashion-mnist).
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function fail(msg) {
  process.stderr.write('fashion-mnist-subset: ' + msg + '\n');
  process.exit(1);
}

const [src, outImages, outLabels, perArg] = process.argv.slice(2);
if (!src || !outImages || !outLabels) fail('usage: SRC_DIR OUT_IMAGES OUT_LABELS [PER_CLASS]');
const perClass = perArg ? Number(perArg) : 100;
if (!Number.isInteger(perClass) || perClass < 1) fail('PER_CLASS must be a positive integer, not ' + perArg);

function readIdx(file, magic) {
  let bytes;
  try {
    bytes = zlib.gunzipSync(fs.readFileSync(file));
  } catch (e) {
    fail(file + ': ' + e.message);
  }
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== magic)
    fail(file + ': not an IDX file with magic 0x' + magic.toString(16));
  const dims = [];
  for (let i = 0; i < (magic & 0xff); ++i) dims.push(bytes.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * dims.length;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + size) fail(file + ': ' + bytes.length + ' bytes, expected ' + (offset + size));
  return { dims, data: bytes.subarray(offset) };
}

const images = readIdx(path.join(src, 't10k-images-idx3-ubyte.gz'), 0x803);
const labels = readIdx(path.join(src, 't10k-labels-idx1-ubyte.gz'), 0x801);
if (images.dims[0] !== labels.dims[0]) fail('images and labels disagree on the count');
const pixels = images.dims[1] * images.dims[2];
const taken = new Map();
const keep = [];
for (let i = 0; i < labels.dims[0]; ++i) {
  const c = labels.data[i];
  if ((taken.get(c) || 0) < perClass) {
    taken.set(c, (taken.get(c) || 0) + 1);
    keep.push(i);
  }
}

function header(magic, dims) {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}
const imageOut = Buffer.concat([header(0x803, [keep.length, images.dims[1], images.dims[2]]),
                                ...keep.map((i) => images.data.subarray(i * pixels, (i + 1) * pixels))]);
const labelOut = Buffer.concat([header(0x801, [keep.length]), Buffer.from(keep.map((i) => labels.data[i]))]);
fs.mkdirSync(path.dirname(outImages), { recursive: true });
fs.writeFileSync(outImages, imageOut);
fs.writeFileSync(outLabels, labelOut);
