// Money without rounding drift. A request's cost is computed in integer pico-dollars (10⁻¹² USD:
// every LiteLLM per-token price is a whole number of them) and carried in micro-dollars (µUSD,
// the unit every API shows) with pico precision, so a fraction of a micro-dollar is never lost.
// Sums are made in integer pico-dollars; a stored total is whole micro-dollars plus a remainder.

export const PICO_PER_MICRO = 1_000_000;
const PICO_PER_USD = 1e12;

/** USD per token → whole pico-dollars per token (the float's decimal noise removed). */
export function picoPerToken(usdPerToken: number): number {
  return Math.round(usdPerToken * PICO_PER_USD);
}

/** µUSD carried with pico precision → exact pico-dollars. */
export function picoOf(microUsd: number): number {
  return Math.round(microUsd * PICO_PER_MICRO);
}

/** Pico-dollars → µUSD (the float nearest to the exact amount). */
export function microOf(picoUsd: number): number {
  return picoUsd / PICO_PER_MICRO;
}

/** a + b in µUSD, added exactly (in pico-dollars), not as floats. */
export function addMicro(a: number, b: number): number {
  return microOf(picoOf(a) + picoOf(b));
}

/** Whole micro-dollars and the pico-dollar remainder below one micro-dollar, for integer storage. */
export function splitMicro(microUsd: number): { wholeMicro: number; remainderPico: number } {
  const pico = picoOf(microUsd);
  const remainderPico = pico % PICO_PER_MICRO;
  return { wholeMicro: (pico - remainderPico) / PICO_PER_MICRO, remainderPico };
}

/** A stored total (whole micro-dollars + pico remainder, the remainder possibly not yet carried) → µUSD. */
export function joinMicro(wholeMicro: number, remainderPico: number): number {
  const pico = wholeMicro * PICO_PER_MICRO + remainderPico;
  // Past 2⁵³ pico-dollars (~$9,000) one float cannot hold the pico sum; add the parts instead.
  return Number.isSafeInteger(pico) ? microOf(pico) : wholeMicro + microOf(remainderPico);
}
