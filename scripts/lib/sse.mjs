// Server-Sent Events parsing, shared by the benchmark and the end-to-end tests.

/** One SSE block (the lines between blank lines) → {event, data, id, retry}, or null. */
export function parseSseBlock(block) {
  if (!block.trim()) return null;
  const e = { event: 'message', data: '', id: undefined, retry: undefined };
  const data = [];
  let any = false;
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    any = true;
    if (field === 'data') data.push(value);
    else if (field === 'event') e.event = value;
    else if (field === 'id') e.id = value;
    else if (field === 'retry') e.retry = Number(value);
  }
  if (!any) return null;
  e.data = data.join('\n');
  return e;
}

/** A complete SSE text → its events. */
export function parseSseText(text) {
  return text.replace(/\r\n?/g, '\n').split('\n\n').map(parseSseBlock).filter(Boolean);
}
