/**
 * Progress of a build, stage by stage: on a terminal a status line that redraws in place,
 * elsewhere (CI logs) a plain line every PLAIN_INTERVAL_MS, and at the end a table of rows
 * in and out, seconds and MB/s per stage.
 */

export const PLAIN_INTERVAL_MS = 10_000;

export interface ProgressSinks {
  /** Finished lines (the summary table, plain progress lines). */
  log: (line: string) => void;
  /** A transient status line, redrawn in place; given only when stderr is a terminal. */
  status?: (line: string) => void;
}

export interface StageRecord {
  name: string;
  rowsIn: number;
  rowsOut: number;
  bytes: number;
  seconds: number;
  /** Peak resident memory of the whole process (all threads) by the end of the stage. */
  peakRssMiB: number;
}

export class Progress {
  private readonly finished: StageRecord[] = [];

  constructor(
    private readonly sinks: ProgressSinks,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts a stage over `totalBytes` bytes of input (0 when it is not byte-driven). */
  stage(name: string, totalBytes = 0): StageProgress {
    return new StageProgress(name, totalBytes, this.sinks, this.now, (record) => this.finished.push(record));
  }

  /** A stage measured elsewhere (by tasks on other machines). */
  add(record: StageRecord): void {
    this.finished.push(record);
  }

  get stages(): readonly StageRecord[] {
    return this.finished;
  }

  summaryTable(): string[] {
    const header = ["stage", "rows in", "rows out", "seconds", "MB/s", "peak RSS MiB"];
    const rows = this.finished.map((stage) => [
      stage.name,
      String(stage.rowsIn),
      String(stage.rowsOut),
      stage.seconds.toFixed(2),
      stage.bytes > 0 && stage.seconds > 0 ? (stage.bytes / 1024 ** 2 / stage.seconds).toFixed(2) : "",
      String(stage.peakRssMiB),
    ]);
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
    const format = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
    return [format(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(format)];
  }
}

export class StageProgress {
  private readonly startedAt: number;
  private lastPlainLineAt: number;
  private bytesDone = 0;
  private rowsIn = 0;
  private rowsOut = 0;

  constructor(
    private readonly name: string,
    private readonly totalBytes: number,
    private readonly sinks: ProgressSinks,
    private readonly now: () => number,
    private readonly onDone: (record: StageRecord) => void,
  ) {
    this.startedAt = now();
    this.lastPlainLineAt = this.startedAt;
  }

  advance({ bytes = 0, rowsIn = 0, rowsOut = 0 }: { bytes?: number; rowsIn?: number; rowsOut?: number }): void {
    this.bytesDone += bytes;
    this.rowsIn += rowsIn;
    this.rowsOut += rowsOut;
    const now = this.now();
    if (this.sinks.status) this.sinks.status(this.describe(now));
    else if (now - this.lastPlainLineAt >= PLAIN_INTERVAL_MS) {
      this.lastPlainLineAt = now;
      this.sinks.log(this.describe(now));
    }
  }

  done(counts: { rowsIn?: number; rowsOut?: number } = {}): void {
    const seconds = (this.now() - this.startedAt) / 1000;
    this.sinks.status?.("");
    this.onDone({
      name: this.name,
      rowsIn: counts.rowsIn ?? this.rowsIn,
      rowsOut: counts.rowsOut ?? this.rowsOut,
      bytes: this.bytesDone,
      seconds,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    });
  }

  private describe(now: number): string {
    const seconds = (now - this.startedAt) / 1000;
    const share = this.totalBytes > 0 ? ` ${((100 * this.bytesDone) / this.totalBytes).toFixed(1)}%` : "";
    const rate = this.bytesDone > 0 && seconds > 0 ? `, ${(this.bytesDone / 1024 ** 2 / seconds).toFixed(2)} MB/s` : "";
    return `${this.name}:${share} ${this.rowsIn} in, ${this.rowsOut} out, ${seconds.toFixed(0)} s${rate}`;
  }
}
