/**
 * The routing decision alone: `Router.route` (what every call runs) and `db.routeFor` (the public
 * explain-style API, which also builds a result object). Timed in groups of 64 calls with
 * process.hrtime.bigint so the timer's own cost is spread over the group; p50/p99 are over group averages.
 */
import { type DatabaseWrapper, type RouteRequest, Router } from '@pkg/core';
import { mulberry32 } from '@pkg/testkit';
import type { Dataset } from '../dataset.js';
import { fmt, progress } from '../log.js';
import { median, timedInGroups } from '../measure.js';
import { MAPPED_CHATS, mappedChat, SOURCE_ORDER } from './multi-source.js';

export interface RoutingResult {
  route: { p50Ns: number; p99Ns: number };
  routeFor: { p50Ns: number; p99Ns: number };
  /** The request mix, by kind. */
  mix: Record<string, number>;
  groupSize: number;
}

const REQUESTS = 4096;
const GROUP = 64;
const GROUPS = 20_000;

function requests(data: Dataset): { reqs: RouteRequest[]; mix: Record<string, number> } {
  const rand = mulberry32(99);
  const reqs: RouteRequest[] = [];
  const mix: Record<string, number> = {};
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const writableMapped = () => {
    for (;;) {
      const m = mappedChat(Math.floor(rand() * MAPPED_CHATS));
      if (m.source !== 'archive') return m.chatId;
    }
  };
  while (reqs.length < REQUESTS) {
    const r = rand();
    let kind: string;
    let req: RouteRequest;
    if (r < 0.3) [kind, req] = ['read mapped chat', { chatId: mappedChat(Math.floor(rand() * MAPPED_CHATS)).chatId }];
    else if (r < 0.5) [kind, req] = ['read unmapped chat', { chatId: pick(data.chatIds) }];
    else if (r < 0.65)
      [kind, req] = ['read with dataSource', { chatId: pick(data.chatIds), dataSource: pick(SOURCE_ORDER) }];
    else if (r < 0.8)
      [kind, req] = ['write mapped chat', { chatId: writableMapped(), write: true, operation: 'saveChatMessage' }];
    else if (r < 0.9)
      [kind, req] = ['write unmapped chat', { chatId: pick(data.chatIds), write: true, operation: 'saveChatMessage' }];
    else [kind, req] = ['read without chat', {}];
    reqs.push(req);
    mix[kind] = (mix[kind] ?? 0) + 1;
  }
  return { reqs, mix };
}

export function runRouting(db: DatabaseWrapper, data: Dataset, rounds: number): RoutingResult {
  const router = new Router(db.config);
  const { reqs, mix } = requests(data);
  // Every request must route without throwing: refusals are errors, not routing decisions.
  for (const r of reqs) router.route(r);
  const route = (i: number) => router.route(reqs[i & (REQUESTS - 1)] as RouteRequest).length;
  const routeFor = (i: number) => db.routeFor(reqs[i & (REQUESTS - 1)] as RouteRequest).source.length;
  const measure = (fn: (i: number) => number) => {
    timedInGroups(fn, { groups: GROUPS, groupSize: GROUP }); // warm-up: let the JIT settle
    const runs = Array.from({ length: rounds }, () => timedInGroups(fn, { groups: GROUPS, groupSize: GROUP }));
    return { p50Ns: median(runs.map((r) => r.p50Ns)), p99Ns: median(runs.map((r) => r.p99Ns)) };
  };
  const result = { route: measure(route), routeFor: measure(routeFor), mix, groupSize: GROUP };
  progress(
    `routing: Router.route p50 ${fmt(result.route.p50Ns)} ns p99 ${fmt(result.route.p99Ns)} ns; ` +
      `db.routeFor p50 ${fmt(result.routeFor.p50Ns)} ns p99 ${fmt(result.routeFor.p99Ns)} ns`,
  );
  return result;
}
