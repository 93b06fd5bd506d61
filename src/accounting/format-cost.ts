/** Dollars with enough digits for a single cheap request, without float noise (the `x-gantry-cost-usd` header). */
export function formatCost(cost: number): string {
  return cost === 0 ? "0" : Number(cost.toPrecision(6)).toString();
}
