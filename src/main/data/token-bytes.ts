/**
 * Token ids <-> uint32 little-endian bytes, the on-disk format of the token cache. On
 * little-endian hosts (every platform Node ships for) this is the typed array's own memory.
 */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function littleEndianBytes(ids: Int32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength);
  const out = new Uint8Array(ids.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < ids.length; i++) view.setUint32(i * 4, ids[i], true);
  return out;
}

/** A copy of the ids stored in `bytes` (length a multiple of 4). */
export function idsFromLittleEndian(bytes: Uint8Array): Int32Array {
  const count = bytes.length / 4;
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, count).slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) ids[i] = view.getInt32(i * 4, true);
  return ids;
}
