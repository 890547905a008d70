/** Numbers as the CLI's tables show them: grouped thousands, a fixed number of decimals. */
export function fixed(value: number, decimals: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
