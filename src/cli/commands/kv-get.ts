// consul kv get [options] [KEY_OR_PREFIX]
import { FlagSet, addClientFlags, addServerFlags, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { error, info, tabwrite, type Io } from '../io.js';
import { unexpected as unexpectedOf, type ApiClient } from '../api-client.js';

const HELP = `
Usage: consul kv get [options] [KEY_OR_PREFIX]

  Retrieves the value from Consul's key-value store at the given key name. If no
  key exists with that name, an error is returned. If a key exists with that
  name but has no data, nothing is returned. If the name or prefix is omitted,
  it defaults to "" which is the root of the key-value store.

  To retrieve the value for the key named "foo" in the key-value store:

      $ consul kv get foo

  To view detailed information about the key, specify the "-detailed" flag:

      $ consul kv get -detailed foo

  To treat the path as a prefix and list all keys which start with the given
  prefix, specify the "-recurse" flag:

      $ consul kv get -recurse foo

  To just list the keys which start with the specified prefix, use the "-keys"
  option instead:

      $ consul kv get -keys foo
`;

/** A KV entry as GET /v1/kv returns it. */
export interface WireKv {
  Key: string;
  Flags: number | string;
  Value: string | null;
  Session?: string;
  LockIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
}

function flags(): FlagSet {
  const fs = new FlagSet('kv get')
    .bool('base64', 'Base64 encode the value. The default value is false.')
    .bool('detailed', 'Provide additional metadata about the key in addition to the value such as the ModifyIndex and any flags that may have been set on the key. The default value is false.')
    .bool('keys', 'List keys which start with the given prefix, but not their values. This is especially useful if you only need the key names themselves. This option is commonly combined with the -separator option. The default value is false.')
    .bool('recurse', 'Recursively look at all keys prefixed with the given path. The default value is false.')
    .string('separator', 'String to use as a separator between keys. The default value is "/", but this option is only taken into account when paired with the -keys flag.');
  addClientFlags(fs);
  addServerFlags(fs);
  return fs;
}

/**
 * Parses the raw JSON of a KV answer keeping Flags exact: uint64 flags above 2^53 would lose digits
 * through JSON.parse, so the number is quoted first.
 */
export function parseKvJson(text: string): WireKv[] {
  return JSON.parse(text.replace(/("Flags"\s*:\s*)(\d+)/g, '$1"$2"')) as WireKv[];
}

/** The -detailed block. The value goes out as raw bytes, as Go prints a []byte, so binary data survives. */
export function prettyKv(pair: WireKv, base64: boolean): Buffer {
  const value = Buffer.from(pair.Value ?? '', 'base64');
  const table = tabwrite([
    `CreateIndex\t${pair.CreateIndex}`,
    `Flags\t${pair.Flags}`,
    `Key\t${pair.Key}`,
    `LockIndex\t${pair.LockIndex}`,
    `ModifyIndex\t${pair.ModifyIndex}`,
    `Session\t${pair.Session ? pair.Session : '-'}`,
    'Value\t',
  ]);
  return Buffer.concat([Buffer.from(table, 'utf8'), base64 ? Buffer.from(value.toString('base64')) : value]);
}

export const kvGetCommand: Command = {
  synopsis: 'Retrieves or lists data from the KV store',
  help: () => usage(HELP, flags()),
  async run(args: string[], io: Io): Promise<number> {
    const fs = flags();
    const parsed = parseFlags(fs, args, io, this.help());
    if (!parsed) return 1;
    const v = parsed.values;
    const rest = parsed.args;
    if (rest.length > 1) {
      error(io, `Too many arguments (expected 1, got ${rest.length})`);
      return 1;
    }
    let key = rest[0] ?? '';
    if (key.startsWith('/')) key = key.slice(1);
    const keysMode = v.get('keys') === true;
    const recurse = v.get('recurse') === true;
    const detailed = v.get('detailed') === true;
    const b64 = v.get('base64') === true;
    if (key === '' && !(recurse || keysMode)) {
      error(io, 'Error! Missing KEY argument');
      return 1;
    }
    return withClient(parsed, io, async (client: ApiClient) => {
      const path = `/v1/kv/${encodeKey(key)}`;
      try {
        if (keysMode) {
          const q = client.queryParams({ keys: '', separator: (v.get('separator') as string | undefined) ?? '/' });
          const res = await client.request('GET', path, q);
          if (res.status === 404) return 0;
          if (res.status !== 200) throw unexpectedOf(res);
          for (const k of JSON.parse(res.body.toString('utf8')) as string[]) info(io, k);
          return 0;
        }
        if (recurse) {
          const res = await client.request('GET', path, client.queryParams({ recurse: '' }));
          if (res.status === 404) return 0;
          if (res.status !== 200) throw unexpectedOf(res);
          const pairs = parseKvJson(res.body.toString('utf8'));
          pairs.forEach((pair, i) => {
            if (detailed) {
              io.out(Buffer.concat([prettyKv(pair, b64), Buffer.from('\n')]));
              if (i < pairs.length - 1) info(io, '');
            } else {
              const value = Buffer.from(pair.Value ?? '', 'base64');
              io.out(Buffer.concat([Buffer.from(`${pair.Key}:`), b64 ? Buffer.from(value.toString('base64')) : value, Buffer.from('\n')]));
            }
          });
          return 0;
        }
        const res = await client.request('GET', path, client.queryParams());
        if (res.status === 404) {
          error(io, `Error! No key exists at: ${key}`);
          return 1;
        }
        if (res.status !== 200) throw unexpectedOf(res);
        const pair = parseKvJson(res.body.toString('utf8'))[0]!;
        if (detailed) {
          io.out(Buffer.concat([prettyKv(pair, b64), Buffer.from('\n')]));
          return 0;
        }
        io.out(Buffer.concat([Buffer.from(pair.Value ?? '', 'base64'), Buffer.from('\n')]));
        return 0;
      } catch (err) {
        error(io, `Error querying Consul agent: ${errMessage(err)}`);
        return 1;
      }
    });
  },
};

/** Path-escapes each segment of a KV key, keeping the slashes (Go's url.PathEscape per segment). */
export function encodeKey(key: string): string {
  return key.split('/').map((s) => encodeURIComponent(s)).join('/');
}

