// msgpackr packs into one module-level buffer shared by every Packr and by its standalone pack().
// After a large value (a snapshot) that buffer stays as large as the largest thing ever packed,
// for the life of the process. Call this after packing something big to give it a small one back.
import { Packr } from 'msgpackr';

const BUFFER_BYTES_DEFAULT = 8192;
const resetter = new Packr({ useRecords: false });

export function releasePackBuffer(): void {
  resetter.useBuffer(new Uint8Array(BUFFER_BYTES_DEFAULT));
}
