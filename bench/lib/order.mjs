// The order a round runs its configurations in: each round starts one further on, and
// every other round runs them in reverse, so that no configuration always runs first
// or right after the same other (on this machine the second of two runs is often the slower).
export function roundOrder(items, round) {
  const rotated = items.map((_, i) => items[(i + round - 1) % items.length]);
  return round % 2 === 0 ? rotated.reverse() : rotated;
}
