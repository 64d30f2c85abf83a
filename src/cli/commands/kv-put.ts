// consul kv put [options] KEY [DATA]
import { FlagSet, addClientFlags, addServerFlags, dataFromArg, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { error, info, type Io } from '../io.js';
import { encodeKey } from './kv-get.js';

const HELP = `
Usage: consul kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be of
  any type.

      $ consul kv put config/redis/maxconns 5

  The data can also be consumed from a file on disk by prefixing with the "@"
  symbol. For example:

      $ consul kv put config/program/license @license.lic

  Or it can be read from stdin using the "-" symbol:

      $ echo "abcd1234" | consul kv put config/program/license -

  The DATA argument itself is optional. If omitted, this will create an empty
  key-value pair at the specified path:

      $ consul kv put webapp/beta/active

  If the -base64 flag is specified, the data will be treated as base 64
  encoded.

  To perform a Check-And-Set operation, specify the -cas flag with the
  appropriate -modify-index flag corresponding to the key you want to perform
  the CAS operation on:

      $ consul kv put -cas -modify-index=844 config/redis/maxconns 5
`;

function flags(): FlagSet {
  const fs = new FlagSet('kv put')
    .bool('cas', 'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set. The default value is false.')
    .add({ name: 'flags', kind: 'uint64', usage: 'Unsigned integer value to assign to this key-value pair. This value is not read by Consul, so clients can use this value however makes sense for their use case. The default value is 0 (no flags).' })
    .bool('base64', 'Treat the data as base 64 encoded. The default value is false.')
    .add({ name: 'modify-index', kind: 'uint64', usage: 'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.' })
    .string('session', 'User-defined identifer for this session as a string. This is commonly used with the -acquire and -release operations to build robust locking, but it can be set on any key. The default value is empty (no session).')
    .bool('acquire', 'Obtain a lock on the key. If the key does not exist, this operation will create the key and obtain the lock. The session must already exist and be specified via the -session flag. The default value is false.')
    .bool('release', 'Forfeit the lock on the key at the given path. This requires the -session flag to be set. The key must be held by the session in order to be unlocked. The default value is false.');
  addClientFlags(fs);
  addServerFlags(fs);
  return fs;
}

export const kvPutCommand: Command = {
  synopsis: 'Sets or updates data in the KV store',
  help: () => usage(HELP, flags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(flags(), args, io, this.help());
    if (!parsed) return 1;
    const v = parsed.values;
    const rest = parsed.args;
    if (rest.length === 0) {
      error(io, 'Error! Missing KEY argument');
      return 1;
    }
    if (rest.length > 2) {
      error(io, `Error! Too many arguments (expected 1 or 2, got ${rest.length})`);
      return 1;
    }
    const key = rest[0]!;
    let data: Buffer;
    try {
      data = rest.length === 2 ? await dataFromArg(rest[1]!, io) : Buffer.alloc(0);
    } catch (err) {
      error(io, `Error! ${errMessage(err)}`);
      return 1;
    }
    if (v.get('base64') === true) {
      const text = data.toString('utf8').trim();
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
        error(io, `Error! Cannot base 64 decode data: illegal base64 data at input byte ${firstBadBase64(text)}`);
        return 1;
      }
      data = Buffer.from(text, 'base64');
    }
    const session = (v.get('session') as string | undefined) ?? '';
    const acquire = v.get('acquire') === true;
    const release = v.get('release') === true;
    const cas = v.get('cas') === true;
    const modifyIndex = (v.get('modify-index') as string | undefined) ?? '0';
    if ((acquire || release) && session === '') {
      error(io, 'Error! Missing -session (required with -acquire and -release)');
      return 1;
    }
    if (cas && modifyIndex === '0') {
      error(io, 'Must specify -modify-index with -cas!');
      return 1;
    }
    return withClient(parsed, io, async (client) => {
      const params: Record<string, string | undefined> = {};
      const kvFlags = v.get('flags') as string | undefined;
      if (kvFlags !== undefined && kvFlags !== '0') params.flags = kvFlags;
      if (cas) params.cas = modifyIndex;
      else if (acquire) params.acquire = session;
      else if (release) params.release = session;
      const path = `/v1/kv/${encodeKey(key)}`;
      let ok: boolean;
      try {
        const res = await client.call('PUT', path, client.queryParams(params, false), data);
        ok = res.body.toString('utf8').trim() === 'true';
      } catch (err) {
        if (cas) error(io, `Error! Did not write to ${key}: ${errMessage(err)}`);
        else if (release) error(io, `Error! Failed writing data: ${key}`);
        else error(io, `Error! Failed writing data: ${errMessage(err)}`);
        return 1;
      }
      if (cas) {
        if (!ok) {
          error(io, `Error! Did not write to ${key}: CAS failed`);
          return 1;
        }
        info(io, `Success! Data written to: ${key}`);
      } else if (acquire) {
        if (!ok) {
          error(io, 'Error! Did not acquire lock');
          return 1;
        }
        info(io, `Success! Lock acquired on: ${key}`);
      } else if (release) {
        if (!ok) {
          error(io, 'Error! Did not release lock');
          return 1;
        }
        info(io, `Success! Lock released on: ${key}`);
      } else {
        info(io, `Success! Data written to: ${key}`);
      }
      return 0;
    });
  },
};

function firstBadBase64(text: string): number {
  const i = text.search(/[^A-Za-z0-9+/=]/);
  return i >= 0 ? i : text.length - (text.length % 4);
}
