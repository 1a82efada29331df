/**
 * Metric families the request path updates as plain numbers, read by prom-client only at
 * scrape time (Envoy's model: hot-path counters, exported on demand). A series is one entry in
 * a Map keyed by its label values; `add` and `observe` do one lookup and a few additions, no
 * label hashing and no object per call once the series exists. The families register in a
 * prom-client Registry as metric objects whose `get()` builds the exposition, so the text
 * format, the JSON the control plane aggregates over workers, and prom-client's aggregators all
 * apply unchanged.
 *
 * Bounded: a family holds at most `maxSeries` label sets (label values come from sites,
 * services, status codes and outcome names, all finite); past it, new label sets are counted
 * under the label value `other`, so a hostile stream of values cannot grow memory.
 */
import type { Registry } from "prom-client";

/** One exposed value: a label set's number (histograms name the _bucket/_sum/_count line). */
interface ExposedValue {
  readonly value: number;
  readonly labels: Record<string, string>;
  readonly metricName?: string;
}

/** What prom-client's registry reads from a metric at scrape time (its `get()`). */
interface Exposition {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "histogram";
  readonly aggregator: "sum" | "max";
  readonly values: readonly ExposedValue[];
}

/** Label sets per family at most; past this, new ones fold into `other`. */
export const MAX_SERIES = 4_096;

const SEPARATOR = "\u0001";

interface FamilyOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** How the control plane combines workers' values (prom-client's aggregators). */
  readonly aggregator?: "sum" | "max";
  readonly maxSeries?: number;
}

abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator: "sum" | "max";
  protected readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: readonly string[]; data: S }>();
  readonly #maxSeries: number;

  constructor(options: FamilyOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.aggregator = options.aggregator ?? "sum";
    this.#maxSeries = options.maxSeries ?? MAX_SERIES;
  }

  protected abstract create(): S;

  /** The series of these label values, made on first use (or the `other` one, past the cap). */
  protected seriesOf(labels: readonly string[]): S {
    const key = labels.length === 1 ? (labels[0] as string) : labels.join(SEPARATOR);
    const found = this.series.get(key);
    if (found) return found.data;
    if (this.series.size >= this.#maxSeries) return this.seriesOf(labels.map(() => "other"));
    const entry = { labels: [...labels], data: this.create() };
    this.series.set(key, entry);
    return entry.data;
  }

  protected labelObject(labels: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.labelNames.length; i++)
      out[this.labelNames[i] as string] = labels[i] ?? "";
    return out;
  }

  register(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}

/** A counter family: `add(labels, n)`. */
export class ScrapedCounter extends Family<{ value: number }> {
  readonly type = "counter";

  protected create() {
    return { value: 0 };
  }

  add(labels: readonly string[], n = 1): void {
    this.seriesOf(labels).value += n;
  }

  get(): Exposition {
    const values = [...this.series.values()].map(({ labels, data }) => ({
      value: data.value,
      labels: this.labelObject(labels),
    }));
    return {
      name: this.name,
      help: this.help,
      type: "counter",
      aggregator: this.aggregator,
      values,
    };
  }
}

interface HistogramSeries {
  /** Per bucket (not cumulative), the last one +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram family with fixed upper bounds (seconds): `observe(labels, value)`. */
export class ScrapedHistogram extends Family<HistogramSeries> {
  readonly type = "histogram";
  readonly #bounds: Float64Array;

  constructor(options: FamilyOptions & { readonly buckets: readonly number[] }) {
    super(options);
    this.#bounds = Float64Array.from(options.buckets);
  }

  protected create(): HistogramSeries {
    return { counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
  }

  observe(labels: readonly string[], value: number): void {
    const series = this.seriesOf(labels);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (series.counts as Float64Array)[i] = ((series.counts as Float64Array)[i] as number) + 1;
    series.sum += value;
    series.count += 1;
  }

  get(): Exposition {
    const values: ExposedValue[] = [];
    for (const { labels, data } of this.series.values()) {
      const base = this.labelObject(labels);
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += data.counts[i] as number;
        const le = i < this.#bounds.length ? String(this.#bounds[i]) : "+Inf";
        values.push({
          value: cumulative,
          labels: { ...base, le },
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ value: data.sum, labels: base, metricName: `${this.name}_sum` });
      values.push({ value: data.count, labels: base, metricName: `${this.name}_count` });
    }
    return {
      name: this.name,
      help: this.help,
      type: "histogram",
      aggregator: this.aggregator,
      values,
    };
  }
}
