// The model list served at GET /v1/models, as the original serves a fixed list.
const CLAUDE_MODELS = [
  ["claude-opus-5-5", "Claude Opus 5.5"],
  ["claude-opus-4-5", "Claude Opus 4.5"],
  ["claude-sonnet-4-5", "Claude Sonnet 4.5"],
  ["claude-haiku-4-5", "Claude Haiku 4.5"],
  ["claude-opus-4-1", "Claude Opus 4.1"],
  ["claude-sonnet-4-0", "Claude Sonnet 4"],
] as const;

export function claudeModelList() {
  const data = CLAUDE_MODELS.map(([id, display_name]) => ({
    type: "model",
    id,
    display_name,
    created_at: "2025-01-01T00:00:00Z",
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
