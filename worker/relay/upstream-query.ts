// The query string an upstream receives. It is built from the parameters that upstream needs,
// each with the values it may take, never copied from the client's: the client's query may carry
// its relay key (`?key=cr_…`, read by auth.ts) or anything else it chose to send, and an upstream
// (Anthropic, or a relay an account chains to) must see neither.

/** A query string made here, with its `?`, or "". Branded so a route cannot pass `url.search` on. */
export type UpstreamQuery = string & { readonly __builtForUpstream: true };

/** Per parameter, the values a client may ask the upstream for. */
type Allowed = Readonly<Record<string, readonly string[]>>;

/** What each upstream takes from the client's query. Every other upstream takes nothing (NO_QUERY). */
const ALLOWED = {
  /** Claude Code calls `/v1/messages?beta=true` (and count_tokens) along with its beta headers. */
  anthropic: { beta: ["true"] },
  /** Gemini CLI and the GenAI SDK stream with `streamGenerateContent?alt=sse`; without it the answer is one JSON array. */
  gemini: { alt: ["sse"] },
} as const satisfies Record<string, Allowed>;

export type QueryTakingUpstream = keyof typeof ALLOWED;

export const NO_QUERY = "" as UpstreamQuery;

function serialise(params: URLSearchParams): UpstreamQuery {
  const text = params.toString();
  return (text ? `?${text}` : "") as UpstreamQuery;
}

/** The client's query, less everything `upstream` does not need. */
export function upstreamQuery(client: URL, upstream: QueryTakingUpstream): UpstreamQuery {
  const allowed: Allowed = ALLOWED[upstream];
  const kept = new URLSearchParams();
  for (const [name, values] of Object.entries(allowed)) {
    const value = client.searchParams.getAll(name).find((candidate) => values.includes(candidate));
    if (value !== undefined) kept.set(name, value);
  }
  return serialise(kept);
}

/** A query the relay itself chooses (e.g. `alt=sse` for a chat stream it translates to Gemini). */
export function relayQuery(params: Record<string, string>): UpstreamQuery {
  return serialise(new URLSearchParams(params));
}
