// Just enough MessagePack to read what dd-trace sends its agent (`PUT /v0.4/traces`:
// an array of traces, each an array of span maps): count the spans without building
// them (load figures), or decode them (span names for the spans-per-request check).

const utf8 = new TextDecoder();

/** Reads one value at `pos`; returns [value, next position]. With `skip`, builds nothing. */
function read(buf, pos, skip) {
  const b = buf[pos++];
  if (b <= 0x7f) return [b, pos];
  if (b >= 0xe0) return [b - 0x100, pos];
  if (b >= 0x80 && b <= 0x8f) return readMap(buf, pos, b & 0x0f, skip);
  if (b >= 0x90 && b <= 0x9f) return readArray(buf, pos, b & 0x0f, skip);
  if (b >= 0xa0 && b <= 0xbf) return readStr(buf, pos, b & 0x1f, skip);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (b) {
    case 0xc0:
      return [null, pos];
    case 0xc2:
      return [false, pos];
    case 0xc3:
      return [true, pos];
    case 0xc4:
      return [null, pos + 1 + buf[pos]];
    case 0xc5:
      return [null, pos + 2 + view.getUint16(pos)];
    case 0xc6:
      return [null, pos + 4 + view.getUint32(pos)];
    case 0xc7:
      return [null, pos + 2 + buf[pos]];
    case 0xc8:
      return [null, pos + 3 + view.getUint16(pos)];
    case 0xc9:
      return [null, pos + 5 + view.getUint32(pos)];
    case 0xca:
      return [view.getFloat32(pos), pos + 4];
    case 0xcb:
      return [view.getFloat64(pos), pos + 8];
    case 0xcc:
      return [buf[pos], pos + 1];
    case 0xcd:
      return [view.getUint16(pos), pos + 2];
    case 0xce:
      return [view.getUint32(pos), pos + 4];
    case 0xcf:
      return [skip ? 0 : view.getBigUint64(pos), pos + 8];
    case 0xd0:
      return [view.getInt8(pos), pos + 1];
    case 0xd1:
      return [view.getInt16(pos), pos + 2];
    case 0xd2:
      return [view.getInt32(pos), pos + 4];
    case 0xd3:
      return [skip ? 0 : view.getBigInt64(pos), pos + 8];
    case 0xd4:
      return [null, pos + 2];
    case 0xd5:
      return [null, pos + 3];
    case 0xd6:
      return [null, pos + 5];
    case 0xd7:
      return [null, pos + 9];
    case 0xd8:
      return [null, pos + 17];
    case 0xd9:
      return readStr(buf, pos + 1, buf[pos], skip);
    case 0xda:
      return readStr(buf, pos + 2, view.getUint16(pos), skip);
    case 0xdb:
      return readStr(buf, pos + 4, view.getUint32(pos), skip);
    case 0xdc:
      return readArray(buf, pos + 2, view.getUint16(pos), skip);
    case 0xdd:
      return readArray(buf, pos + 4, view.getUint32(pos), skip);
    case 0xde:
      return readMap(buf, pos + 2, view.getUint16(pos), skip);
    case 0xdf:
      return readMap(buf, pos + 4, view.getUint32(pos), skip);
    default:
      throw new Error(`msgpack: unknown type byte 0x${b.toString(16)} at ${pos - 1}`);
  }
}

function readStr(buf, pos, length, skip) {
  return [skip ? '' : utf8.decode(buf.subarray(pos, pos + length)), pos + length];
}

function readArray(buf, pos, length, skip) {
  const out = skip ? undefined : [];
  for (let i = 0; i < length; i++) {
    const [value, next] = read(buf, pos, skip);
    out?.push(value);
    pos = next;
  }
  return [out, pos];
}

function readMap(buf, pos, length, skip) {
  const out = skip ? undefined : {};
  for (let i = 0; i < length; i++) {
    const [key, afterKey] = read(buf, pos, skip);
    const [value, next] = read(buf, afterKey, skip);
    if (out) out[key] = value;
    pos = next;
  }
  return [out, pos];
}

/** Array header at `pos`: [length, position of the first element]. */
function arrayHeader(buf, pos) {
  const b = buf[pos];
  if (b >= 0x90 && b <= 0x9f) return [b & 0x0f, pos + 1];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b === 0xdc) return [view.getUint16(pos + 1), pos + 3];
  if (b === 0xdd) return [view.getUint32(pos + 1), pos + 5];
  throw new Error(`msgpack: expected an array at ${pos}, found 0x${b.toString(16)}`);
}

/** Spans in a v0.4 traces payload, without decoding them. */
export function countV04Spans(buf) {
  let [traces, pos] = arrayHeader(buf, 0);
  let spans = 0;
  for (let t = 0; t < traces; t++) {
    const [length, first] = arrayHeader(buf, pos);
    spans += length;
    pos = first;
    for (let s = 0; s < length; s++) pos = read(buf, pos, true)[1];
  }
  return spans;
}

/** The spans of a v0.4 traces payload, decoded (name, resource, meta, …). */
export function decodeV04Spans(buf) {
  const [traces] = read(buf, 0, false);
  return traces.flat();
}
