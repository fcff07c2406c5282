// SPDX-License-Identifier: LGPL-2.1-or-later
// Reads an MP4 file with mp4box.js (GPAC's JavaScript parser) and prints what it found as
// one JSON line: brands, fragmentation, per-track codec and sample counts, and every error
// or warning the parser logged. Exit 0 when the parser reached onReady, 1 otherwise.
'use strict';

const fs = require('fs');
const MP4Box = require('mp4box');

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node mp4box_info.js FILE\n');
  process.exit(2);
}

const messages = [];
const log = MP4Box.Log;
for (const level of ['error', 'warn']) {
  log[level] = (module, text) => messages.push(`${level}: [${module}] ${text}`);
}

const file = MP4Box.createFile();
let info = null;
let failure = null;
file.onReady = (i) => { info = i; };
file.onError = (e) => { failure = String(e); };

// The whole file in one buffer: the test files are small.
const bytes = fs.readFileSync(path);
const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
buffer.fileStart = 0;
file.appendBuffer(buffer);
file.flush();

// Samples of each track as the parser indexed them, fragments included.
const tracks = [];
if (info) {
  for (const t of info.tracks) {
    const trak = file.getTrackById(t.id);
    tracks.push({
      id: t.id,
      codec: t.codec,
      type: t.type || (t.video ? 'video' : t.audio ? 'audio' : ''),
      nb_samples: trak && trak.samples ? trak.samples.length : t.nb_samples,
      sample_descriptions: trak ? trak.mdia.minf.stbl.stsd.entries.length : 0,
    });
  }
}

process.stdout.write(JSON.stringify({
  ready: info !== null,
  error: failure,
  brands: info ? info.brands : [],
  fragmented: info ? info.isFragmented : false,
  tracks,
  messages,
}) + '\n');
process.exit(info ? 0 : 1);
