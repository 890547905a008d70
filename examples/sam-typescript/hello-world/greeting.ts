export function greet(name: string): string {
  if (name.length > 64) throw new Error(`name too long: ${name.length} characters`);
  return `${process.env.GREETING ?? 'hi'}, ${name}`;
}
