/** Loading the configuration the way the bot does (file option, else BOTDB_CONFIG, else the search). */
import { type LoadedConfig, loadConfig } from '@pkg/config';
import { err, printable } from './output.js';

export interface ConfigOption {
  config?: string;
}

/** Loads the configuration; its warnings (e.g. an old spelling) go to stderr, so stdout stays clean. */
export async function loadCliConfig(opts: ConfigOption): Promise<LoadedConfig> {
  const loaded = await loadConfig(opts.config === undefined ? {} : { path: opts.config });
  for (const w of loaded.warnings) err.line(`warning: ${printable(w.key)}: ${printable(w.message)}`);
  return loaded;
}
