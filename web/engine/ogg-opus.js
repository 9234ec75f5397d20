// Opus packets into an Ogg Opus file (RFC 7845 on RFC 3533), with chapter marks as Vorbis comments.
//
// Page 0 holds the identification header (OpusHead), the next page(s) the comment header (OpusTags:
// CHAPTER001=00:00:00.000, CHAPTER001NAME=title, … as FFmpeg and common players read them), then the
// audio pages. Granule positions count 48 kHz samples including the pre-skip; the last page's is
// pre-skip + the audio's length, so decoders drop the encoder's padding at the end. The comment
// header comes last (the chapter times are known once the audio is), so its size is fixed up front:
// titles are known at the start and every time has the same width (HH:MM:SS.mmm).

const OPUS_RATE = 48000;
const MAX_SEGMENTS = 255;
const PAGE_PACKETS = 50; // about one second of 20 ms packets per audio page
const encoder = new TextEncoder();

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** The Ogg page checksum: CRC-32, polynomial 0x04c11db7, no reflection, initial value 0 (RFC 3533). */
export function oggCrc(/** @type {Uint8Array} */ bytes) {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  return crc;
}

/**
 * Samples (at 48 kHz) an Opus packet decodes to, from its TOC byte (RFC 6716 section 3.1).
 * @param {Uint8Array} packet
 */
export function opusPacketSamples(packet) {
  if (!packet.length) throw new RangeError('an empty Opus packet');
  const config = packet[0] >> 3;
  const tenths = config < 12 ? [100, 200, 400, 600][config & 3] // SILK: 10, 20, 40, 60 ms
    : config < 16 ? [100, 200][config & 1] // hybrid: 10, 20 ms
      : [25, 50, 100, 200][config & 3]; // CELT: 2.5, 5, 10, 20 ms
  const code = packet[0] & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : (packet[1] ?? 0) & 0x3f;
  return (frames * tenths * OPUS_RATE) / 10000;
}

