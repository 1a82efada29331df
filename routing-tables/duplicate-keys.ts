/**
 * Duplicate keys in a YAML document, found in linear time. The `yaml` package's own check
 * (`uniqueKeys`) compares each new key with every earlier key of its map: quadratic, so one
 * 1 MiB map of 90,000 distinct keys held the event loop for two minutes. This walk keeps a
 * set per map instead, and uses a stack of its own (no recursion, whatever the nesting).
 */
import { type Document, isCollection, isMap, isPair, isScalar, type Node } from "yaml";

/** Offset of every key that repeats an earlier scalar key of the same map (the second one). */
export function duplicateKeyOffsets(document: Document): number[] {
  const found: number[] = [];
  const stack: unknown[] = [document.contents];
  for (let node = stack.pop(); node !== undefined || stack.length > 0; node = stack.pop()) {
    if (!isCollection(node)) continue;
    const seen = isMap(node) ? new Set<unknown>() : undefined;
    for (const item of node.items) {
      if (!isPair(item)) {
        stack.push(item);
        continue;
      }
      // As `yaml` compares keys: scalars by value (1 and "1" differ), other keys never equal.
      if (seen && isScalar(item.key)) {
        if (seen.has(item.key.value)) found.push((item.key as Node).range?.[0] ?? 0);
        else seen.add(item.key.value);
      }
      stack.push(item.key, item.value);
    }
  }
  return found;
}
