// Pieces shared by the three wire formats (Anthropic, Gemini, OpenAI). Pure functions: no I/O here.

/** One write of a streamed reply: `words` is how many output tokens it carries, `text` whether it carries reply text. */
export interface StreamChunk {
  /** Text for SSE and JSON streams; bytes for binary framing (Bedrock's event-stream). */
  wire: string | Uint8Array;
  words: number;
  text: boolean;
}

/** Usage in the relay's (Anthropic's) fields: input_tokens excludes cache reads, output_tokens includes reasoning. */
export interface NormalizedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  ephemeral_5m_input_tokens: number;
  ephemeral_1h_input_tokens: number;
  reasoning_tokens?: number;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const wordCount = (text: string): number => text.match(/\S+/g)?.length ?? 0;

/** Splits text into ~3-word pieces whose concatenation is exactly `text`. */
export function splitDeltas(text: string): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [];
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += 3) pieces.push(words.slice(i, i + 3).join(""));
  return pieces;
}

/** ceil(total JSON length of the defined values / 4): every protocol's input token count. */
export function jsonTokens(...values: unknown[]): number {
  let chars = 0;
  for (const value of values) if (value !== undefined) chars += JSON.stringify(value).length;
  return Math.ceil(chars / 4);
}

/** Google and OpenAI cache prefixes implicitly; the `cache-read` scenario reports half the input as cached. */
export const cachedHalf = (inputTokens: number, cacheRead: boolean): number =>
  cacheRead ? Math.floor(inputTokens / 2) : 0;

/** Maps a protocol's usage (whose input includes cached tokens) onto the relay's fields. */
export function normalize(parts: {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}): NormalizedUsage {
  return {
    input_tokens: parts.input - parts.cached,
    output_tokens: parts.output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: parts.cached,
    ephemeral_5m_input_tokens: 0,
    ephemeral_1h_input_tokens: 0,
    ...(parts.reasoning > 0 ? { reasoning_tokens: parts.reasoning } : {}),
  };
}

/** An SSE event with an `event:` line (Anthropic, OpenAI Responses) or data only. */
export const sseEvent = (data: unknown, event?: string, separator = "\n\n"): string =>
  `${event === undefined ? "" : `event: ${event}\n`}data: ${JSON.stringify(data)}${separator}`;
