// consul kv delete [options] KEY_OR_PREFIX
import { FlagSet, addClientFlags, addMultiTenancyFlags, addServerFlags, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { error, info, type Io } from '../io.js';
import { encodeKey } from './kv-get.js';

const HELP = `
Usage: consul kv delete [options] KEY_OR_PREFIX

  Removes the value from Consul's key-value store at the given path. If no
  key exists at the path, no action is taken.

  To delete the value for the key named "foo" in the key-value store:

      $ consul kv delete foo

  To delete all keys which start with "foo", specify the -recurse option:

      $ consul kv delete -recurse foo

  This will delete the keys named "foo", "food", and "foo/bar/zip" if they
  existed.
`;

function flags(): FlagSet {
  const fs = new FlagSet('kv delete')
    .bool('cas', 'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set. The default value is false.')
    .add({ name: 'modify-index', kind: 'uint64', usage: 'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.' })
    .bool('recurse', 'Recursively delete all keys with the path. The default value is false.');
  addClientFlags(fs);
  addServerFlags(fs);
  addMultiTenancyFlags(fs);
  return fs;
}

export const kvDeleteCommand: Command = {
  synopsis: 'Removes data from the KV store',
  help: () => usage(HELP, flags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(flags(), args, io, this.help());
    if (!parsed) return 1;
    const v = parsed.values;
    if (parsed.args.length > 1) {
      error(io, `Too many arguments (expected 1, got ${parsed.args.length})`);
      return 1;
    }
    let key = parsed.args[0] ?? '';
    if (key.startsWith('/')) key = key.slice(1);
    const recurse = v.get('recurse') === true;
    const cas = v.get('cas') === true;
    const modifyIndex = (v.get('modify-index') as string | undefined) ?? '0';
    if (key === '' && !recurse) {
      error(io, 'Error! Missing KEY argument');
      return 1;
    }
    if (cas && modifyIndex === '0') {
      error(io, 'Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.');
      return 1;
    }
    if (modifyIndex !== '0' && !cas) {
      error(io, 'Cannot specify -modify-index without -cas!');
      return 1;
    }
    if (recurse && cas) {
      error(io, 'Cannot specify both -cas and -recurse!');
      return 1;
    }
    return withClient(parsed, io, async (client) => {
      const path = `/v1/kv/${encodeKey(key)}`;
      if (recurse) {
        try {
          await client.call('DELETE', path, client.queryParams({ recurse: '' }, false));
        } catch (err) {
          error(io, `Error! Did not delete prefix ${key}: ${errMessage(err)}`);
          return 1;
        }
        info(io, `Success! Deleted keys with prefix: ${key}`);
        return 0;
      }
      if (cas) {
        let ok: boolean;
        try {
          const res = await client.call('DELETE', path, client.queryParams({ cas: modifyIndex }, false));
          ok = res.body.toString('utf8').trim() === 'true';
        } catch (err) {
          error(io, `Error! Did not delete key ${key}: ${errMessage(err)}`);
          return 1;
        }
        if (!ok) {
          error(io, `Error! Did not delete key ${key}: CAS failed`);
          return 1;
        }
        info(io, `Success! Deleted key: ${key}`);
        return 0;
      }
      try {
        await client.call('DELETE', path, client.queryParams({}, false));
      } catch (err) {
        error(io, `Error deleting key ${key}: ${errMessage(err)}`);
        return 1;
      }
      info(io, `Success! Deleted key: ${key}`);
      return 0;
    });
  },
};
