/**
 * k6 threshold keys and expressions, parsed and judged the way k6 does, so the Node runner
 * passes or fails a run on the same `THRESHOLDS` as the k6 suite. Pure.
 *
 * Key: `metric` or `metric{tag:value,tag:value}`. Expression: `aggregation op number`, with
 * aggregation one of `p(N)`, avg, min, med, max, rate, count, value and op one of
 * < <= > >= == === !=. As in k6, a (sub-)metric with no samples reads 0.
 */

export interface MetricKey {
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface ThresholdExpression {
  readonly aggregation: string;
  readonly op: "<" | "<=" | ">" | ">=" | "==" | "===" | "!=";
  readonly limit: number;
}

export class ThresholdSyntaxError extends Error {
  readonly code = "threshold_syntax";
}

const KEY = /^([A-Za-z_][\w]*)(?:\{([^{}]*)\})?$/;
const EXPRESSION =
  /^\s*(p\(\d+(?:\.\d+)?\)|avg|min|med|max|rate|count|value)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export function parseMetricKey(key: string): MetricKey {
  const match = KEY.exec(key);
  if (!match)
    throw new ThresholdSyntaxError(`threshold key "${key}": expected metric{tag:value,...}`);
  const tags: Record<string, string> = {};
  for (const pair of (match[2] ?? "").split(",").filter((p) => p.trim() !== "")) {
    const colon = pair.indexOf(":");
    if (colon < 1)
      throw new ThresholdSyntaxError(`threshold key "${key}": "${pair}" is not tag:value`);
    tags[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return { metric: match[1] ?? "", tags };
}

export function parseExpression(text: string): ThresholdExpression {
  const match = EXPRESSION.exec(text);
  if (!match)
    throw new ThresholdSyntaxError(
      `threshold "${text}": expected aggregation op number, e.g. p(99)<500 or rate<0.01`,
    );
  const op = match[2] as ThresholdExpression["op"];
  return { aggregation: match[1] ?? "", op, limit: Number(match[3]) };
}

/** Whether `tags` (a sample's) carry every tag of the key. */
export function matchesKey(key: MetricKey, tags: Readonly<Record<string, string>>): boolean {
  return Object.entries(key.tags).every(([name, value]) => tags[name] === value);
}

export function holds(expression: ThresholdExpression, observed: number | undefined): boolean {
  const value = observed ?? 0;
  const { op, limit } = expression;
  if (op === "<") return value < limit;
  if (op === "<=") return value <= limit;
  if (op === ">") return value > limit;
  if (op === ">=") return value >= limit;
  if (op === "!=") return value !== limit;
  return value === limit;
}
