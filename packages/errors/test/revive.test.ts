import { describe, expect, it } from 'vitest';
import {
  DatabaseError,
  ERROR_CODES,
  QueryFailedError,
  ReadonlySourceError,
  reviveError,
  SourceOverloadedError,
} from '../src/index.js';

describe('errors that cross the worker boundary', () => {
  it('come back as instances of their own class, with code, message and details', () => {
    const original = new QueryFailedError(
      'archive',
      'saveChatMessage',
      'SQLITE_READONLY',
      'attempt to write a readonly database',
    );
    const revived = reviveError(structuredClone(original.toJSON()));
    expect(revived).toBeInstanceOf(QueryFailedError);
    expect(revived).toBeInstanceOf(DatabaseError);
    expect(revived.name).toBe('QueryFailedError');
    expect(revived.code).toBe('QUERY_FAILED');
    expect(revived.message).toBe(original.message);
    expect(revived.details).toEqual({
      source: 'archive',
      operation: 'saveChatMessage',
      sqliteCode: 'SQLITE_READONLY',
      constraint: false,
    });
  });

  it('every code revives to a DatabaseError subclass of that code', () => {
    for (const code of ERROR_CODES) {
      const revived = reviveError({ code, message: 'm', details: {} });
      expect(revived.code).toBe(code);
      expect(revived.constructor).not.toBe(DatabaseError);
    }
  });
});

describe('error messages name what, where and the fix', () => {
  it('a readonly refusal names the source, the chat, the operation and the fix', () => {
    const e = new ReadonlySourceError('archive', 'setChatSetting', -100);
    expect(e.message).toMatch(/setChatSetting.*chat -100.*"archive".*readonly.*Fix:/);
  });

  it('an overload names the source and the limit', () => {
    const e = new SourceOverloadedError('primary', 50);
    expect(e.message).toMatch(/"primary".*50.*Fix:/);
    expect(e.details).toEqual({ source: 'primary', maxQueued: 50 });
  });
});
