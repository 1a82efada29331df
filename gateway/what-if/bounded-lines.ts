/**
 * Lines of a text stream with every line bounded: a line longer than `maxLineChars` is never
 * held whole; it is skipped and reported by its number. Lines come in batches (one per chunk
 * read), so a million lines cost a few thousand awaits, not a million. `\r\n` and a leading
 * byte-order mark are accepted. The stream itself is bounded by whoever opens it.
 */
export type LineItem =
  | { readonly number: number; readonly text: string }
  | { readonly number: number; readonly tooLong: true };

export async function* boundedLines(
  chunks: AsyncIterable<string>,
  maxLineChars: number,
): AsyncGenerator<LineItem[]> {
  let rest = "";
  let skipping = false;
  let number = 0;
  const item = (text: string): LineItem => {
    number++;
    if (skipping || text.length > maxLineChars) return { number, tooLong: true };
    const line = number === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    return { number, text: line.endsWith("\r") ? line.slice(0, -1) : line };
  };
  for await (const chunk of chunks) {
    const batch: LineItem[] = [];
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
      batch.push(item(skipping ? "" : rest + chunk.slice(start, nl)));
      rest = "";
      skipping = false;
      start = nl + 1;
    }
    if (!skipping) {
      rest += chunk.slice(start);
      // Past the bound the line is dropped as it arrives: memory stays bounded.
      if (rest.length > maxLineChars) {
        skipping = true;
        rest = "";
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (skipping || rest !== "") yield [item(rest)];
}
