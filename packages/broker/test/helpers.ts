import { Broker, type BrokerOptions, type SqliteSourceSpec } from '@pkg/broker';

/** The broker's tests run on a tiny key-value schema: the broker itself knows no bot tables. */
export const TEST_OPERATIONS = new URL('./fixtures/test-operations.mjs', import.meta.url).href;

export function spec(name: string, path: string, overrides: Partial<SqliteSourceSpec> = {}): SqliteSourceSpec {
  return {
    engine: 'sqlite',
    name,
    path,
    readonly: false,
    poolSize: 3,
    timeoutMs: 5_000,
    maxQueued: 10_000,
    transactionTimeoutMs: 60_000,
    queryTimeoutMs: 30_000,
    maxMemoryMb: 512,
    operationsModule: TEST_OPERATIONS,
    ...overrides,
  };
}

export function broker(specs: SqliteSourceSpec[], options?: BrokerOptions): Broker {
  return new Broker(specs, options);
}

/** What `fn` throws (synchronously); fails the test when it throws nothing. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
