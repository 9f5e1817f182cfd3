/** Loading the configuration the way the bot does (file option, else BOTDB_CONFIG, else the search). */
import { type LoadedConfig, loadConfig } from '@pkg/config';

export interface ConfigOption {
  config?: string;
}

export function loadCliConfig(opts: ConfigOption): Promise<LoadedConfig> {
  return loadConfig(opts.config === undefined ? {} : { path: opts.config });
}
