import { crc32 } from 'node:zlib';

/** Bytes before each frame's body: [u32 body length][u32 crc32 of seq + body][f64 sequence number]. */
export const FRAME_HEADER_BYTES = 16;
/** Largest body a frame may claim; a longer length is corruption, not a record. */
export const MAX_FRAME_BODY = 16 << 20;

/**
 * Frames one record: its sequence number and body (bytes, or a string written as UTF-8 straight
 * into the frame), checksummed together. Little-endian throughout.
 */
export function encodeFrame(seq: number, body: Uint8Array | string): Buffer {
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  out.writeUInt32LE(length, 0);
  out.writeDoubleLE(seq, 8);
  if (typeof body === 'string') out.write(body, FRAME_HEADER_BYTES, 'utf8');
  else out.set(body, FRAME_HEADER_BYTES);
  out.writeUInt32LE(crc32(out.subarray(8)), 4);
  return out;
}

/** One record read back from a journal segment. */
export interface Frame {
  readonly seq: number;
  readonly body: Buffer;
}

/** What reading a segment's bytes found: the intact frames, and what it had to skip. */
export interface DecodedFrames {
  readonly frames: Frame[];
  /** Frames whose checksum failed but whose length was plausible: skipped, reading went on. */
  readonly corruptFrames: number;
  /** Bytes at the end that form no whole frame (a torn write, or a length past any sane size). */
  readonly tornBytes: number;
}

/**
 * Decodes every frame of a segment. A frame whose checksum fails is skipped and reading goes on
 * after it when its length stays inside the buffer; a frame cut short (the write the crash tore)
 * or with an impossible length ends the segment, and its bytes are counted as torn. Never throws.
 */
export function decodeFrames(buf: Buffer): DecodedFrames {
  const frames: Frame[] = [];
  let corruptFrames = 0;
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= buf.length) {
    const len = buf.readUInt32LE(at);
    const end = at + FRAME_HEADER_BYTES + len;
    if (len > MAX_FRAME_BODY || end > buf.length) break;
    if (crc32(buf.subarray(at + 8, end)) !== buf.readUInt32LE(at + 4)) {
      corruptFrames++;
    } else {
      frames.push({ seq: buf.readDoubleLE(at + 8), body: buf.subarray(at + FRAME_HEADER_BYTES, end) });
    }
    at = end;
  }
  return { frames, corruptFrames, tornBytes: buf.length - at };
}
