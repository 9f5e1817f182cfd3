// Types the API reference (docs/api.md) writes in signatures that @pkg/core does not export. api.md
// defines them in its prose ("`Read<A>` is `A & { dataSource?: string }` ..."); a signature using them
// must still be the very type of the real method, so a change in the code shows up here.
export type Write<A> = A & { dataSource?: never };
export type Read<A> = A & ReadOptions;
export type SystemWrite<A> = A & ReadOptions;
