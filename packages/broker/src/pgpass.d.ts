/** The `pgpass` package (node-postgres's ~/.pgpass reader) ships no types. */
declare module 'pgpass' {
  interface ConnectionInfo {
    host: string;
    port: string;
    database: string;
    user: string;
  }
  /** Calls back with the matching password, or undefined (also when the file is missing or too open). */
  export default function pgpass(info: ConnectionInfo, callback: (password: string | undefined) => void): void;
}
