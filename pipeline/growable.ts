type NumericArray = Uint32Array | Int32Array | Int16Array | Float64Array;

/** An append-only typed array that doubles when full: compact per-paragraph columns of unknown final length. */
export class GrowableArray<A extends NumericArray> {
  private data: A;
  private size = 0;

  constructor(private readonly allocate: (length: number) => A) {
    this.data = allocate(1024);
  }

  get length(): number {
    return this.size;
  }

  push(...values: number[]): void {
    this.reserve(values.length);
    for (const value of values) this.data[this.size++] = value;
  }

  pushAll(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.data.set(values, this.size);
    this.size += values.length;
  }

  at(index: number): number {
    return this.data[index]!;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  /** The values so far; a view, valid until the next push. */
  view(): A {
    return this.data.subarray(0, this.size) as A;
  }

  private reserve(extra: number): void {
    if (this.size + extra <= this.data.length) return;
    const grown = this.allocate(Math.max(this.data.length * 2, this.size + extra));
    grown.set(this.data);
    this.data = grown;
  }
}
