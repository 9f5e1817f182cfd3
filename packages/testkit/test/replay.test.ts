import { describe, expect, it } from 'vitest';
import { replay, type WriteOp } from '../src/index.js';

class Recorder {
  calls: string[] = [];
  async slow(args: Record<string, unknown>): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.calls.push(`slow:${String(args.n)}`);
  }
  fast(args: Record<string, unknown>): void {
    this.calls.push(`fast:${String(args.n)}`);
  }
  fail(): never {
    throw new TypeError('boom');
  }
}

describe('replay', () => {
  it('calls the methods in order, awaiting each, with the target as this', async () => {
    const target = new Recorder();
    const ops: WriteOp[] = [
      ['slow', { n: 1 }],
      ['fast', { n: 2 }],
      ['slow', { n: 3 }],
      ['fast', { n: 4 }],
    ];
    await replay(target, ops);
    expect(target.calls).toEqual(['slow:1', 'fast:2', 'slow:3', 'fast:4']);
  });

  it('passes the args object through', async () => {
    const seen: unknown[] = [];
    const args = { chatId: -1, nested: { a: [1, 2] } };
    await replay({ saveChatMessage: (a: unknown) => seen.push(a) }, [['saveChatMessage', args]]);
    expect(seen).toEqual([args]);
  });

  it('rejects naming the op index and method when the target lacks the method', async () => {
    const target = new Recorder();
    const ops: WriteOp[] = [
      ['fast', { n: 1 }],
      ['updateChatUser', { chatId: 1 }],
      ['fast', { n: 2 }],
    ];
    await expect(replay(target, ops)).rejects.toThrow(/op #1 .*updateChatUser/);
    expect(target.calls).toEqual(['fast:1']);
    await expect(replay(target, [['toString', {}]])).rejects.toThrow(/op #0 .*toString/);
    await expect(replay({ notAFunction: 1 }, [['notAFunction', {}]])).rejects.toThrow(/notAFunction/);
  });

  it("propagates the target's own error unchanged", async () => {
    await expect(replay(new Recorder(), [['fail', {}]])).rejects.toThrow(TypeError);
  });
});
