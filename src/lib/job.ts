/** The shape of a periodic background job; `src/jobs.ts` lists the jobs that run. */
export interface BackgroundJob {
  name: string;
  /** Milliseconds between runs. */
  intervalMs: number;
  /** One pass; returns quickly when there is nothing to do. */
  run(signal: AbortSignal): Promise<void>;
  /** Releases resources such as pooled connections. */
  close?(): Promise<void>;
  /**
   * Lets the runner start the next pass early: the job calls `wake` when work
   * arrived in this process (e.g. a message was queued); returns an unsubscribe.
   */
  onWake?(wake: () => void): () => void;
}
