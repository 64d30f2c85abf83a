// Decoding faults on the gossip wire. Bad input from the network is an operating error, never a crash.
import { ConclaveError } from '../../lib/errors.js';

export type WireFault =
  | 'truncated' // the input ended inside a value (on a stream: wait for more bytes)
  | 'malformed' // bytes that no peer would send
  | 'too-large' // a length prefix above our caps
  | 'checksum' // CRC32 mismatch
  | 'unsupported' // a message type, compression or encryption we do not speak
  | 'label'; // a label header that is not ours

export class WireError extends ConclaveError {
  override name = 'WireError';
  constructor(
    readonly fault: WireFault,
    message: string,
  ) {
    super('ERR_BAD_REQUEST', `gossip wire: ${message}`);
  }
}
