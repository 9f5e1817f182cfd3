/**
 * `pnpm bench`: the data layer against its peers, in one run on this machine.
 * Prints progress, the reads and writes tables and the targets block; writes results/latest.json;
 * exits non-zero when a target is missed. BENCH_ROUNDS / BENCH_ROUND_MS shorten a run while developing.
 */
import { SPIN_US } from './bench-spin.js';
import { readsChart, writeChart } from './chart.js';
import { buildDataset } from './dataset.js';
import { fmt, fmtInt, progress } from './log.js';
import { hasGc } from './measure.js';
import {
  machine,
  projection,
  projectionTable,
  readsTable,
  type Target,
  target,
  targetsTable,
  writeJson,
  writesTable,
} from './report.js';
import { runActiveSources } from './scenarios/active-sources.js';
import { runEventLoop } from './scenarios/event-loop.js';
import { openMultiSource } from './scenarios/multi-source.js';
import { findCell, runReads } from './scenarios/reads.js';
import { runReuse } from './scenarios/reuse.js';
import { runRouting } from './scenarios/routing.js';
import { runSources32 } from './scenarios/sources32.js';
import { runWrites } from './scenarios/writes.js';
import { assertSameSqlAsCore } from './sql.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500);
const WARMUP_MS = Math.min(400, ROUND_MS);

