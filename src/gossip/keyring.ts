// memberlist's symmetric encryption (security.go + keyring.go): AES-GCM with a 12-byte random nonce.
//   version 0: PKCS#7-padded plaintext (protocol 1 peers); version 1: no padding (what we send).
//   packet:  [version][nonce 12][ciphertext+tag 16], additional data = the packet label
//   stream:  [encryptMsg=10][u32 length][version][nonce][ciphertext+tag], additional data = first 5 bytes + label
// Decryption tries every key in the ring; the first key is the primary one used to encrypt.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { WireError } from './wire/errors.js';
import { MessageType } from './wire/messages.js';

const NONCE = 12;
const TAG = 16;

export class Keyring {
  private readonly keys: Buffer[];

  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new RangeError('a keyring needs at least one key');
    for (const k of keys) {
      if (![16, 24, 32].includes(k.length)) throw new RangeError(`key size must be 16, 24 or 32 bytes, not ${k.length}`);
    }
    this.keys = keys.map((k) => Buffer.from(k));
  }

  /** Overhead a packet gains (version + nonce + tag). */
  static readonly packetOverhead = 1 + NONCE + TAG;

  encrypt(msg: Uint8Array, aad: Uint8Array): Buffer {
    const nonce = randomBytes(NONCE);
    const key = this.keys[0]!;
    const c = createCipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, key, nonce);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(msg), c.final()]);
    return Buffer.concat([Buffer.from([1]), nonce, ct, c.getAuthTag()]);
  }

  decrypt(buf: Uint8Array, aad: Uint8Array): Buffer {
    if (buf.length < 1 + NONCE + TAG) throw new WireError('truncated', 'encrypted payload is too short');
    const vsn = buf[0]!;
    if (vsn > 1) throw new WireError('unsupported', `encryption version ${vsn}`);
    const nonce = buf.subarray(1, 1 + NONCE);
    const ct = buf.subarray(1 + NONCE, buf.length - TAG);
    const tag = buf.subarray(buf.length - TAG);
    for (const key of this.keys) {
      try {
        const d = createDecipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, key, nonce);
        d.setAAD(aad);
        d.setAuthTag(tag);
        const plain = Buffer.concat([d.update(ct), d.final()]);
        return vsn === 0 ? pkcs7Decode(plain) : plain;
      } catch {
        // try the next key
      }
    }
    throw new WireError('checksum', 'no installed key could decrypt the message');
  }

  encryptPacket(msg: Uint8Array, label: string): Buffer {
    return this.encrypt(msg, Buffer.from(label, 'utf8'));
  }

  decryptPacket(buf: Uint8Array, label: string): Buffer {
    return this.decrypt(buf, Buffer.from(label, 'utf8'));
  }

  encryptStream(msg: Uint8Array, label: string): Buffer {
    const head = Buffer.alloc(5);
    head[0] = MessageType.encrypt;
    head.writeUInt32BE(1 + NONCE + msg.length + TAG, 1);
    const body = this.encrypt(msg, Buffer.concat([head, Buffer.from(label, 'utf8')]));
    return Buffer.concat([head, body]);
  }

  /** `frame` is the whole encrypt frame: type byte, length, payload. */
  decryptStream(frame: Uint8Array, label: string): Buffer {
    const head = frame.subarray(0, 5);
    return this.decrypt(frame.subarray(5), Buffer.concat([head, Buffer.from(label, 'utf8')]));
  }
}

function pkcs7Decode(buf: Buffer): Buffer {
  if (buf.length === 0) throw new WireError('malformed', 'empty padded plaintext');
  const n = buf[buf.length - 1]!;
  if (n === 0 || n > 16 || n > buf.length) throw new WireError('malformed', 'bad PKCS#7 padding');
  return buf.subarray(0, buf.length - n);
}
