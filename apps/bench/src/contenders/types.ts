/** What the read scenario needs from a contender that answers asynchronously. */
export interface AsyncReader {
  /** Starts read (or batch of reads) number `i` of the shared key sequence. */
  call(i: number): Promise<unknown>;
  /** Reads one call performs (64 for the batch peer). */
  readonly opsPerCall: number;
  close(): Promise<void>;
}