async function main(): Promise<number> {
  assertSameSqlAsCore();
  const host = machine();
  progress(
    `machine: ${host.cpus} x ${host.model}, node ${host.node}, load ${host.loadAvgAtStart.join(' ')}; ` +
      `${ROUNDS} rounds of ${ROUND_MS} ms per measurement${hasGc ? ', GC between rounds' : ''}`,
  );
  const data = await buildDataset();
  try {
    const sources32 = await runSources32(data);
    const active = await runActiveSources(data);

    const multi = await openMultiSource(data);
    const routing = runRouting(multi, data, ROUNDS);
    const eventLoop = await runEventLoop(multi, data.keys);
    await multi.close();

    const reads = await runReads(data, { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS });
    const reuse = await runReuse(data, 1000);
    const writes = await runWrites(data, { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS });

    const ops = (id: Parameters<typeof findCell>[1], n: number) =>
      findCell(reads, id, n)?.summary.opsPerSec ?? Number.NaN;
    const p50 = (id: Parameters<typeof findCell>[1]) => findCell(reads, id, 1)?.summary.latencyUs?.p50 ?? Number.NaN;
    const reads64 = {
      brokerOpsPerSec: ops('broker', 64),
      directOpsPerSec: ops('direct', 1),
      nodeSqlite3OpsPerSec: ops('nodeSqlite3', 64),
      comlinkEchoOpsPerSec: ops('comlinkEcho', 64),
      comlinkBatch64OpsPerSec: ops('comlinkBatch64', 64),
      brokerVsNodeSqlite3: ops('broker', 64) / ops('nodeSqlite3', 64),
      brokerVsDirect: ops('broker', 64) / ops('direct', 1),
      piscinaOpsPerSec: ops('piscina1', 64),
      piscina2OpsPerSec: ops('piscina2', 64),
      rawPostMessageSqlOpsPerSec: ops('rawSql', 64),
      brokerCallsPerMessage: findCell(reads, 'broker', 64)?.callsPerBatch ?? Number.NaN,
      brokerMainThreadUsPerRead: findCell(reads, 'broker', 64)?.mainBusyUsPerRead ?? Number.NaN,
      brokerMainThreadCpuUsPerRead: findCell(reads, 'broker', 64)?.mainCpuUsPerRead ?? Number.NaN,
      brokerMainThreadUsPerReadX1024: findCell(reads, 'broker', 1024)?.mainBusyUsPerRead ?? Number.NaN,
      brokerMainThreadCpuUsPerReadX1024: findCell(reads, 'broker', 1024)?.mainCpuUsPerRead ?? Number.NaN,
    };
    // Main-thread time per read: CPU time where the OS gives it per thread (busy time counts preemption too).
    const mainUsPerRead = Number.isNaN(reads64.brokerMainThreadCpuUsPerRead)
      ? reads64.brokerMainThreadUsPerRead
      : reads64.brokerMainThreadCpuUsPerRead;
    const reads64TwoSources = {
      brokerOpsPerSec: ops('brokerTwoSources', 64),
      directOpsPerSec: ops('direct', 1),
      brokerVsDirect: ops('brokerTwoSources', 64) / ops('direct', 1),
      brokerCallsPerMessage: findCell(reads, 'brokerTwoSources', 64)?.callsPerBatch ?? Number.NaN,
    };
    const writeOps = (contender: string, mode: string) =>
      writes.cells.find((c) => c.contender === contender && c.mode === mode)?.summary.opsPerSec ?? Number.NaN;
    const writes64 = {
      brokerOpsPerSec: writeOps('broker', 'inflight64'),
      directOpsPerSec: writeOps('direct', 'single'),
      brokerVsDirect: writeOps('broker', 'inflight64') / writeOps('direct', 'single'),
      batch100BrokerVsDirect: writeOps('broker', 'batch100') / writeOps('direct', 'batch100'),
    };
    const cpu = (id: Parameters<typeof findCell>[1], n: number) =>
      findCell(reads, id, n)?.otherCpuUsPerRead ?? Number.NaN;
    const oneInFlight = {
      brokerUs: p50('broker'),
      brokerSpinUs: SPIN_US,
      brokerWithSpinUs: p50('brokerSpin'),
      brokerWithSpinVsNodeSqlite3: p50('brokerSpin') / p50('nodeSqlite3'),
      /** CPU of the rest of the process (the source's worker, V8's helper threads) per call. */
      workerCpuUsPerCall: {
        withoutSpin: { x1: cpu('broker', 1), x64: cpu('broker', 64) },
        withSpin: { x1: cpu('brokerSpin', 1), x64: cpu('brokerSpin', 64) },
      },
      reads64WithSpinOpsPerSec: ops('brokerSpin', 64),
      comlinkUs: p50('comlinkEcho'),
      nodeSqlite3Us: p50('nodeSqlite3'),
      comlinkWithSqlUs: p50('comlinkSql1'),
      rawPostMessageSqlUs: p50('rawSql'),
      piscinaUs: p50('piscina1'),
      piscina2Us: p50('piscina2'),
      brokerVsNodeSqlite3: p50('broker') / p50('nodeSqlite3'),
      brokerVsRawPostMessageSql: p50('broker') / p50('rawSql'),
      brokerVsComlinkWithSql: p50('broker') / p50('comlinkSql1'),
      ratio: p50('broker') / p50('comlinkEcho'),
    };

    const targets: Target[] = [
      target('routing decision p99 (Router.route)', routing.route.p99Ns, '<', 1000, 'ns', 1),
      target('connection reuse (mixed run)', reuse.reuseRate * 100, '>=', 99.9, '%', 3),
      // The issue's rule: with the spin off by default, the target holds with it on; the plain figure is printed.
      target(
        `1 in flight: broker (spinUs ${SPIN_US}) p50 / node-sqlite3 p50`,
        oneInFlight.brokerWithSpinVsNodeSqlite3,
        '<=',
        1,
        'x',
      ),
      target(
        '1 in flight: broker p50 / raw postMessage + SQL p50',
        oneInFlight.brokerVsRawPostMessageSql,
        '<=',
        1.5,
        'x',
      ),
      target('1 in flight: broker p50 / piscina (1 thread) p50', p50('broker') / p50('piscina1'), '<=', 1, 'x'),
      target('reads x64: broker / direct better-sqlite3', reads64.brokerVsDirect, '>=', 0.9, 'x'),
      target(
        'reads x64: broker / piscina (1 thread)',
        reads64.brokerOpsPerSec / reads64.piscinaOpsPerSec,
        '>=',
        1,
        'x',
      ),
      // Replaces "2 sources >= 1.3x direct" (issue #22: not measurable on 2 vCPUs); the ratio is still printed.
      target('main-thread CPU per read, x64 (busy time if no thread CPU)', mainUsPerRead, '<=', 3, 'us', 2),
      target('saveChatMessage x64: broker / direct', writes64.brokerVsDirect, '>=', 0.8, 'x'),
      target('RSS per source never called (32 sources)', sources32.memoryUnusedSourceMB, '<', 1, 'MB', 3),
      // Issue #22: "one active source <= 10 MB", the figure it quoted (12.4 MB) being a source open and running
      // (32 sources after ready()). After a read mix it holds more: printed beside it (docs/benchmarks.md).
      target('RSS per open source (32 sources, after ready())', sources32.memoryPerSourceMB, '<', 10, 'MB'),
      target('event-loop delay p99 during 2 s query, no readers', eventLoop.eventLoopDelayP99NoReadersMs, '<', 5, 'ms'),
      // With 16 readers three threads are runnable (main, two workers): a target only with more cores than that.
      ...(host.cpus > 3
        ? [target('event-loop delay p99 during 2 s query, 16 readers', eventLoop.eventLoopDelayP99Ms, '<', 5, 'ms')]
        : []),
      target('reads answered by another source meanwhile', eventLoop.otherSourceReads, '>', 0, '', 0),
      target('start-up of 32 sources', sources32.startupMs, '<', 2000, 'ms', 0),
    ];

    console.log(`\nPoint reads by key (${ROUNDS} rounds x ${ROUND_MS} ms, median; same keys, same SQL, same file)\n`);
    console.log(readsTable(reads));
    console.log(
      '\n* direct: each read timed alone with hrtime (synchronous loop). main us/op: main-thread busy time per read ' +
        '(event-loop utilisation). calls/msg: broker calls per message on the data port.',
    );
    console.log(
      `  Date conversion of one row (4 timestamp columns), done in the worker: ${fmt(reads.dateConversionNsPerRow, 0)} ns.`,
    );
    console.log(
      `\nWrites through saveChatMessage (WAL; PRAGMA synchronous: broker ${writes.synchronous.broker}, direct ${writes.synchronous.direct})\n`,
    );
    console.log(writesTable(writes));
    console.log(
      `\nOther figures: db.routeFor p99 ${fmt(routing.routeFor.p99Ns, 1)} ns; mixed run ${reuse.connectionsOpened} connections ` +
        `opened for ${reuse.connectionsAcquired} acquisitions; slow query ${fmt(eventLoop.slowQueryMs, 0)} ms with ` +
        `${eventLoop.otherSourceReads} reads (${fmt(eventLoop.otherSourceReadsPerSec, 0)}/s) on another source; ` +
        `32-source start-up ${fmt(sources32.startupMs, 0)} ms; 1 in flight p50: broker ${fmt(oneInFlight.brokerUs)} us, ` +
        `node-sqlite3 ${fmt(oneInFlight.nodeSqlite3Us)} us, raw postMessage + SQL ${fmt(oneInFlight.rawPostMessageSqlUs)} us, ` +
        `Comlink + SQL ${fmt(oneInFlight.comlinkWithSqlUs)} us, piscina ${fmt(oneInFlight.piscinaUs)} / ${fmt(oneInFlight.piscina2Us)} us ` +
        `(1 / 2 threads); x64: broker ${fmtInt(reads64.brokerOpsPerSec)}/s, 2 sources ${fmtInt(reads64TwoSources.brokerOpsPerSec)}/s, ` +
        `piscina ${fmtInt(reads64.piscinaOpsPerSec)} / ${fmtInt(reads64.piscina2OpsPerSec)}/s, direct ${fmtInt(reads64.directOpsPerSec)}/s; ` +
        `saveChatMessage x64 ${fmtInt(writes64.brokerOpsPerSec)}/s vs direct ${fmtInt(writes64.directOpsPerSec)}/s; ` +
        `1 in flight without the spin: broker / node-sqlite3 ${fmt(oneInFlight.brokerVsNodeSqlite3, 2)}x; ` +
        `2 sources / direct ${fmt(reads64TwoSources.brokerVsDirect, 2)}x (no target); main thread per read x64: ` +
        `${fmt(reads64.brokerMainThreadCpuUsPerRead, 2)} us CPU, ${fmt(reads64.brokerMainThreadUsPerRead, 2)} us busy; ` +
        `worker-side CPU per call x1/x64: ${fmt(cpu('broker', 1))}/${fmt(cpu('broker', 64))} us plain, ` +
        `${fmt(cpu('brokerSpin', 1))}/${fmt(cpu('brokerSpin', 64))} us spinning; event-loop p99 without readers ` +
        `${fmt(eventLoop.eventLoopDelayP99NoReadersMs, 2)} ms; ` +
        `RSS per source never called ${fmt(sources32.memoryUnusedSourceMB, 3)} MB, open idle ` +
        `${fmt(sources32.memoryPerSourceMB, 2)} MB, stopped idle (stopIdleWorkerAfterMs) ${fmt(sources32.memoryIdleStoppedSourceMB, 2)} MB, ` +
        `after a read mix (${active.sources} sources of 100k messages) ${fmt(active.memoryAfterReadsSourceMB, 2)} MB.`,
    );
    const workerUsPerRead = findCell(reads, 'broker', 64)?.otherCpuUsPerRead ?? Number.NaN;
    const projected = projection(mainUsPerRead, workerUsPerRead);
    console.log(
      `\nProjection from this run's costs per read x64 (main thread ${fmt(mainUsPerRead, 2)} us, its worker and V8's ` +
        `helpers ${fmt(workerUsPerRead, 2)} us): reads/s by busy sources and cores, and the main thread's share of a core\n`,
    );
    console.log(projectionTable(projected));
    console.log('\nTargets\n');
    console.log(targetsTable(targets));

    const failed = targets.filter((t) => !t.pass);
    const file = writeJson(new URL('../results/', import.meta.url), 'latest.json', {
      timestamp: new Date().toISOString(),
      machine: host,
      settings: { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS, gcBetweenRounds: hasGc },
      routingP99Ns: routing.route.p99Ns,
      routingP50Ns: routing.route.p50Ns,
      reuseRate: reuse.reuseRate,
      reads64,
      oneInFlight,
      eventLoopDelayP99Ms: eventLoop.eventLoopDelayP99Ms,
      eventLoopDelayP99NoReadersMs: eventLoop.eventLoopDelayP99NoReadersMs,
      memoryPerSourceMB: sources32.memoryPerSourceMB,
      memoryUnusedSourceMB: sources32.memoryUnusedSourceMB,
      memoryIdleStoppedSourceMB: sources32.memoryIdleStoppedSourceMB,
      memoryAfterReadsPerSourceMB: active.memoryAfterReadsSourceMB,
      reads64TwoSources,
      projection: { mainUsPerRead, workerUsPerRead, cells: projected },
      writes64,
      // library / direct better-sqlite3 (synchronous on the main thread), as bench:pg and bench:mysql report theirs.
      engines: {
        sqlite: {
          oneInFlightRatio: ops('broker', 1) / ops('direct', 1),
          reads64Ratio: reads64.brokerVsDirect,
          mainThreadUsPerCall: mainUsPerRead,
          directMainThreadUsPerCall: findCell(reads, 'direct', 1)?.mainCpuUsPerRead ?? Number.NaN,
          memoryPerSourceMB: sources32.memoryPerSourceMB,
        },
      },
      startup32Ms: sources32.startupMs,
      routing,
      reuse,
      eventLoop,
      sources32,
      activeSources: active,
      reads,
      writes,
      targets,
      passed: failed.length === 0,
    });
    const chart = writeChart(
      new URL('../results/', import.meta.url),
      'latest-reads.svg',
      readsChart(
        reads,
        `${host.cpus} x ${host.model}, node ${host.node}, load ${host.loadAvgAtStart.join(' ')} at the start; medians of ${ROUNDS} rounds`,
      ),
    );
    console.log(
      `\n${failed.length === 0 ? 'All targets met' : `${failed.length} target(s) missed`}; wrote ${file} and ${chart}`,
    );
    return failed.length === 0 ? 0 : 1;
  } finally {
    data.dir.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
