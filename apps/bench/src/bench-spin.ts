/**
 * The `broker.spinUs` of the bench's spinning library cells (`BENCH_SPIN_US`). The spin must outlast the main
 * thread's turnaround at one call in flight (its wake-up, the bot's code, the next call): 60-100 µs on the 2-vCPU
 * VM of docs/benchmarks.md, so 50 µs always missed there.
 */
export const SPIN_US = Number(process.env.BENCH_SPIN_US ?? 200);
