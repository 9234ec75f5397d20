// What an MP3 file needs around its audio frames: an ID3v2.4 tag with chapter marks (CTOC + CHAP
// frames, the ID3v2 Chapter Frame Addendum, as FFmpeg and podcast players read them) and a LAME "Info"
// frame (Xing header + LAME extension) with the encoder delay and padding, so that decoders drop them
// and the file decodes to exactly the encoded samples.

const encoder = new TextEncoder();

/** A 28-bit size as four 7-bit bytes (ID3v2 "syncsafe" integer). */
export function syncsafe(/** @type {number} */ n) {
  if (n < 0 || n >= 2 ** 28) throw new RangeError(`an ID3 size must be below 2^28, not ${n}`);
  return [(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f];
}

const u32 = (/** @type {number} */ n) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** An ID3v2.4 frame: id, syncsafe size, no flags, body. */
function frame(/** @type {string} */ id, /** @type {ArrayLike<number>} */ body) {
  return [...encoder.encode(id), ...syncsafe(body.length), 0, 0, ...Array.from(body)];
}

/** A text frame (TIT2, …) in UTF-8 (encoding byte 3), NUL-terminated. */
const textFrame = (/** @type {string} */ id, /** @type {string} */ text) => frame(id, [3, ...encoder.encode(text), 0]);
const cString = (/** @type {string} */ text) => [...encoder.encode(text), 0];

/**
 * An ID3v2.4 tag: the title (TIT2, if any), a table of contents (CTOC "toc", top-level and ordered)
 * and one CHAP frame per chapter (start and end in milliseconds, byte offsets unused, its TIT2).
 * @param {{title?: string, chapters?: Array<{title: string, start: number, end: number}>}} tag  times in seconds
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function id3Tag({ title, chapters = [] }) {
  const ids = chapters.map((_, i) => `ch${i}`);
  const body = title ? textFrame('TIT2', title) : [];
  if (chapters.length) {
    if (chapters.length > 255) throw new RangeError('at most 255 chapter marks in an MP3');
    body.push(...frame('CTOC', [...cString('toc'), 0x03, chapters.length, ...ids.flatMap(cString)]));
    chapters.forEach(({ title: name, start, end }, i) => {
      const times = [...u32(Math.round(start * 1000)), ...u32(Math.round(end * 1000)), ...u32(0xffffffff), ...u32(0xffffffff)];
      body.push(...frame('CHAP', [...cString(ids[i]), ...times, ...textFrame('TIT2', name)]));
    });
  }
  return new Uint8Array([...encoder.encode('ID3'), 4, 0, 0, ...syncsafe(body.length), ...body]);
}

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i;
    for (let j = 0; j < 8; j++) r = r & 1 ? (r >>> 1) ^ 0xa001 : r >>> 1;
    table[i] = r;
  }
  return table;
})();

/** CRC-16/ARC (polynomial 0x8005 reflected, initial 0): the LAME tag's checksum. */
export function crc16(/** @type {Uint8Array} */ bytes) {
  let crc = 0;
  for (const byte of bytes) crc = (crc >>> 8) ^ CRC16_TABLE[(crc ^ byte) & 0xff];
  return crc;
}

const BITRATES = {
  1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // MPEG-1 layer III
  2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160], // MPEG-2 (and 2.5) layer III
};
const RATES = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/**
 * An MP3 frame header's fields (layer III only).
 * @param {Uint8Array} bytes  at least 4 bytes, from the frame's start
 */
export function mp3Header(bytes) {
  const h = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const version = (h >>> 19) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  if ((h >>> 21) !== 0x7ff || version === 1 || ((h >>> 17) & 3) !== 1) throw new Error('not an MPEG layer III frame header');
  const bitrate = BITRATES[version === 3 ? 1 : 2][(h >>> 12) & 15] * 1000;
  const sampleRate = RATES[/** @type {3|2|0} */ (version)][(h >>> 10) & 3];
  const samples = version === 3 ? 1152 : 576;
  const mono = ((h >>> 6) & 3) === 3;
  const size = Math.floor((samples / 8) * bitrate / sampleRate) + ((h >>> 9) & 1);
  const sideInfo = version === 3 ? (mono ? 17 : 32) : (mono ? 9 : 17);
  return { version, bitrate, sampleRate, samples, mono, size, sideInfo };
}

/**
 * A LAME "Info" frame for a CBR stream whose first audio frame header is `header`: the frame and
 * byte counts, a linear seek table, and the encoder delay and end padding in samples.
 * @param {{header: Uint8Array, frames: number, bytes: number, delay: number, padding: number}} stream
 *   bytes: the audio frames' bytes (this frame's are added)
 */
export function infoFrame({ header, frames, bytes, delay, padding }) {
  const first = header.slice(0, 4);
  first[2] &= ~0x02; // no padding slot
  const { size, sideInfo } = mp3Header(first);
  const out = new Uint8Array(size);
  out.set(first);
  const at = 4 + sideInfo;
  if (at + 156 > size) throw new RangeError('the frame is too small for a LAME tag (raise the bitrate)');
  const view = new DataView(out.buffer);
  out.set(encoder.encode('Info'), at);
  view.setUint32(at + 4, 0x0f); // frames, bytes, seek table, quality
  view.setUint32(at + 8, frames);
  view.setUint32(at + 12, bytes + size);
  for (let i = 0; i < 100; i++) out[at + 16 + i] = Math.floor((i * 256) / 100);
  out.set(encoder.encode('LAME3.98r'), at + 120); // lamejs is a port of LAME 3.98
  if (delay > 0xfff || padding > 0xfff) throw new RangeError('encoder delay and padding must be below 4096');
  view.setUint8(at + 141, delay >> 4);
  view.setUint8(at + 142, ((delay & 0xf) << 4) | (padding >> 8));
  view.setUint8(at + 143, padding & 0xff);
  view.setUint32(at + 148, bytes + size);
  view.setUint16(at + 154, crc16(out.subarray(0, at + 154)));
  return out;
}
