import { PLAIN_INTERVAL_MS, type ProgressSinks } from "../runtime/progress.js";
import type { StagePlan } from "../tasks/plan.js";

/**
 * Progress of a launch, counted in tasks rather than rows: like the build's progress, a status
 * line redrawn in place on a terminal and a plain line every PLAIN_INTERVAL_MS elsewhere, plus
 * one line when a stage completes.
 */
export class TaskProgress {
  private stageStartedAt: number;
  private lastPlainLineAt: number;

  constructor(
    private readonly stages: readonly StagePlan[],
    private readonly sinks: ProgressSinks,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.stageStartedAt = this.lastPlainLineAt = now();
  }

  /** `done` of the stage's tasks have their marker; `detail` says what the others are doing. */
  update(stage: StagePlan, done: number, detail = ""): void {
    const now = this.now();
    const line = `${this.title(stage)}: ${done} of ${stage.tasks} tasks done${detail && `, ${detail}`}, ${((now - this.stageStartedAt) / 1000).toFixed(0)} s`;
    if (this.sinks.status) this.sinks.status(line);
    else if (now - this.lastPlainLineAt >= PLAIN_INTERVAL_MS) {
      this.lastPlainLineAt = now;
      this.sinks.log(line);
    }
  }

  /** Every task of `stage` has its marker; `ran` of them ran in this launch. */
  stageDone(stage: StagePlan, ran: number): void {
    const now = this.now();
    this.sinks.status?.("");
    const skipped = stage.tasks - ran;
    this.sinks.log(`${this.title(stage)}: ${stage.tasks} of ${stage.tasks} tasks done${skipped > 0 ? ` (${skipped} had completed before)` : ""}, ${((now - this.stageStartedAt) / 1000).toFixed(1)} s`);
    this.stageStartedAt = now;
  }

  /** Clears the status line before a failure is reported. */
  clear(): void {
    this.sinks.status?.("");
  }

  private title(stage: StagePlan): string {
    return `stage ${this.stages.indexOf(stage) + 1}/${this.stages.length} ${stage.name}`;
  }
}