/** HH:MM:SS.mmm */
export function chapterTime(/** @type {number} */ seconds) {
  const ms = Math.round(seconds * 1000);
  const pad = (/** @type {number} */ n, /** @type {number} */ width) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3600000), 2)}:${pad(Math.floor(ms / 60000) % 60, 2)}:${pad(Math.floor(ms / 1000) % 60, 2)}.${pad(ms % 1000, 3)}`;
}

/**
 * The Vorbis comments of chapters: CHAPTERnnn=time, CHAPTERnnnNAME=title (nnn from 001).
 * @param {Array<{title: string, start: number}>} chapters  start in seconds
 * @returns {string[]}
 */
export function chapterComments(chapters) {
  if (chapters.length > 999) throw new RangeError('at most 999 chapter marks');
  return chapters.flatMap(({ title, start }, i) => {
    const key = `CHAPTER${String(i + 1).padStart(3, '0')}`;
    return [`${key}=${chapterTime(start)}`, `${key}NAME=${title}`];
  });
}

/** OpusHead: version 1, channels, pre-skip, input rate, gain 0, mapping family 0. */
export function opusHead(/** @type {number} */ channels, /** @type {number} */ preSkip, /** @type {number} */ inputRate) {
  const head = new Uint8Array(19);
  head.set(encoder.encode('OpusHead'));
  const view = new DataView(head.buffer);
  view.setUint8(8, 1);
  view.setUint8(9, channels);
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputRate, true);
  return head;
}

/** OpusTags: the vendor string and "KEY=value" comments, UTF-8. */
export function opusTags(/** @type {string} */ vendor, /** @type {string[]} */ comments) {
  const strings = [vendor, ...comments].map((s) => encoder.encode(s));
  const tags = new Uint8Array(8 + 4 * (strings.length + 1) + strings.reduce((n, s) => n + s.length, 0));
  const view = new DataView(tags.buffer);
  tags.set(encoder.encode('OpusTags'));
  let at = 8;
  strings.forEach((s, i) => {
    view.setUint32(at, s.length, true);
    tags.set(s, at + 4);
    at += 4 + s.length;
    if (i === 0) {
      view.setUint32(at, comments.length, true);
      at += 4;
    }
  });
  return tags;
}

/** The lacing values of a packet: 255s, then the remainder (0 when it is a multiple of 255). */
function lacing(/** @type {number} */ length) {
  return [...Array(Math.floor(length / 255)).fill(255), length % 255];
}

/** @typedef {{data: Uint8Array, granule: number}} Packet  granule: 48 kHz samples decoded through it, pre-skip included */

export class OggOpusWriter {
  /**
   * @param {{preSkip: number, inputRate: number, channels?: number, vendor?: string, titles?: string[], serial?: number}} options
   *   `titles`: the chapters' titles, in order (their times are given to `finish`)
   */
  constructor({ preSkip, inputRate, channels = 1, vendor = 'pocket-tts-web', titles = [], serial = 0x504b5454 }) {
    this.preSkip = preSkip; // 48 kHz samples
    this.inputRate = inputRate;
    this.channels = channels;
    this.vendor = vendor;
    this.titles = titles;
    this.serial = serial;
    /** @type {Blob[]} the audio pages written so far (kept out of the JS heap) */
    this.pages = [];
    /** @type {Packet[]} packets not yet on a page */
    this.pending = [];
    this.granule = 0; // 48 kHz samples decoded through the last packet added (the pre-skip's among them)
    // The header pages go first: OpusHead, then OpusTags, whose size is that with every time at 0.
    this.tagPages = this.paginate([{ data: this.tagsPacket(titles.map(() => 0)), granule: 0 }], 0, 0).length;
    this.sequence = 1 + this.tagPages;
  }

  /** @param {number[]} starts  chapter starts in seconds */
  tagsPacket(starts) {
    return opusTags(this.vendor, chapterComments(this.titles.map((title, i) => ({ title, start: starts[i] }))));
  }

  /** Add the next Opus packet (as an encoder gives it). */
  add(/** @type {Uint8Array} */ packet) {
    this.granule += opusPacketSamples(packet);
    this.pending.push({ data: packet, granule: this.granule });
    if (this.pending.length >= PAGE_PACKETS) this.flush(0);
  }

  /** Put the pending packets on pages. */
  flush(/** @type {number} */ flags) {
    const pages = this.paginate(this.pending, this.sequence, flags);
    this.sequence += pages.length;
    this.pages.push(new Blob(pages));
    this.pending = [];
  }

  /**
   * The file. `samples`: the audio's length at the input rate (the end trim); `starts`: each
   * title's chapter start in seconds.
   * @param {number} samples
   * @param {number[]} [starts]
   */
  finish(samples, starts = []) {
    if (starts.length !== this.titles.length) throw new RangeError(`${this.titles.length} chapter starts expected, not ${starts.length}`);
    const end = this.preSkip + Math.round((samples * OPUS_RATE) / this.inputRate);
    if (end > this.granule) throw new RangeError('fewer Opus samples than the audio has');
    if (!this.pending.length) this.add(new Uint8Array([0xf8])); // an empty 20 ms packet to end on
    this.pending[this.pending.length - 1].granule = end;
    this.flush(4);
    const head = this.paginate([{ data: opusHead(this.channels, this.preSkip, this.inputRate), granule: 0 }], 0, 2);
    const tags = this.paginate([{ data: this.tagsPacket(starts), granule: 0 }], 1, 0);
    if (tags.length !== this.tagPages) throw new Error('the chapter comments changed size');
    return new Blob([...head, ...tags, ...this.pages], { type: 'audio/ogg; codecs=opus' });
  }

  /**
   * Ogg pages holding `packets` (a packet may go on over the next page); a page's granule position
   * is that of the last packet ending on it, -1 when none does. `flags`: 2 first page, 4 last page.
   * @param {Packet[]} packets
   * @param {number} sequence
   * @param {number} flags
   * @returns {Uint8Array<ArrayBuffer>[]}
   */
  paginate(packets, sequence, flags) {
    /** @type {Array<{lace: number, data: Uint8Array, granule: number | null}>} granule: where a packet ends */
    const segments = packets.flatMap(({ data, granule }) => lacing(data.length).map((lace, i, all) => ({
      lace, data: data.subarray(255 * i, 255 * i + lace), granule: i === all.length - 1 ? granule : null,
    })));
    const pages = [];
    for (let first = 0; first < segments.length; first += MAX_SEGMENTS) {
      const part = segments.slice(first, first + MAX_SEGMENTS);
      const isLast = first + MAX_SEGMENTS >= segments.length;
      const continued = first > 0 && segments[first - 1].granule === null;
      const pageFlags = (continued ? 1 : 0) | (first === 0 ? flags & 2 : 0) | (isLast ? flags & 4 : 0);
      const ended = part.filter((s) => s.granule !== null).at(-1);
      pages.push(this.page(part, BigInt(ended?.granule ?? -1), sequence + pages.length, pageFlags));
    }
    return pages;
  }

  /**
   * @param {Array<{lace: number, data: Uint8Array}>} segments
   * @param {bigint} granule
   * @param {number} sequence
   * @param {number} flags
   */
  page(segments, granule, sequence, flags) {
    const size = segments.reduce((n, s) => n + s.data.length, 0);
    const page = new Uint8Array(27 + segments.length + size);
    const view = new DataView(page.buffer);
    page.set(encoder.encode('OggS'));
    view.setUint8(5, flags);
    view.setBigInt64(6, granule, true);
    view.setUint32(14, this.serial, true);
    view.setUint32(18, sequence, true);
    view.setUint8(26, segments.length);
    let at = 27;
    for (const s of segments) page[at++] = s.lace;
    for (const s of segments) {
      page.set(s.data, at);
      at += s.data.length;
    }
    view.setUint32(22, oggCrc(page), true);
    return page;
  }
}
