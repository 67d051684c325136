// Rewrites a wasm module's import section from the compact encoding (the compact-import-section
// proposal, which scripts/build's `wasm-opt --all-features` writes and workerd's V8 reads) to
// the plain one Node 22's V8 reads, for the cold-start probe of scripts/lib/compare.mjs. The
// code and every other section stay byte for byte the same.

function readU32(buf, at) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[at++];
    if (b === undefined) throw new Error('wasm: truncated LEB128');
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [result, at];
    if (shift > 35) throw new Error('wasm: LEB128 too long');
  }
}

function writeU32(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

/** A heap type or value type that may carry a type index (0x63/0x64 prefixes). */
function skipRefOrValType(buf, at) {
  const t = buf[at++];
  if (t === 0x63 || t === 0x64) {
    // s33 heap type: skip its LEB bytes
    while (buf[at++] & 0x80);
  }
  return at;
}

function skipLimits(buf, at) {
  const flags = buf[at++];
  [, at] = readU32(buf, at); // min (u64 for 64-bit: the bytes are skipped the same way)
  if (flags & 1) [, at] = readU32(buf, at);
  if (flags & 8) [, at] = readU32(buf, at); // custom page size
  return at;
}

/** → the offset just past the import description starting at `at`. */
function skipDesc(buf, at) {
  const kind = buf[at++];
  switch (kind) {
    case 0x00:
      return readU32(buf, at)[1];
    case 0x01:
      return skipLimits(buf, skipRefOrValType(buf, at));
    case 0x02:
      return skipLimits(buf, at);
    case 0x03:
      return skipRefOrValType(buf, at) + 1;
    case 0x04:
      return readU32(buf, at + 1)[1];
    default:
      throw new Error(`wasm: unknown import kind 0x${kind.toString(16)}`);
  }
}

function readName(buf, at) {
  const [len, start] = readU32(buf, at);
  return [buf.subarray(at, start + len), start + len, len];
}

/** The module with a plain import section (the input itself if it had no compact groups). */
export function expandCompactImports(wasm) {
  const buf = Buffer.from(wasm);
  const parts = [buf.subarray(0, 8)];
  let at = 8;
  let changed = false;
  while (at < buf.length) {
    const id = buf[at];
    const [size, payload] = readU32(buf, at + 1);
    const end = payload + size;
    if (id !== 2) {
      parts.push(buf.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = readU32(buf, payload);
    const entries = [];
    for (let i = 0; i < count; i++) {
      const [mod, afterMod] = readName(buf, p);
      const [name, afterName, nameLen] = readName(buf, afterMod);
      if (nameLen === 0 && buf[afterName] === 0x7f) {
        // one module, many (name, desc)
        let [n, q] = readU32(buf, afterName + 1);
        for (let k = 0; k < n; k++) {
          const [item, afterItem] = readName(buf, q);
          const descEnd = skipDesc(buf, afterItem);
          entries.push(Buffer.concat([mod, item, buf.subarray(afterItem, descEnd)]));
          q = descEnd;
        }
        p = q;
        changed = true;
      } else if (nameLen === 0 && buf[afterName] === 0x7e) {
        // one module and one description, many names
        const descEnd = skipDesc(buf, afterName + 1);
        const desc = buf.subarray(afterName + 1, descEnd);
        let [n, q] = readU32(buf, descEnd);
        for (let k = 0; k < n; k++) {
          const [item, afterItem] = readName(buf, q);
          entries.push(Buffer.concat([mod, item, desc]));
          q = afterItem;
        }
        p = q;
        changed = true;
      } else {
        const descEnd = skipDesc(buf, afterName);
        entries.push(Buffer.concat([mod, name, buf.subarray(afterName, descEnd)]));
        p = descEnd;
      }
    }
    if (p !== end) throw new Error('wasm: the import section did not parse to its end');
    const body = Buffer.concat([writeU32(entries.length), ...entries]);
    parts.push(Buffer.from([2]), writeU32(body.length), body);
    at = end;
  }
  return changed ? Buffer.concat(parts) : buf;
}
