// Server-sent events, read from a complete (or cut-off) body text in one pass.
// Handles \n and \r\n line ends, comments, multi-line data and a last event with no newline.

export interface SseEvent {
  event: string | undefined;
  data: string;
}

export function* sseEvents(text: string): Generator<SseEvent> {
  let event: string | undefined;
  let data: string[] = [];
  let start = 0;
  const length = text.length;
  while (start <= length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = length;
    let line = text.slice(start, end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    start = end + 1;
    if (line === "") {
      if (data.length > 0) yield { event, data: data.join("\n") };
      event = undefined;
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  }
  if (data.length > 0) yield { event, data: data.join("\n") };
}

/** Parses each event's data as JSON; events that are not JSON objects are skipped. */
export function* sseJson(text: string): Generator<Record<string, unknown>> {
  for (const { data } of sseEvents(text)) {
    if (data === "[DONE]") continue;
    try {
      const value: unknown = JSON.parse(data);
      if (value && typeof value === "object" && !Array.isArray(value)) yield value as Record<string, unknown>;
    } catch {
      // A cut-off last event is expected when a stream was interrupted.
    }
  }
}
