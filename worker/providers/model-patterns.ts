// Model lists as admins write them (an account's models, a key's blacklist): exact names or
// `prefix*`, matched without regard to case.

/** Whether any of `patterns` (exact, or `prefix*`) matches `model`. */
export function matchesModel(patterns: readonly string[], model: string): boolean {
  const wanted = model.toLowerCase();
  return patterns.some((entry) => {
    const pattern = entry.toLowerCase();
    return pattern.endsWith("*") ? wanted.startsWith(pattern.slice(0, -1)) : wanted === pattern;
  });
}

/** A key's blacklist (exact, or `prefix*`) names the model, as the KeyGate reads it. */
export const isRestricted = matchesModel;
