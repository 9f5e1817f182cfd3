/**
 * The vitest globalSetup every engine's test server shares (./vitest-postgres-setup.ts, ./vitest-mariadb-setup.ts):
 * one server for the whole run, or why there is none, handed to the test files with `provide`.
 * Types only from vitest here: a global setup runs outside the test runner and cannot load its runtime.
 */
import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';

/** What the test files get: the server URL, or why there is none. */
export interface EngineForTests {
  /** Server URL, or null when none is available. */
  url: string | null;
  /** Why there is none: not installed (`unavailable`), or it failed to start (`error`). */
  unavailable: string | null;
  error: string | null;
}

/** How to find and start one engine's test server. */
export interface TestEngine {
  available(): boolean;
  missingReason: string;
  skipLine: string;
  start(): Promise<{ url: string; stop(): Promise<void> }>;
}

type EngineKey = {
  [K in keyof ProvidedContext]: ProvidedContext[K] extends EngineForTests ? K : never;
}[keyof ProvidedContext];

/** Starts the engine's server and provides it under `key`; never throws for a missing engine (the test files decide). */
export async function provideEngine(
  project: TestProject,
  key: EngineKey,
  engine: TestEngine,
): Promise<(() => Promise<void>) | undefined> {
  if (!engine.available()) {
    if (process.env.CI !== 'true') console.log(engine.skipLine);
    project.provide(key, { url: null, unavailable: engine.missingReason, error: null });
    return undefined;
  }
  try {
    const server = await engine.start();
    project.provide(key, { url: server.url, unavailable: null, error: null });
    return () => server.stop();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    project.provide(key, { url: null, unavailable: null, error: message });
    return undefined;
  }
}
