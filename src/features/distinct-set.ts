/**
 * A bounded set of recently seen values with their last-seen times. When full, the value seen
 * longest ago is evicted, so the count under-reports only for entities above the cap.
 */
export class DistinctSet {
  private readonly values: string[] = [];
  private readonly seen: Float64Array;

  constructor(readonly cap: number) {
    this.seen = new Float64Array(cap);
  }

  /** Records `value` as seen at `t`. */
  add(value: string, t: number): void {
    const i = this.values.indexOf(value);
    if (i >= 0) {
      if (t > (this.seen[i] as number)) this.seen[i] = t;
      return;
    }
    if (this.values.length < this.cap) {
      this.seen[this.values.length] = t;
      this.values.push(value);
      return;
    }
    let oldest = 0;
    for (let j = 1; j < this.values.length; j++)
      if ((this.seen[j] as number) < (this.seen[oldest] as number)) oldest = j;
    this.values[oldest] = value;
    this.seen[oldest] = t;
  }

  /** Distinct values seen in (since, until]. */
  countSince(since: number, until: number): number {
    let n = 0;
    for (let j = 0; j < this.values.length; j++) {
      const s = this.seen[j] as number;
      if (s > since && s <= until) n++;
    }
    return n;
  }
}
