/** A snapshot's float64 bytes in base64 (the platform's byte order: little-endian on every Node target). */
export function snapshotBase64(f: Float64Array): string {
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

/** The snapshot `snapshotBase64` wrote. */
export function snapshotFromBase64(b64: string): Float64Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float64Array(bytes.length >>> 3);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 8));
  return out;
}
